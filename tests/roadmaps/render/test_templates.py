"""The roadmap pages' Jinja2 environment: escaping as the pages always had it, one-line markup."""

from __future__ import annotations

import pytest
from jinja2 import TemplateSyntaxError
from markupsafe import Markup

from roadmaps.render import template_environment
from roadmaps.render._templates import environment


def _render(source: str, **context: object) -> str:
    return environment().from_string(source).render(context)


def test_values_are_escaped_as_html_escape_does() -> None:
    assert _render("{{ v }}", v='it\'s "x" <&>') == "it&#x27;s &quot;x&quot; &lt;&amp;&gt;"
    assert _render("{{ v }}", v=Markup("<b>ok</b>")) == "<b>ok</b>"
    assert _render("{{ v }}", v=3) == "3"


def test_oneline_drops_the_template_line_breaks_but_not_the_values() -> None:
    source = (
        "{% oneline %}\n"
        "<p>\n"
        "  {% if v %}\n"
        "    <b>{{ v }}</b> {{ w }}\n"
        "  {% endif %}\n"
        "</p>\n"
        "{% endoneline %}\n"
        "after\n"
    )
    assert _render(source, v="a\n  b", w="c") == "<p><b>a\n  b</b> c</p>after\n"


def test_a_stray_oneline_marker_is_an_error() -> None:
    with pytest.raises(TemplateSyntaxError, match="unmatched or nested"):
        _render("{% oneline %}\n<p>\n")
    with pytest.raises(TemplateSyntaxError, match="unmatched or nested"):
        _render("{% oneline %}{% oneline %}x{% endoneline %}{% endoneline %}")


def test_undefined_names_are_errors() -> None:
    with pytest.raises(Exception, match="is undefined"):
        _render("{{ missing }}")


def test_another_package_gets_the_same_set_up_over_its_own_templates() -> None:
    population = template_environment("roadmaps.population")
    assert population is template_environment("roadmaps.population")
    assert environment() is template_environment("roadmaps.render")
    assert population.finalize is environment().finalize
    assert population.extensions.keys() == environment().extensions.keys()
    assert "report.html" in population.list_templates()
    assert "page.html" in population.list_templates() and "gaps.html" not in population.list_templates()
