"""The HTML roadmap page: self-contained, complete, accessible, and plain for families."""

from __future__ import annotations

import dataclasses
import itertools
import re
from datetime import date
from html.parser import HTMLParser
from importlib.resources import files
from pathlib import Path

import pytest
from fixtures_roadmap import typical_roadmap, typical_routes
from hypothesis import given, settings
from hypothesis import strategies as st

from cohorts import Person, load_person, testing
from roadmaps import generate_roadmap
from roadmaps.model import Roadmap
from roadmaps.render import _glossary
from roadmaps.render._glossary import GlossaryTerm, acronyms_in, glossary_for, load_glossary
from roadmaps.render._html import load_family_text, plain_url, render_html, visible_text
from roadmaps.render._svg import long_date

EXAMPLE_PEOPLE = sorted(
    (Path(__file__).resolve().parents[3] / "examples" / "people").glob("*.yaml")
)

AUDIENCES = ("practitioner", "family")

# Elements that fetch something, and attributes that name a resource.
FETCHING_TAGS = {
    "script",
    "link",
    "iframe",
    "img",
    "object",
    "embed",
    "audio",
    "video",
    "source",
    "track",
    "image",
    "use",
    "base",
    "frame",
    "portal",
}
URL_ATTRIBUTES = {
    "src",
    "href",
    "xlink:href",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "background",
    "ping",
    "manifest",
    "codebase",
}


