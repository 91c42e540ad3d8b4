"""Render a Review as one self-contained HTML page, as Markdown, or as README.source prose.

Three jinja2 environments over templates/report/, all sandboxed and with
StrictUndefined, and each escaping every value it prints by default:

- HTML: autoescape on; `finalize` first makes each value visible on one line
  (control, line-separator and bidi characters become \\n, \\x1b, \\u202e)
  and cuts it at VALUE_LIMIT characters, then jinja escapes it.
- Markdown and README.source: `finalize` does the same and backslash-escapes
  every character Markdown (or an HTML renderer behind it) reads as markup.

Only our own pieces marked `Literal` (or jinja's Markup) pass unescaped.
The page has no script and no external reference; its Content-Security-Policy
forbids both, so even a value that escaped us could not run or fetch.
"""
from __future__ import annotations

from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from ..bootstrap.render import templates_dir
from . import graph
from .facts import Review, ReviewError
from .text import cut, one_line


class RenderError(ReviewError):
    """A report template is missing or broken."""

VALUE_LIMIT = 2000  # characters of one hostile value shown; more is said, not printed
PROSE_LIMIT = 200
# The characters that make markup inside a line of Markdown (CommonMark, GFM) or of the raw HTML it
# passes through: emphasis, code, links and images (no `[`, no link: `(` and `!` need not be escaped),
# table cells, strikethrough, tags and entities.  Line-start markup (`#`, `-`, `1.`, `>`) cannot occur:
# a value is never printed at the start of a line and never holds a newline.  CommonMark lets a
# backslash escape any ASCII punctuation, so each escaped character reads as itself.
MARKDOWN_SPECIAL = frozenset("\\`*_[]<>|~&")


class Literal(str):
    """Text we wrote ourselves (already formatted for the output): printed as it is."""


def visible(value: Any, limit: int = VALUE_LIMIT) -> str:
    """`value` as one visible line of at most `limit` characters (plus a note of what was cut)."""
    return cut(one_line(value), limit)


def _html_finalize(value: Any) -> Any:
    if isinstance(value, Markup) or value is None or isinstance(value, (int, float)):
        return "" if value is None else value
    return visible(value)


def markdown_escape(value: Any, limit: int = VALUE_LIMIT) -> str:
    return "".join("\\" + c if c in MARKDOWN_SPECIAL else c for c in visible(value, limit))


def _markdown_finalize(value: Any) -> Any:
    if isinstance(value, (Literal, Markup)):
        return value
    if value is None:
        return ""
    return markdown_escape(value)


def _prose_finalize(value: Any) -> Any:
    if isinstance(value, (Literal, Markup)):
        return value
    return "" if value is None else markdown_escape(value, PROSE_LIMIT)


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{n} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def _environment(autoescape: bool, finalize) -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(templates_dir() / "report")),
                               autoescape=autoescape, undefined=jinja2.StrictUndefined, finalize=finalize,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.filters["human_size"] = human_size
    env.filters["literal"] = Literal
    env.filters["md"] = markdown_escape
    env.globals["card_only"] = graph.card_only
    return env


def _render(env: SandboxedEnvironment, name: str, **context) -> str:
    """One template rendered; a missing or broken template is one line naming it (not a traceback)."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateError as exc:
        raise RenderError(templates_dir() / "report" / name, f"template error: {exc}") from None


def html_environment() -> SandboxedEnvironment:
    return _environment(True, _html_finalize)


def render_html(review: Review) -> str:
    wide, narrow = graph.lineage(review.models, review.profile)
    return _render(html_environment(), "page.html.j2", review=review, wide=wide, narrow=narrow)


def render_markdown(review: Review) -> str:
    return _render(_environment(False, _markdown_finalize), "report.md.j2", review=review)


def render_prose(review: Review) -> str:
    """The body of the README.source section (between the markers)."""
    text = _render(_environment(False, _prose_finalize), "README.source.j2", review=review)
    return "".join(_wrap(line) + "\n" for line in text.rstrip("\n").split("\n"))


def _wrap(line: str, width: int = 79) -> str:
    """One indented line of prose wrapped at `width`, every piece keeping (at least) its indentation.

    Only at spaces: a word (and so a backslash escape) is never split, and no piece starts unindented.
    """
    import textwrap

    if len(line) <= width or not line.strip():
        return line.rstrip()
    lead = line[:len(line) - len(line.lstrip())]
    more = lead + ("  " if line.lstrip().startswith("- ") else "")
    return "\n".join(textwrap.wrap(line.strip(), width, initial_indent=lead, subsequent_indent=more,
                                    break_long_words=False, break_on_hyphens=False))


def verdict_cells_html(verdicts) -> Markup:
    """An HTML fragment: one cell per profile (category, section, rule); for pages such as the census table.

    `verdicts` maps profile -> Verdict (or None for "undeclared").  The page that embeds it should
    include the `verdict-css` block of templates/report/verdicts.html.j2 for the colours.
    """
    module = html_environment().get_template("verdicts.html.j2").module
    return Markup(module.cells(verdicts))
