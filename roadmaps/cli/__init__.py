"""The ``pathways`` command-line tool: one module per sub-command (``pathways --help`` lists them)."""

from ._main import build_parser, main

__all__ = ["build_parser", "main"]