class _Page(HTMLParser):
    """Records tags, attributes, headings, table headers and the glossary terms."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.styles: list[str] = []
        self.glossary_terms: list[str] = []
        self._in_style = False
        self._in_glossary_dt = False
        self._in_glossary = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        self._in_style = tag == "style"
        if tag == "dl" and "glossary" in (attributes.get("class") or ""):
            self._in_glossary = True
        if tag == "dt":
            self._in_glossary_dt = self._in_glossary

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False
        if tag == "dt":
            self._in_glossary_dt = False
        if tag == "dl":
            self._in_glossary = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        if self._in_glossary_dt and data.strip():
            self.glossary_terms.append(data.strip())


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def roadmap() -> Roadmap:
    return typical_roadmap()


@pytest.fixture(scope="module", params=AUDIENCES)
def audience(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def page(roadmap: Roadmap, audience: str) -> str:
    return render_html(roadmap, audience=audience, routes=typical_routes())  # type: ignore[arg-type]


# --- self-contained ---------------------------------------------------------------------


def test_page_is_self_contained(page: str) -> None:
    parsed = _parse(page)
    tags = {tag for tag, _ in parsed.tags}
    assert not tags & FETCHING_TAGS, tags & FETCHING_TAGS
    for tag, attributes in parsed.tags:
        for name, value in attributes.items():
            value = value or ""
            assert "http" not in value.lower(), (tag, name, value)
            assert not value.strip().startswith("//"), (tag, name, value)
            if name in URL_ATTRIBUTES:
                assert value.startswith("#"), f"<{tag} {name}={value!r}> is not an in-page link"
            if "url(" in value:
                assert re.fullmatch(r"url\(#[\w-]+\)", value), (tag, name, value)
    css = " ".join(parsed.styles)
    assert "@import" not in css
    assert "@font-face" not in css
    assert "url(" not in css
    # Citation addresses are printed without their scheme, so no URL appears at all.
    assert "http://" not in page and "https://" not in page


def test_inline_svg_has_no_namespace_url(page: str) -> None:
    assert "<svg " in page
    assert "xmlns" not in page


# --- complete ---------------------------------------------------------------------------


def test_every_entry_date_appears(page: str, roadmap: Roadmap) -> None:
    text = visible_text(page)
    for entry in roadmap.entries:
        assert long_date(entry.date) in text, entry.id
        assert f'<time datetime="{entry.date.isoformat()}">' in page, entry.id
        assert entry.title in text
        if entry.window_start is not None:
            assert f'<time datetime="{entry.window_start.isoformat()}">' in page


def test_every_gap_appears_with_what_to_do(page: str, roadmap: Roadmap, audience: str) -> None:
    text = visible_text(page)
    for gap in roadmap.gaps:
        assert gap.message in text
        assert gap.action in text
        assert gap.title in text
        if audience == "practitioner":
            assert gap.rule in text
            assert gap.duty.id in text
        else:
            assert gap.rule not in text


def test_practitioner_rows_carry_rule_citation_and_status(roadmap: Roadmap) -> None:
    text = visible_text(render_html(roadmap))
    for entry in roadmap.entries:
        assert entry.rule.id in text
        for citation in entry.rule.citations:
            if citation.instrument:
                assert citation.instrument in text
    statuses = {e.rule.status for e in roadmap.entries}
    assert statuses == {"verified", "unverified", "ambiguous", "local"}
    for status in statuses:
        assert f">{status}</span>" in render_html(roadmap)
    assert "www.nice.org.uk/guidance/qs140" in text, "URL-only citations print as text"


def test_routes_are_shown_when_given(roadmap: Roadmap) -> None:
    routes = typical_routes()
    practitioner = visible_text(render_html(roadmap, routes=routes))
    family = visible_text(render_html(roadmap, audience="family", routes=routes))
    assert "Likely routes" in practitioner and "41%" in practitioner
    assert "1344 distinct routes" in practitioner
    assert "About 4 in 10 young people in this situation" in family
    assert "fewer than 1 in 100" in family.lower()
    assert "Supported internship (at 19)" in family
    assert "not a prediction about you" in family
    assert "Likely routes" not in visible_text(render_html(roadmap))
    assert "What might happen" not in visible_text(render_html(roadmap, audience="family"))


def test_services_and_handovers_are_listed(page: str, roadmap: Roadmap) -> None:
    text = visible_text(page)
    for service in roadmap.services:
        assert service.label in text


# --- accessible and printable -----------------------------------------------------------


def test_page_structure_is_accessible(page: str) -> None:
    parsed = _parse(page)
    html_tag = next(attrs for tag, attrs in parsed.tags if tag == "html")
    assert html_tag.get("lang") == "en-GB"
    assert parsed.headings[0] == 1 and parsed.headings.count(1) == 1
    for before, after in itertools.pairwise(parsed.headings):
        assert after <= before + 1, f"heading level jumps from h{before} to h{after}"
    headers = [attrs for tag, attrs in parsed.tags if tag == "th"]
    assert headers and all(attrs.get("scope") in ("col", "row") for attrs in headers)
    assert any(tag == "main" for tag, _ in parsed.tags)
    assert '<meta charset="utf-8">' in page
    assert "<title>" in page


def test_page_has_a_print_stylesheet_for_a4(page: str) -> None:
    css = " ".join(_parse(page).styles)
    assert "@page { size: A4; margin: 15mm; }" in css
    assert "@media print" in css
    assert "break-inside: avoid" in css
    assert ".no-print { display: none" in css
    assert 'class="no-print"' in page


def test_status_words(roadmap: Roadmap) -> None:
    family = visible_text(render_html(roadmap, audience="family"))
    for word in ("Done", "Coming up", "Due now", "Late"):
        assert word in family
    assert "Overdue" not in family and "Upcoming" not in family
    practitioner = visible_text(render_html(roadmap))
    assert "Overdue" in practitioner and "Upcoming" in practitioner


# --- the family page --------------------------------------------------------------------


def test_family_page_has_no_rule_ids(roadmap: Roadmap) -> None:
    text = visible_text(render_html(roadmap, audience="family", routes=typical_routes()))
    rule_ids = {e.rule.id for e in roadmap.entries} | {g.duty.id for g in roadmap.gaps}
    rule_ids |= {g.rule for g in roadmap.gaps}
    for rule_id in rule_ids:
        assert rule_id not in text


def test_family_page_explains_18_and_carers(roadmap: Roadmap) -> None:
    page = render_html(roadmap, audience="family")
    text = visible_text(page)
    assert "What changes when you turn 18" in text
    assert "Help for your family and carers" in text
    assert "parental responsibility" in text
    assert "Family Law Reform Act 1969 s.1(1)" in text
    assert "Mental Capacity Act 2005" in text
    assert "lasting power of attorney (LPA)" in text
    assert "Personal Independence Payment (PIP)" in text
    assert "Universal Credit (UC)" in text
    assert "Care Act 2014 ss.60-62" in text and "Care Act 2014 ss.63-64" in text
    # The young person's own dates: 16 has passed, 18 is to come.
    assert "You turned 16 on 20 May 2025." in text
    assert "You turn 18 on 20 May 2027." in text
    assert text.count("Where this comes from:") == sum(
        len(section.items) for section in (load_family_text().at_18, load_family_text().carers)
    )


@pytest.mark.parametrize("routes", [None, typical_routes()])
def test_family_page_has_no_unexplained_acronym(roadmap: Roadmap, routes: object) -> None:
    page = render_html(roadmap, audience="family", routes=routes)  # type: ignore[arg-type]
    used = set(acronyms_in(visible_text(page)))
    explained = set(_parse(page).glossary_terms)
    assert used, "the fixture uses acronyms"
    assert used <= explained, f"missing from the glossary: {sorted(used - explained)}"
    assert "We do not have an explanation" not in page


def test_practitioner_glossary_is_complete_too(roadmap: Roadmap) -> None:
    page = render_html(roadmap, routes=typical_routes())
    used = set(acronyms_in(visible_text(page)))
    assert used <= set(_parse(page).glossary_terms)
    assert "Not in the glossary yet" not in page


def test_family_sentences_are_short() -> None:
    text = load_family_text()
    sentences = [*text.intro, *text.routes.lead]
    for section in (text.at_18, text.carers):
        sentences += list(section.lead)
        for item in section.items:
            sentences += list(item.text)
    for line in sentences:
        for sentence in re.split(r"(?<=[.?!])\s+", line):
            assert len(sentence.split()) <= 25, sentence


def test_unknown_acronym_is_flagged_not_hidden(roadmap: Roadmap) -> None:
    entry = dataclasses.replace(roadmap.entries[0], title="Meet the XYZQ panel")
    odd = dataclasses.replace(roadmap, entries=(entry, *roadmap.entries[1:]))
    page = render_html(odd, audience="family")
    assert "XYZQ" in _parse(page).glossary_terms
    assert "We do not have an explanation for this yet" in page


# --- escaping, options, data files ------------------------------------------------------


def test_text_is_escaped(roadmap: Roadmap) -> None:
    entry = dataclasses.replace(roadmap.entries[0], title="<script>alert(1)</script> & co")
    page = render_html(dataclasses.replace(roadmap, entries=(entry, *roadmap.entries[1:])))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_a_nonce_goes_on_the_style_and_changes_nothing_else(roadmap: Roadmap) -> None:
    for audience in AUDIENCES:
        plain = render_html(roadmap, audience=audience)  # type: ignore[arg-type]
        served = render_html(roadmap, audience=audience, nonce="n0nce-1")  # type: ignore[arg-type]
        assert type(served) is str  # not Markup, whose replace() would escape
        assert plain.count("<style>") == 1 and "nonce" not in plain
        assert served == plain.replace("<style>", '<style nonce="n0nce-1">')


def test_unknown_audience_is_rejected(roadmap: Roadmap) -> None:
    with pytest.raises(ValueError, match="audience"):
        render_html(roadmap, audience="board")  # type: ignore[arg-type]


def test_empty_roadmap_renders(roadmap: Roadmap) -> None:
    empty = dataclasses.replace(roadmap, entries=(), gaps=(), services=(), care_status=None)
    for audience in AUDIENCES:
        text = visible_text(render_html(empty, audience=audience))  # type: ignore[arg-type]
        assert "No gaps were found." in text or "Nothing is missing." in text


def test_plain_url_strips_the_scheme() -> None:
    assert plain_url("https://www.gov.uk/x") == "www.gov.uk/x"
    assert plain_url("HTTP://example.org") == "example.org"
    assert plain_url("seed 003.txt") == "seed 003.txt"


def test_package_data_is_read_through_importlib_resources() -> None:
    data = files("roadmaps.render") / "data"
    assert (data / "glossary.yaml").is_file()
    assert (data / "family_text.yaml").is_file()


def test_glossary_has_the_terms_the_roadmap_needs() -> None:
    glossary = load_glossary()
    assert list(glossary) == sorted(glossary, key=str.casefold), "keep glossary.yaml sorted"
    required = {
        "EHCP",
        "EHC",
        "PfA",
        "CHC",
        "PA",
        "ASC",
        "CAMHS",
        "LAC",
        "SEND",
        "SENCo",
        "DST",
        "ICB",
        "MCA",
        "LPA",
        "PIP",
        "DLA",
        "UC",
        "NEET",
        "CSA",
        "FE",
        "HE",
        "AHC",
        "LD",
    }
    assert required <= set(glossary)
    for term in glossary.values():
        assert term.expansion and term.meaning.endswith((".", ")")), term.term
        # A meaning may use other terms, but only ones the glossary explains.
        assert set(acronyms_in(f"{term.expansion} {term.meaning}")) <= set(glossary), term.term


def test_glossary_lookup() -> None:
    assert acronyms_in("Two EHCPs, a PfA review, NG43 and Year 9; I am OK-ish") == (
        "EHCP",
        "NG",
        "OK",
        "PfA",
    )
    # Letters glued after a number are a section number, not an acronym.
    assert acronyms_in("Children Act 1989 s.23CZA and s.23C(6)") == ()
    terms, missing = glossary_for("Claim PIP.")
    assert [t.term for t in terms] == ["DLA", "PIP"], "closed over the meaning of PIP"
    assert missing == ()
    assert glossary_for("The QQQ team")[1] == ("QQQ",)


def test_family_text_items_cite_sources() -> None:
    text = load_family_text()
    items = [*text.at_18.items, *text.carers.items]
    assert {item.id for item in text.at_18.items} >= {
        "parental-responsibility-ends",
        "mental-capacity-from-16",
        "lasting-power-of-attorney-and-deputyship",
        "disability-living-allowance-to-personal-independence-payment",
        "universal-credit-from-18",
    }
    assert {item.id for item in text.carers.items} == {
        "childs-carers-assessment",
        "young-carers-assessment",
    }
    for item in items:
        assert item.references
        assert all(ref.instrument or ref.url or ref.seed for ref in item.references)
    assert set(text.status_words.values()) >= {"Done", "Coming up", "Due now", "Late"}


def test_dates_are_written_in_full() -> None:
    from datetime import date

    assert long_date(date(2027, 1, 10)) == "10 January 2027"


# --- the glossary's words, found without an HTML parser ---------------------------------
#
# A page used to find its glossary by running html.parser over the whole page and
# testing every word; that was most of a roadmap's drawing time. The reference
# below is that approach, kept here to check that the fast one gives the same.

# Elements that run on inside a line of text; every other element starts a new block.
_INLINE = frozenset({"a", "abbr", "b", "code", "em", "i", "small", "strong", "time"})


class _ParsedText(HTMLParser):
    """The text a reader sees, by an HTML parser: everything outside <style> and <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag not in _INLINE:
            self.chunks.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script") and self._skip:
            self._skip -= 1
        elif tag not in _INLINE:
            self.chunks.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)


