"""Renderers: one roadmap as text, Markdown, JSON, an HTML page, an SVG timeline, a notebook view.

Each renderer reads the plain data of :class:`roadmaps.Roadmap` and returns a
string. The HTML pages are Jinja2 templates; ``template_environment`` gives
other wings (the population reports) the same Jinja2 set-up over their own
templates. ``palette`` holds the colours with their checked contrast.
"""

from ._glossary import GlossaryTerm, glossary_for, load_glossary
from ._html import render_html, visible_text
from ._notebook import roadmap_html
from ._routes_view import (
    render_routes_json,
    render_routes_markdown,
    render_routes_text,
    routes_view,
)
from ._svg import render_svg
from ._templates import template_environment
from ._text import render_json, render_markdown, render_text, roadmap_json

__all__ = [
    "GlossaryTerm",
    "glossary_for",
    "load_glossary",
    "render_html",
    "render_json",
    "render_markdown",
    "render_routes_json",
    "render_routes_markdown",
    "render_routes_text",
    "render_svg",
    "render_text",
    "roadmap_html",
    "roadmap_json",
    "routes_view",
    "template_environment",
    "visible_text",
]
