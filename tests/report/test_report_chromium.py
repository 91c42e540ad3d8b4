"""The review page in headless Chromium (Debian's `chromium`): it renders, the graph and every verdict are
visible, nothing overflows, nothing runs, nothing is fetched.

Each page is loaded at a desktop and a phone width.  The assertions are on what the browser laid out
and painted: the DevTools protocol measures the DOM (scrollWidth against clientWidth of every element,
every SVG text line against its box) and takes screenshots, whose pixels must show the graph's box
colours and, at each verdict badge, the badge colour of that section.  The full-page screenshots are
kept in the test's tmp_path for a human to look at.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cdp_chromium import Chromium, executable
from corpus_fixture import corpus  # noqa: F401
from review_sources import corpus_source, demo_source, hostile_source, run_report

pytestmark = pytest.mark.skipif(executable() is None, reason="chromium is not installed (tools/setup installs it)")

PROFILES = ("ml-policy", "gr-a", "model-is-source", "osaid", "training-inputs-honoured")
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
BADGE = {"main": (0x1A, 0x7F, 0x37), "contrib": (0x9A, 0x67, 0x00), "non-free": (0xCF, 0x22, 0x2E),
         "reject": (0x24, 0x29, 0x2F)}
NODE_FILL = {"model": (0xDD, 0xF4, 0xFF), "data": (0xDA, 0xFB, 0xE1), "code": (0xFF, 0xF8, 0xC5),
             "base": (0xFB, 0xEF, 0xFF)}

# Run in the page through the protocol (the page has no script of its own, and its CSP forbids any).
MEASURE = r"""(() => {
  const de = document.documentElement, out = {overflow: [], text: []};
  if (de.scrollWidth > de.clientWidth) out.overflow.push(['document', de.scrollWidth, de.clientWidth]);
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg')) continue;
    const cs = getComputedStyle(el);
    if (cs.display === 'inline' || el.clientWidth === 0) continue;
    if (el.scrollWidth > el.clientWidth + 1)
      out.overflow.push([el.tagName, el.className, el.scrollWidth, el.clientWidth, el.textContent.slice(0, 80)]);
    const r = el.getBoundingClientRect();
    if (r.right > de.clientWidth + 1) out.overflow.push([el.tagName, el.className, 'right', r.right, de.clientWidth]);
  }
  const g = [...document.querySelectorAll('svg.lineage')].find(s => getComputedStyle(s).display !== 'none');
  for (const t of g.querySelectorAll('svg.node text')) {
    const box = t.ownerSVGElement, b = t.getBBox();
    if (b.x < 0 || b.x + b.width > box.width.baseVal.value - 2) out.text.push([t.textContent, b.x, b.width]);
  }
  const rect = el => { const r = el.getBoundingClientRect();
    return {x: r.left + scrollX, y: r.top + scrollY, width: r.width, height: r.height,
            visible: r.width > 0 && r.height > 0 && getComputedStyle(el).visibility === 'visible'}; };
  out.graph = Object.assign(rect(g), {layout: g.getAttribute('class').replace('lineage ', ''),
                                      scale: g.getBoundingClientRect().width / g.viewBox.baseVal.width});
  out.nodes = [...g.querySelectorAll('svg.node')].map(n => Object.assign(rect(n.querySelector('rect')),
    {kind: n.getAttribute('class').replace('node node-', '')}));
  out.verdicts = [...document.querySelectorAll('div.verdict')].map(d => Object.assign(rect(d.querySelector('.badge')),
    {profile: d.dataset.profile, badge: d.querySelector('.badge').className.replace('badge badge-', ''),
     inView: d.getBoundingClientRect().width > 100}));
  out.scripts = document.scripts.length;
  out.handlers = [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length;
  out.pwned = window.__pwned === undefined ? null : window.__pwned;
  out.svgs = document.querySelectorAll('svg').length;
  out.nodeCount = g.querySelectorAll('svg.node').length;
  return out;
})()"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()


