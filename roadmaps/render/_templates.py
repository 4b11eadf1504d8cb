"""The Jinja2 environments of the HTML pages: the roadmap pages' (``roadmaps/render/templates/``)
and, through :func:`template_environment`, any other package's ``templates`` folder
(the population reports', ``roadmaps/population/templates/``).

Two things differ from a default environment, both so that the pages come out
byte for byte as they always have:

- **Escaping.** Every value a template prints is escaped with
  :func:`html.escape` (``'`` becomes ``&#x27;``, ``"`` becomes ``&quot;``), as the
  pages always were, rather than with MarkupSafe's ``&#39;`` and ``&#34;``.
  Markup (a macro's output, the inline SVG) is printed as it is. Autoescaping
  stays on underneath. A string constant written inside ``{{ }}`` skips this
  step (Jinja2 escapes constants when it compiles them), so fixed text goes
  in the template's own text instead.
- **One-line markup.** Between ``{% oneline %}`` and ``{% endoneline %}``, a
  line break in the template's own text is dropped with the indentation after
  it, so that markup laid out for the reader renders as one line, as each
  section of the page is. Text inside ``{{ }}``, ``{% %}`` and ``{# #}`` is
  left alone, and the values printed keep their own line breaks. Like a block
  tag, each marker also takes the line break after it. Markers do not nest.
"""

from __future__ import annotations

import html
import re
from collections.abc import Hashable, MutableMapping
from functools import cache, lru_cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateSyntaxError
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from markupsafe import Markup

from ._svg import _SPECIAL

_ONELINE = re.compile(
    r"[ \t]*\{%-?\s*oneline\s*-?%\}\n?(?P<body>.*?)[ \t]*\{%-?\s*endoneline\s*-?%\}\n?", re.DOTALL
)
_MARKER = re.compile(r"\{%-?\s*(?:end)?oneline\s*-?%\}")
_TAG = re.compile(r"(\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)
_LINE_BREAK = re.compile(r"\n[ \t]*")


def _one_line(body: str) -> str:
    # Odd pieces are tags and expressions, which keep their text.
    pieces = _TAG.split(body)
    return "".join(
        piece if index % 2 else _LINE_BREAK.sub("", piece) for index, piece in enumerate(pieces)
    )


class OneLine(Extension):
    """``{% oneline %}…{% endoneline %}``: see the module docstring."""

    def preprocess(self, source: str, name: str | None, filename: str | None = None) -> str:
        joined = _ONELINE.sub(lambda match: _one_line(match["body"]), source)
        stray = _MARKER.search(joined)
        if stray is not None:
            lineno = joined.count("\n", 0, stray.start()) + 1
            raise TemplateSyntaxError(
                f"unmatched or nested {stray.group()}", lineno, name, filename
            )
        return joined


def _escaped(value: Any) -> str:
    """What a template prints: markup as it is, anything else escaped as the pages always were.

    The result is final: :class:`_EscapedOnce` compiles ``{{ v }}`` to this
    call alone, without Jinja2's own escape around it.
    """
    if type(value) is str:  # most values
        return html.escape(value) if _SPECIAL.search(value) else value
    to_html = getattr(value, "__html__", None)
    if to_html is not None:
        return str(to_html())
    return html.escape(str(value))


class _EscapedOnce(CodeGenerator):
    """Compiles ``{{ v }}`` to ``environment.finalize(v)`` where Jinja2 would write
    ``escape(environment.finalize(v))``: :func:`_escaped` has escaped the value
    already, and the second pass (a function call and two string objects for each
    value printed) was a fifth of a roadmap page's time. Only for templates that
    escape throughout; an ``{% autoescape %}`` block keeps Jinja2's code.
    """

    def _output_child_pre(self, node: Any, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape or finalize.src is None:
            super()._output_child_pre(node, frame, finalize)
        else:
            self.write(finalize.src)

    def _output_child_post(self, node: Any, frame: Frame, finalize: Any) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape or finalize.src is None:
            super()._output_child_post(node, frame, finalize)
        else:
            self.write(")")


class _Environment(Environment):
    code_generator_class = _EscapedOnce

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one plain dictionary, not Jinja2's ``ChainMap`` over
        the environment's: each render copies them, and copying a ``ChainMap`` cost
        five times as much (a page renders a dozen templates). Jinja2 has an
        environment's globals safe to change only until its first template is loaded,
        and these environments' are not changed at all.
        """
        return {**self.globals, **(d or {})}


@cache
def template_environment(package: str) -> Environment:
    """The Jinja2 environment over the ``templates`` folder of ``package``, built once.

    It escapes printed values as :func:`html.escape` does and knows
    ``{% oneline %}`` (see the module docstring), as the roadmap pages'
    environment does; templates are compiled on first use and kept.
    ``StrictUndefined``: a name the template uses but is not given is an error.

    Args:
        package: an importable package with a ``templates`` folder
            (``"roadmaps.population"``).

    Returns:
        The environment, the same object at each call with the same package.

    >>> from roadmaps.render import template_environment
    >>> template_environment("roadmaps.render").from_string("{{ v }}").render(v="it's")
    'it&#x27;s'
    """
    return _Environment(
        loader=PackageLoader(package, "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        finalize=_escaped,
        extensions=[OneLine],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        # A plain dictionary of compiled templates: the default (a bounded LRU
        # cache) takes a lock at every look-up, including each {% from … import %}
        # as a page renders, and under the web app's threads that lock was where
        # half of a roadmap page's time went. The templates are a fixed few.
        cache_size=-1,
    )


def environment() -> Environment:
    """The roadmap pages' environment (``roadmaps/render/templates/``)."""
    return template_environment("roadmaps.render")


@lru_cache(maxsize=4096)
def render_macro(name: str, value: Hashable) -> str:
    """The markup of the macro ``name`` of ``macros.html`` for ``value``, made once per value.

    For the parts of a page that do not depend on the young person (a rule's
    citations, a status badge, a row's words from the rule data): a page prints
    each of them many times, and a Jinja2 macro call costs more than the rest
    of its row.
    """
    return call_macro(name, value)


def call_macro(name: str, value: Any) -> str:
    """The markup of the macro ``name`` of ``macros.html`` for ``value`` (not remembered)."""
    macro = getattr(environment().get_template("macros.html").module, name)
    return str(macro(value))


def render(name: str, /, **context: Any) -> Markup:
    """Render the template ``name`` with ``context``; the result is markup."""
    return Markup(environment().get_template(name).render(context))
