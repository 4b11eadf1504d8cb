"""Strict reading of YAML, JSON and whole files (issue 13, points 1-3 and 8): hostile input is refused
early, with one short line, and nothing is silently read as something else."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pathways import (
    MAX_FILE_BYTES,
    InputError,
    PathwaysError,
    RuleDataError,
    excerpt,
    load_json_text,
    load_yaml_text,
    read_text_file,
)


def _yaml(text: str) -> object:
    return load_yaml_text(text, source="p.yaml", error=InputError)


def _refused(load: object, text: str) -> str:
    started = time.perf_counter()
    with pytest.raises(InputError) as caught:
        load(text, source="p.yaml")  # type: ignore[operator]
    assert time.perf_counter() - started < 2, "refused, but slowly"
    line = caught.value.one_line()
    assert len(line) <= 300 and line.isprintable()
    return line


# --- 1. alias bombs -----------------------------------------------------------------------------


def _bomb(depth: int, width: int = 9) -> str:
    lines = ["a0: &a0 [lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, depth + 1)]
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_before_it_grows() -> None:
    # 9**12 (282 billion) values from a file of under 700 bytes.
    text = _bomb(12)
    assert len(text) < 700
    line = _refused(lambda t, source: load_yaml_text(t, source=source, error=InputError), text)
    assert line.startswith("p.yaml:") and "the aliases expand to more than 100000 values" in line


def test_aliases_within_the_budget_are_shared_not_copied() -> None:
    data = _yaml(_bomb(3))
    assert isinstance(data, dict)
    assert data["a3"][0] is data["a2"]  # the same object: no copy was made


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    line = _refused(lambda t, source: load_yaml_text(t, source=source, error=InputError), "a: &a [1, *a]\n")
    assert "the alias 'a' refers to a node that contains it" in line


def test_an_unknown_alias_is_refused() -> None:
    with pytest.raises(InputError, match="unknown alias 'nowhere'"):
        _yaml("a: *nowhere\n")


# --- 2. tracebacks instead of one line ---------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x: " + "[" * 100_000 + "]" * 100_000,  # libyaml takes quadratic time here; refused before parsing
        "x: " + "{a: " * 100 + "1" + "}" * 100,
        "- " * 100_000 + "x\n",  # block nesting, which used to crash the interpreter
    ],
)
def test_deep_nesting_is_refused_quickly(text: str) -> None:
    line = _refused(lambda t, source: load_yaml_text(t, source=source, error=InputError), text)
    assert "nested more than 64 levels deep" in line


def test_nesting_within_the_limit_is_read() -> None:
    assert _yaml("x: " + "[" * 60 + "]" * 60) == {"x": _nested(60)}


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize("digits", [120, 5_000, 100_000])
def test_huge_whole_numbers_are_refused_not_converted(digits: int) -> None:
    assert "a number with more than 100 digits" in _refused(
        lambda t, source: load_yaml_text(t, source=source, error=InputError), f"n: {'9' * digits}\n"
    )
    assert "a number with more than 100 digits" in _refused(load_json_text, f'{{"n": {"9" * digits}}}')


@pytest.mark.parametrize(
    "tag", ["!!binary aGk=", "!!python/object:os.system x", "!!set {a: 1}", "!!int 0x10", "!!timestamp 2020-01-01"]
)
def test_yaml_tags_other_than_plain_text_are_refused(tag: str) -> None:
    with pytest.raises(InputError, match=r"the YAML tag .* is not accepted"):
        _yaml(f"x: {tag}\n")


def test_a_list_as_a_key_is_refused() -> None:
    with pytest.raises(InputError, match="a key must be text"):
        _yaml("? [a, b]\n: 1\n")


def test_a_second_document_is_refused() -> None:
    with pytest.raises(InputError, match=r"p\.yaml:2: expected a single document"):
        _yaml("a: 1\n---\nb: 2\n")


def test_a_lone_surrogate_is_an_error_not_a_crash() -> None:
    with pytest.raises(InputError, match="not valid Unicode"):
        _yaml("a: \ud800\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"a": NaN}', "NaN is not a JSON number"),
        ('{"a": -Infinity}', "-Infinity is not a JSON number"),
        ("[" * 100_000 + "]" * 100_000, "nested more than 64 levels deep"),
        ('{"a": "' + "[" * 1000 + '"}', None),  # brackets in a string are not nesting
        ('{"a": 1,}', "malformed JSON"),
    ],
)
def test_json_is_strict(text: str, message: str | None) -> None:
    if message is None:
        assert load_json_text(text, source="p.json") == {"a": "[" * 1000}
    else:
        assert message in _refused(load_json_text, text)


# --- 3. silent changes to data ------------------------------------------------------------------


def test_yaml_scalars_follow_the_yaml_1_2_core_schema_without_octal_or_hex() -> None:
    data = _yaml(
        "id: 012345\nother: 012345\ntime: 12:30\nhex: 0x1F\noctal: 0o17\nyes_: yes\nno_: no\non_: on\n"
        "true_: true\nnull_: null\nfloat: 1.5\nexp: 1e5\nunderscore: 1_000\nwhen: 2009-01-10\nstar: '*'\n"
    )
    assert data == {
        "id": "012345",  # ids are text, as written
        "other": 12345,  # other decimal numbers are numbers (not octal 5349)
        "time": "12:30",  # not 750
        "hex": "0x1F",
        "octal": "0o17",
        "yes_": "yes",
        "no_": "no",
        "on_": "on",
        "true_": True,
        "null_": None,
        "float": 1.5,
        "exp": 100000.0,
        "underscore": "1_000",
        "when": "2009-01-10",  # dates stay text until the models read them
        "star": "*",
    }


@pytest.mark.parametrize(("written", "read"), [("1.50", "1.50"), ("1e3", "1e3"), ("-0", "-0"), ("7", "7")])
def test_an_id_that_looks_like_a_number_is_kept_as_written(written: str, read: str) -> None:
    assert _yaml(f"id: {written}\n") == {"id": read}


def test_json_duplicate_keys_are_errors_like_yaml() -> None:
    with pytest.raises(InputError, match=r"p\.json: duplicate key 'id'"):
        load_json_text('{"id": "a", "date_of_birth": "2009-01-10", "id": "b"}', source="p.json")
    with pytest.raises(InputError, match=r"p\.yaml:2: duplicate key 'id'"):
        _yaml("id: a\nid: b\n")


# --- 8. unbounded sizes, and errors that quote input -------------------------------------------


def test_a_device_without_end_is_refused_after_the_cap(tmp_path: Path) -> None:
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"the person file is larger than 1,000,000 bytes"):
        read_text_file("/dev/zero", what="person file")
    assert time.perf_counter() - started < 2


def test_a_file_over_the_cap_is_refused_and_one_at_the_cap_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * MAX_FILE_BYTES)
    assert read_text_file(path, what="rule-data file") == "#" * MAX_FILE_BYTES
    path.write_bytes(b"#" * (MAX_FILE_BYTES + 1))
    with pytest.raises(RuleDataError, match="larger than"):
        read_text_file(path, what="rule-data file", error=RuleDataError)


def test_bytes_that_are_not_utf8_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"id: a\ndate_of_birth: 2009-01-10\nprimary_need: caf\xe9\n")
    with pytest.raises(InputError, match=r"p\.yaml:3: the file is not UTF-8 text \(byte 0xe9 cannot be read\)"):
        read_text_file(path, what="person file")


def test_a_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a"}')
    assert load_json_text(read_text_file(path, what="person file"), source="p.json") == {"id": "a"}


def test_errors_quote_input_as_a_short_printable_excerpt() -> None:
    assert excerpt("x" * 1000) == "'" + "x" * 60 + "…'"
    assert excerpt("\x1b[2J\u202e") == "'\\x1b[2J\\u202e'"
    line = PathwaysError("bad value " + excerpt("y" * 10_000) + " and " + "z" * 10_000, file="p.yaml").one_line()
    assert len(line) <= 300 and line.endswith("…")
    assert PathwaysError("a\x07b", file="p\x1b.yaml").one_line() == "p\\x1b.yaml: a\\x07b"