def render(src: Path, tmp: Path) -> Path:
    out = tmp / "page.html"
    proc = run_report("--html", str(out), str(src))
    assert proc.returncode == 0, proc.stderr
    return out


def check_page(browser: Chromium, html: Path, tmp: Path, viewport: str) -> dict:
    width, height = VIEWPORTS[viewport]
    browser.open(html.as_uri(), width, height)
    m = browser.evaluate(MEASURE)
    (tmp / f"{viewport}.png").write_bytes(browser.screenshot_png())
    (tmp / f"{viewport}.json").write_text(json.dumps(m, indent=1))
    assert m["overflow"] == [], m["overflow"][:5]
    assert m["text"] == [], m["text"][:5]  # every line of the graph fits its box as measured
    assert browser.requests() == [html.as_uri()]  # nothing but the page itself is fetched
    assert m["scripts"] == 0 and m["handlers"] == 0 and m["pwned"] is None
    # the graph: on the page, inside the viewport's width, and painted (each box's fill colour)
    g = m["graph"]
    assert g["visible"] and g["x"] >= 0 and g["x"] + g["width"] <= width
    # wide screens get the columns; a phone the outline, at (nearly) full size, so its text is readable
    assert g["layout"] == ("narrow" if viewport == "phone" else "wide")
    assert g["scale"] >= (0.9 if viewport == "phone" else 0.5), g
    shot = browser.screenshot({k: g[k] for k in ("x", "y", "width", "height")})
    colours = shot.colours(0, 0, shot.width, shot.height)
    for n in m["nodes"]:
        if n["kind"] in NODE_FILL:
            assert NODE_FILL[n["kind"]] in colours, n
    assert len(colours) > 20  # text and edges were drawn, not an empty frame
    # every profile's verdict: laid out, and its badge painted in its section's colour
    assert [v["profile"] for v in m["verdicts"]] == list(PROFILES)
    for v in m["verdicts"]:
        assert v["visible"] and v["inView"], v
        badge = browser.screenshot({k: v[k] for k in ("x", "y", "width", "height")})
        painted = badge.colours(0, 0, badge.width, badge.height)
        assert max(painted, key=painted.get) == BADGE[v["badge"]], (v, sorted(painted.items(), key=lambda i: -i[1])[:3])
    return m


@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_demo_page_in_chromium(browser, tmp_path, viewport):
    m = check_page(browser, render(demo_source(tmp_path), tmp_path), tmp_path, viewport)
    assert [v["badge"] for v in m["verdicts"]] == ["main"] * 5
    assert m["nodeCount"] == 3


@pytest.mark.corpus
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_corpus_page_in_chromium(browser, corpus, tmp_path, viewport):
    """festvox (HTK, a non-free trainer): the readings diverge three ways, and the page shows it."""
    src = corpus_source(corpus, tmp_path, "deb-festvox-us-slt-hts")
    m = check_page(browser, render(src, tmp_path), tmp_path, viewport)
    assert [v["badge"] for v in m["verdicts"]] == ["contrib", "main", "main", "contrib", "non-free"]


@pytest.mark.corpus
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_akiki_lineage_in_chromium(browser, corpus, tmp_path, viewport):
    m = check_page(browser, render(corpus_source(corpus, tmp_path, "akiki"), tmp_path), tmp_path, viewport)
    assert {n["kind"] for n in m["nodes"]} >= {"model", "base", "data", "code"}
    assert [v["badge"] for v in m["verdicts"]] == ["non-free"] * 4 + ["reject"]


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_hostile_page_in_chromium(browser, tmp_path, viewport, declared):
    """Markup, `</svg>`, 100 000 characters, newlines and a bidi override in the metadata: nothing runs,
    the graph keeps its boxes, nothing overflows."""
    m = check_page(browser, render(hostile_source(tmp_path, declared), tmp_path), tmp_path, viewport)
    assert m["svgs"] == 2 * (1 + m["nodeCount"])  # two layouts; no `</svg>` in a value closed or opened an svg
    text = browser.evaluate("document.body.innerText")
    assert "<script>window.__pwned=1</script>" in text  # shown as text