def _parsed_text(markup: str) -> str:
    parser = _ParsedText()
    parser.feed(markup)
    parser.close()
    return " ".join("".join(parser.chunks).split())


def _acronyms_word_by_word(text: str) -> set[str]:
    """Every letter run that follows no letter or digit, tested one by one."""
    known = _glossary.load_glossary()
    found = set()
    for word in re.findall(r"(?<![0-9A-Za-z])[A-Za-z]+", text):
        for candidate in (word, word[:-1] if word.endswith("s") else None):
            if candidate and len(candidate) >= 2 and (candidate in known or candidate.isupper()):
                found.add(candidate)
                break
    return found


def _glossary_by_parser(page: str) -> list[str]:
    """The terms the parser approach lists for a page: from the text of everything but
    the menu and the glossary itself, closed over the meanings, explained ones first."""
    body = re.sub(r"<nav\b.*?</nav>", " ", page, flags=re.DOTALL)
    body = re.sub(r'<section id="glossary".*?</section>', " ", body, flags=re.DOTALL)
    known = load_glossary()
    wanted = _acronyms_word_by_word(_parsed_text(body))
    pending = list(wanted)
    while pending:
        term = known.get(pending.pop())
        if term is not None:
            for acronym in _acronyms_word_by_word(f"{term.expansion} {term.meaning}") - wanted:
                wanted.add(acronym)
                pending.append(acronym)
    explained = sorted((a for a in wanted if a in known), key=str.casefold)
    return explained + sorted((a for a in wanted if a not in known), key=str.casefold)


