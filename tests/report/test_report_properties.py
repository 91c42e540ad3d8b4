"""Generated text through the review's escaping, checked by parsers we did not write.

- Markdown: markdown-it-py (a CommonMark implementation, with GFM tables and strikethrough) renders
  an escaped value to exactly its visible text, in a paragraph and in a table cell: no emphasis, code,
  link, tag, entity or extra cell can come out of it.
- HTML: the demo's review with a generated model name, dataset name and licence renders a page that
  html5lib's strict parser accepts, with no element we did not write, the value in the table as text,
  and every graph line within its box's cell count.
"""
from __future__ import annotations

import dataclasses
import html
import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from review_sources import demo_source

html5lib = pytest.importorskip("html5lib")
markdown_it = pytest.importorskip("markdown_it")

from dh_mlmodel.review import facts, graph, render  # noqa: E402

XHTML = "{http://www.w3.org/1999/xhtml}"
SVG = "{http://www.w3.org/2000/svg}"


def _every_character():
    """Everything Unicode has (surrogates too: a non-UTF-8 file name decoded with surrogateescape holds them)."""
    try:
        return st.characters(exclude_categories=())
    except TypeError:  # hypothesis < 6.82 (Debian 12's, which the package build's tests run with) calls it blacklist_
        return st.characters(blacklist_categories=())


TEXT = st.text(_every_character(), max_size=300) | st.text(st.sampled_from(list("\\`*_[]<>|~&!()#-+.:;\"' \n\r\t\u202e")),
                                                          max_size=60)


def md() -> "markdown_it.MarkdownIt":
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def html_text(text: str) -> str:
    """How markdown-it writes text content (its escapeHtml)."""
    return html.escape(text, quote=False).replace('"', "&quot;")


@settings(deadline=None)  # no timing assertion: a loaded CI machine is slow at times
@given(TEXT)
def test_markdown_escape_renders_to_its_visible_text(value):
    shown = render.visible(value)
    out = md().render("a " + render.markdown_escape(value))
    assert out == f"<p>{html_text(('a ' + shown).rstrip())}</p>\n"


@settings(deadline=None)
@given(TEXT)
def test_markdown_escape_stays_in_its_table_cell(value):
    shown = render.visible(value)
    out = md().render("| h | g |\n|---|---|\n| " + render.markdown_escape(value) + " | z |\n")
    body = out.split("<tbody>", 1)[1]
    assert body.count("<td>") == 2
    first = body.split("<td>")[1].split("</td>")[0]
    assert first == html_text(shown.strip())


@settings(deadline=None)
@given(TEXT, st.integers(min_value=1, max_value=60))
def test_clip_fits_its_cells(value, columns):
    line = graph.clip(value, columns)
    assert sum(graph.display_width(c) for c in line) <= columns
    assert "\n" not in line and "\u202e" not in line


@pytest.fixture(scope="module")
def demo_review(tmp_path_factory):
    os.environ.setdefault("SOURCE_DATE_EPOCH", "1764158400")
    return facts.collect(demo_source(tmp_path_factory.mktemp("demo")))


def _with_value(review: facts.Review, value: str) -> facts.Review:
    (m,) = review.models
    ds = dataclasses.replace(m.decl.training_data[0], name=value, license=value)
    decl = dataclasses.replace(m.decl, training_data=(ds,))
    model = dataclasses.replace(m, name=value, decl=decl)
    return dataclasses.replace(review, models=(model,), source=value)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=TEXT)
def test_page_with_generated_values_is_valid_and_shows_them_as_text(demo_review, value):
    page = render.render_html(_with_value(demo_review, value))
    page.encode("utf-8")  # writable as UTF-8 (no surrogate left)
    doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(page)
    ours = {"html", "head", "meta", "title", "style", "body", "header", "h1", "h2", "h3", "h4", "p", "strong",
            "span", "section", "table", "thead", "tbody", "tr", "th", "td", "a", "figure", "figcaption", "i",
            "div", "ul", "li", "code", "br", "footer", "svg", "defs", "marker", "path", "rect", "text"}
    tags = {el.tag.split("}")[1] for el in doc.iter() if isinstance(el.tag, str)}
    assert tags <= ours, tags - ours
    shown = render.visible(value)
    cells = ["".join(td.itertext()) for td in doc.iter(f"{XHTML}td") if td.get("data-label") == "name"]
    assert shown in cells
    for t in doc.iter(f"{SVG}text"):
        assert sum(graph.display_width(c) for c in "".join(t.itertext())) <= graph.MAX_COLUMNS
