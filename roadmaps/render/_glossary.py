"""The glossary: every acronym a roadmap page may use, with a plain-English meaning.

The terms live in ``roadmaps/render/data/glossary.yaml``. A page builds its glossary
from its own text: :func:`acronyms_in` finds the acronyms used, and
:func:`glossary_for` returns the entries to print, including the terms that
those entries' meanings use in turn.

>>> [term.term for term in glossary_for("Your EHCP review is due.")[0]]
['EHCP']
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from importlib.resources import files

from pydantic import BaseModel, ConfigDict, ValidationError

from pathways import RuleDataError, load_yaml_text

GLOSSARY_FILE = "glossary.yaml"


class GlossaryTerm(BaseModel):
    """One acronym or short form, what it stands for, and what it means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    term: str
    expansion: str
    meaning: str
    note: str | None = None


class _GlossaryFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    terms: tuple[GlossaryTerm, ...]


@cache
def load_glossary() -> dict[str, GlossaryTerm]:
    """The glossary shipped with the package, keyed by term.

    Raises:
        RuleDataError: the file is malformed, has an unknown key or repeats a term.
    """
    source = f"roadmaps/render/data/{GLOSSARY_FILE}"
    text = (files("roadmaps.render") / "data" / GLOSSARY_FILE).read_text(encoding="utf-8")
    data = load_yaml_text(text, source=source)
    try:
        parsed = _GlossaryFile.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RuleDataError(f"{where}: {first['msg']}", file=source) from None
    terms: dict[str, GlossaryTerm] = {}
    for term in parsed.terms:
        if term.term in terms:
            raise RuleDataError(f"term {term.term!r} is listed twice", file=source, id=term.term)
        terms[term.term] = term
    return terms


def _as_acronym(word: str, known: dict[str, GlossaryTerm]) -> str | None:
    """The acronym a word is, or None: all capitals (2+ letters), a known mixed-case term
    such as ``PfA``, or either of those with a plural ``s`` (``EHCPs``)."""
    for candidate in (word, word[:-1] if word.endswith("s") else None):
        if not candidate or len(candidate) < 2:
            continue
        if candidate in known or candidate.isupper():
            return candidate
    return None


@cache
def _candidate_words() -> re.Pattern[str]:
    """The words of a text that :func:`_as_acronym` may accept, as one pattern.

    A page has thousands of words and a few dozen acronyms, so the search only
    stops at what can be one: a word that starts with a capital and has another
    (``EHCP``, ``PfA``, ``SENCo``), or a glossary term of any other shape, with
    its plural. A word is a run of letters that does not follow a letter or a
    digit (checked after its first capital, which keeps the search fast). The
    lower-case run is possessive (``*+``): giving a lower-case letter back can never
    let a capital follow, and a page's search had spent a quarter of its time trying.
    """
    other_shapes = sorted(
        term
        for term in load_glossary()
        if re.fullmatch("[A-Za-z]+", term) and not re.fullmatch("[A-Z][a-z]*[A-Z][A-Za-z]*", term)
    )
    choices = [r"[A-Z](?<![0-9A-Za-z][A-Z])[a-z]*+[A-Z][A-Za-z]*"]
    if other_shapes:
        choices.append(rf"(?<![0-9A-Za-z])(?:{'|'.join(other_shapes)})s?(?![A-Za-z])")
    return re.compile("|".join(choices))


def acronyms_in(text: str) -> tuple[str, ...]:
    """The acronyms used in ``text``, sorted, each once.

    An acronym is a run of two or more capital letters, or a glossary term
    written in mixed case (``PfA``, ``SENCo``); a plural ``s`` is dropped.
    Letters glued after a digit are not a word (``s.23CZA`` has none), but
    ``NG43`` has ``NG``.

    >>> acronyms_in("The PfA review, two EHCPs and a PA; not Year 9 or I.")
    ('EHCP', 'PA', 'PfA')
    """
    known = load_glossary()
    found = {
        acronym
        for word in set(_candidate_words().findall(text))
        if (acronym := _as_acronym(word, known)) is not None
    }
    return tuple(sorted(found))


@cache
def _acronyms_in_meanings() -> dict[str, tuple[str, ...]]:
    """For each glossary term, the acronyms its expansion and meaning use."""
    return {
        name: acronyms_in(f"{term.expansion} {term.meaning}")
        for name, term in load_glossary().items()
    }


def glossary_for(text: str) -> tuple[tuple[GlossaryTerm, ...], tuple[str, ...]]:
    """The glossary entries ``text`` needs, and the acronyms the glossary lacks.

    Entries are closed over their own meanings: if the meaning of ``PIP`` uses
    ``DLA``, then ``DLA`` is listed too. Both tuples are sorted case-insensitively.
    """
    return glossary_of(acronyms_in(text))


def glossary_of(acronyms: Iterable[str]) -> tuple[tuple[GlossaryTerm, ...], tuple[str, ...]]:
    """:func:`glossary_for` a text whose acronyms (:func:`acronyms_in`) are known already."""
    known = load_glossary()
    used_by_meanings = _acronyms_in_meanings()
    wanted = set(acronyms)
    pending = list(wanted)
    while pending:
        for acronym in used_by_meanings.get(pending.pop(), ()):
            if acronym not in wanted:
                wanted.add(acronym)
                pending.append(acronym)
    found = sorted((known[a] for a in wanted if a in known), key=lambda t: t.term.casefold())
    missing = sorted((a for a in wanted if a not in known), key=str.casefold)
    return tuple(found), tuple(missing)