def _example_pages() -> list[tuple[str, str]]:
    pages = []
    for path in EXAMPLE_PEOPLE:
        area = next((a for a in ("leicester", "peterborough") if a in path.stem), "england")
        roadmap = generate_roadmap(load_person(path), as_of=date(2026, 11, 23), area=area)
        for audience in AUDIENCES:
            page = render_html(roadmap, audience=audience)  # type: ignore[arg-type]
            pages.append((f"{path.stem} {audience}", page))
    return pages


def test_the_glossary_is_the_one_the_html_parser_found() -> None:
    """On every example person, in both versions, and on the fixture with routes."""
    pages = _example_pages()
    assert len(pages) == 2 * len(EXAMPLE_PEOPLE) >= 8
    fixture = typical_roadmap()
    for audience in AUDIENCES:
        pages.append(
            (
                f"fixture {audience}",
                render_html(fixture, audience=audience, routes=typical_routes()),  # type: ignore[arg-type]
            )
        )
    for name, page in pages:
        terms = _parse(page).glossary_terms
        assert terms, name
        assert terms == _glossary_by_parser(page), name
        assert visible_text(page) == _parsed_text(page), name


@settings(max_examples=40, deadline=None)
@given(
    testing.people(),
    testing.as_of_dates(),
    st.sampled_from(("england", "leicester", "peterborough")),
    st.sampled_from(AUDIENCES),
)
def test_the_glossary_is_the_one_the_html_parser_finds_for_anyone(
    person: Person, as_of: date, area: str, audience: str
) -> None:
    """The picture and the tables of dates, gaps and services say which acronyms they drew,
    rather than have their markup searched: the glossary is still the one a search of the
    page finds."""
    roadmap = generate_roadmap(person, as_of=as_of, area=area)
    page = render_html(roadmap, audience=audience)  # type: ignore[arg-type]
    assert _parse(page).glossary_terms == _glossary_by_parser(page)


