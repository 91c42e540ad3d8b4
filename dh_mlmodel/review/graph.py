"""The lineage graph of the review page: model -> base models -> training inputs, laid out by our code.

Why not graphviz (docs/report.md): the graph is a small layered tree (models, their bases, their data
and code), which a column layout draws in a few lines; `dot` would be a build and runtime dependency,
its SVG names its version and its layout depends on that version and on the fonts installed, so the
page would not be byte-identical across machines, and its label language (escapes such as \\N, \\G, \\l, record fields,
HTML-like labels) is one more place where a hostile name could be interpreted.

Two layouts of the same boxes and edges: columns by depth for wide screens, and an indented outline
for narrow ones (the page shows one by a media query).  This module only computes positions and the
text of each line (clipped to the box); the template
writes the SVG with autoescape on, and each box is a nested <svg>, which clips whatever a font
draws wider than we measured.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from .text import one_line

NODE_WIDTH = 300
LINE_HEIGHT = 16
PAD = 8
COLUMN_GAP = 56
INDENT = 24  # the narrow outline: how far a child box sits right of its parent
ROW_GAP = 14
FONT_SIZE = 12
CHAR_WIDTH = 7.3  # DejaVu Sans Mono (Chromium's monospace on Debian) at 12px is 7.22 px; rounded up
MAX_COLUMNS = int((NODE_WIDTH - 2 * PAD) // CHAR_WIDTH)
TITLE_LIMIT = 300  # the tooltip; the tables below the graph carry the full text
CARD_NODES = 8  # boxes for names only the model card gives, per model; then one "and N more"


@dataclass(frozen=True)
class Node:
    key: str
    kind: str  # model | base | data | code | card
    lines: tuple[str, ...]  # the first is the name
    title: str
    x: int = 0
    y: int = 0

    @property
    def height(self) -> int:
        return len(self.lines) * LINE_HEIGHT + 2 * PAD


@dataclass(frozen=True)
class Edge:
    d: str  # the SVG path
    kind: str  # the child's kind, for the stroke style


@dataclass(frozen=True)
class Graph:
    width: int
    height: int
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    line_height: int = LINE_HEIGHT
    pad: int = PAD
    node_width: int = NODE_WIDTH
    font_size: int = FONT_SIZE


def display_width(ch: str) -> int:
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def clip(text: str, columns: int = MAX_COLUMNS) -> str:
    """`text` on one visible line, cut with an ellipsis where it would leave a box of `columns` monospace cells.

    Control and bidi characters are shown escaped first (as the page's finalize would), so what is
    measured is what is drawn.
    """
    text = " ".join(one_line(text).split())
    if sum(display_width(c) for c in text) <= columns:
        return text
    used, out = 0, []
    for ch in text:
        used += display_width(ch)
        if used > columns - 1:
            break
        out.append(ch)
    return "".join(out) + "…"


def node(key: str, kind: str, name: str, *details: str) -> Node:
    lines = (name,) + tuple(d for d in details if d)
    title = " / ".join(" ".join(one_line(line).split()) for line in lines)
    if len(title) > TITLE_LIMIT:
        title = title[:TITLE_LIMIT] + "…"
    return Node(key, kind, tuple(clip(line) for line in lines), title)


def _depths(children: dict[str, list[str]], roots: list[str]) -> dict[str, int]:
    """Each node's depth: the longest path from a root to it."""
    depth: dict[str, int] = {}

    def deepen(key: str, d: int, path: tuple[str, ...]) -> None:
        if key in path or depth.get(key, -1) >= d:  # a cycle cannot reach here (the policy refuses it)
            return
        depth[key] = d
        for c in children.get(key, ()):
            deepen(c, d + 1, path + (key,))

    for r in roots:
        deepen(r, 0, ())
    return depth


def _walk(children: dict[str, list[str]], roots: list[str]) -> list[str]:
    """The nodes in the order a depth-first walk from the roots first meets them."""
    order: list[str] = []

    def visit(key: str) -> None:
        if key not in order:
            order.append(key)
            for c in children.get(key, ()):
                visit(c)

    for r in roots:
        visit(r)
    return order


def layout(nodes: list[Node], children: dict[str, list[str]], roots: list[str]) -> Graph:
    """Columns by depth (longest path from a root), rows in the order a walk from the roots meets them."""
    by_key = {n.key: n for n in nodes}
    depth = _depths(children, roots)
    columns: dict[int, list[str]] = {}
    for key in _walk(children, roots):
        columns.setdefault(depth[key], []).append(key)
    placed: dict[str, Node] = {}
    height = 0
    for col, keys in sorted(columns.items()):
        y = ROW_GAP
        for key in keys:
            placed[key] = _at(by_key[key], col * (NODE_WIDTH + COLUMN_GAP) + ROW_GAP, y)
            y += placed[key].height + ROW_GAP
        height = max(height, y)
    order = [k for col in sorted(columns) for k in columns[col]]
    edges = tuple(_edge(placed[parent], placed[c]) for parent in order for c in children.get(parent, ()))
    width = (max(columns) + 1) * NODE_WIDTH + max(columns) * COLUMN_GAP + 2 * ROW_GAP if columns else 0
    return Graph(width, height, tuple(placed[k] for k in order), edges)


def outline(nodes: list[Node], children: dict[str, list[str]], roots: list[str]) -> Graph:
    """The same graph for a narrow screen: one box under the other, indented by depth, elbow edges."""
    by_key = {n.key: n for n in nodes}
    depth = _depths(children, roots)
    placed: dict[str, Node] = {}
    y = ROW_GAP
    order = _walk(children, roots)
    for key in order:
        placed[key] = _at(by_key[key], ROW_GAP + depth[key] * INDENT, y)
        y += placed[key].height + ROW_GAP
    edges = tuple(_elbow(placed[parent], placed[c]) for parent in order for c in children.get(parent, ()))
    width = NODE_WIDTH + max(depth.values(), default=0) * INDENT + 2 * ROW_GAP
    return Graph(width, y, tuple(placed[k] for k in order), edges)


def _at(n: Node, x: int, y: int) -> Node:
    return Node(n.key, n.kind, n.lines, n.title, x, y)


def _elbow(a: Node, b: Node) -> Edge:
    x = a.x + INDENT // 2
    y1 = a.y + a.height if b.y > a.y else a.y
    return Edge(f"M{x} {y1} V{b.y + b.height // 2} H{b.x - 1}", b.kind)


def _edge(a: Node, b: Node) -> Edge:
    x1, y1 = a.x + NODE_WIDTH, a.y + a.height // 2
    x2, y2 = b.x, b.y + b.height // 2
    mid = (x1 + x2) // 2
    return Edge(f"M{x1} {y1} C{mid} {y1} {mid} {y2} {x2 - 6} {y2}", b.kind)


# ---------------------------------------------------------------- the review's lineage

def lineage(models, profile: str) -> tuple[Graph, Graph]:
    """The graph of a Review's models (facts.ModelView): each model, its bases, its data and code.

    Laid out twice: in columns (wide screens) and as an indented outline (narrow ones); the page
    shows one of them by a media query.
    """
    nodes: list[Node] = []
    children: dict[str, list[str]] = {}
    names = {m.name for m in models}
    based_on = set()
    for m in models:
        key = f"model:{m.name}"
        inputs = m.inputs
        nodes.append(node(key, "model", m.name, f"licence: {inputs.get('license') or 'none found'} ({inputs.get('L')})",
                          f"{m.chosen.section or 'reject'} under {profile}"))
        kids = children.setdefault(key, [])
        for i, (info, decl) in enumerate(zip(inputs.get("B") or (), m.decl.base_models)):
            if decl.name in names and decl.name != m.name:
                kids.append(f"model:{decl.name}")
                based_on.add(decl.name)
                continue
            kids.append(f"base:{m.name}:{i}")
            nodes.append(node(kids[-1], "base", f"base: {info['name']}", f"licence: {decl.license or 'not declared'}",
                              f"{info['category']}, {info['section'] or 'section unknown'}", f"from {info['source']}",
                              f"Debian package: {info['package']}" if info.get("package") else ""))
        kids += _inputs(m, nodes)
    roots = [f"model:{m.name}" for m in models if m.name not in based_on] or [f"model:{models[0].name}"]
    return layout(nodes, children, roots), outline(nodes, children, roots)


def _inputs(m, nodes: list[Node]) -> list[str]:
    """The data, code and card-only nodes of model `m` (appended to `nodes`); their keys."""
    keys = []
    data = m.decl.training_data
    if isinstance(data, tuple) and data:
        for i, ds in enumerate(data):
            keys.append(f"data:{m.name}:{i}")
            nodes.append(node(keys[-1], "data", f"data: {ds.name}", f"licence: {ds.license or 'not declared'}",
                              f"availability: {ds.availability}"
                              + (" (withheld)" if ds.availability == "unavailable" and ds.withheld is not False else ""),
                              f"Debian package: {ds.package}" if ds.package else ""))
    else:
        keys.append(f"data:{m.name}")
        nodes.append(node(keys[-1], "data", "training data: undeclared", "counts as unavailable"))
    code = m.decl.training_code
    keys.append(f"code:{m.name}")
    if code is None:
        nodes.append(node(keys[-1], "code", "training code: not declared", "counts as missing"))
    else:
        nodes.append(node(keys[-1], "code", "training code", f"licence: {code.license or 'not declared'}",
                          f"completeness: {code.completeness}",
                          "needs a non-free toolchain" if code.non_free_toolchain else ""))
    named = card_only(m)
    for i, (what, name) in enumerate(named[:CARD_NODES]):
        keys.append(f"card:{m.name}:{i}")
        nodes.append(node(keys[-1], "card", f"{what}: {name}", "named by the model card, not declared"))
    if len(named) > CARD_NODES:  # a card may name thousands; the table lists them all
        keys.append(f"card:{m.name}:more")
        nodes.append(node(keys[-1], "card", f"and {len(named) - CARD_NODES} more", "named by the model card, not declared"))
    return keys


def card_only(m) -> list[tuple[str, str]]:
    """(base | data, name) the model card names that the declaration does not."""
    card = m.card
    if card is None:
        return []
    data = m.decl.training_data if isinstance(m.decl.training_data, tuple) else ()
    declared = {x.strip().casefold() for x in [b.name for b in m.decl.base_models if b.name]
                + [b.package for b in m.decl.base_models if b.package] + [d.name for d in data]
                + [d.url for d in data if d.url] + [m.name]}
    out = [("base", b) for b in card.base_model] + [("data", d) for d in card.datasets]
    return [(w, n) for w, n in out if n.strip().casefold() not in declared]