def test_visible_text_matches_the_parser_on_odd_text(roadmap: Roadmap) -> None:
    """Escaped markup, quotes and ampersands in the data (an entry's, a gap's, a service's),
    and an acronym glued to a date."""
    entry = dataclasses.replace(
        roadmap.entries[0],
        title='<b>EHCP</b> "review" & the <script>SEN</script> team\'s <PA>',
        description="Ask the IRO&SENCo > now",
    )
    # (words the picture does not show too: a gap's action and owner, a service's note)
    gap = dataclasses.replace(
        roadmap.gaps[0], action="Ask the QZP & PA<br>now", owner="The <i>QZL</i>'s team"
    )
    service = dataclasses.replace(
        roadmap.services[0], beyond_statutory="CAMHS & the <b>QZN</b> offer"
    )
    odd = dataclasses.replace(
        roadmap,
        entries=(entry, *roadmap.entries[1:]),
        gaps=(gap, *roadmap.gaps[1:]),
        services=(service, *roadmap.services[1:]),
    )
    for audience in AUDIENCES:
        page = render_html(odd, audience=audience)  # type: ignore[arg-type]
        assert visible_text(page) == _parsed_text(page)
        assert _parse(page).glossary_terms == _glossary_by_parser(page)
    fragment = '<p>An <abbr>EHC</abbr>P, <time datetime="2027">May</time>PA<br/>x&#x27;s</p>'
    assert visible_text(fragment) == _parsed_text(fragment) == "An EHCP, MayPA x's"


_GLOSSARY_WORDS = st.sampled_from(sorted(load_glossary()))
_TEXT = st.lists(
    st.one_of(
        _GLOSSARY_WORDS,
        _GLOSSARY_WORDS.map(lambda term: term + "s"),
        st.text(alphabet="AEHPSCfoxs019 .,;-_'()&", max_size=12),
    ),
    max_size=25,
).map("".join)


@given(_TEXT)
def test_acronyms_are_the_ones_found_word_by_word(text: str) -> None:
    assert set(acronyms_in(text)) == _acronyms_word_by_word(text)


def test_glossary_terms_of_any_shape_are_found(monkeypatch: pytest.MonkeyPatch) -> None:
    """A term with one capital or none (Ofsted, eBay) is found too, and only as a whole word."""

    def glossary() -> dict[str, GlossaryTerm]:
        return {
            name: GlossaryTerm(term=name, expansion=name, meaning="A term.")
            for name in ("Ofsted", "eBay", "PfA")
        }

    monkeypatch.setattr(_glossary, "load_glossary", glossary)
    _glossary._candidate_words.cache_clear()
    try:
        text = "Ofsteds, eBay and the PfA; not Ofstedx, xeBay, 9Ofsted or NG43"
        assert acronyms_in(text) == ("NG", "Ofsted", "PfA", "eBay")
        assert set(acronyms_in(text)) == _acronyms_word_by_word(text)
    finally:
        _glossary._candidate_words.cache_clear()
