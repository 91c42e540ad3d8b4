"""Chat templates: sandbox escapes found by walking the Jinja AST (a template is never rendered).

Where loaders read templates: `chat_template` in tokenizer_config.json and
processor_config.json (a string, or a list of {"name", "template"}),
chat_template.json (the same), chat_template.jinja and
additional_chat_templates/*.jinja (transformers `tokenization_utils_base.py`,
`processing_utils.py`), GGUF `tokenizer.chat_template` and
`tokenizer.chat_template.<name>` (llama.cpp), and `chat_template` /
`chat_template_jinja` in YAML configs (axolotl and serving configs).  Every template of every one
is checked, not only the default.

An escape reaches interpreter internals by an attribute or key whose name
starts with `_` (Jinja's sandbox refuses exactly those, `jinja2.sandbox`).
A literal name is seen directly.  A name the template builds is followed by
taint: a value is tainted when it is or contains a string literal that starts
or ends with `_` (or holds `__`), or is built by a filter, `~`, `+`, `%` or a
call; variables set from tainted values (`set`, `for` targets, `with`, namespace
attributes, macro arguments and defaults) are tainted, to a fixpoint.  A tainted value
used as a subscript, an `|attr` name or an `attribute=` of map/selectattr/
sort/groupby/… is an error.  Ordinary templates index with literals, loop
indices and keys of user data, which are not tainted.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ..model import ArtifactFacts, Finding
from .configs import finding, json_file, not_scanned, read_capped, yaml_file

# Names a template reaches interpreter internals through, beyond the `_` prefix rule.
_ESCAPE_ATTRS = frozenset({"mro", "func_globals", "gi_frame", "f_globals", "f_builtins", "co_code", "tb_frame"})
# Filters that look an attribute up by a name given as an argument (jinja2/filters.py make_attrgetter).
_ATTRIBUTE_FILTERS = frozenset({"attr", "map", "selectattr", "rejectattr", "sort", "groupby", "sum", "unique",
                                "min", "max"})
_DUNDER = re.compile(r"__\w+__")
# jinja2's parser takes seconds on templates of a few hundred KB; real chat templates are under 32 KB.
TEMPLATE_LIMIT = 256 << 10


def check(facts: ArtifactFacts, model_dir: Path) -> list[Finding]:
    out: list[Finding] = []
    for member, text in _templates(facts, out):
        out.extend(chat_template_findings(text, facts.artifact.relpath, member or facts.artifact.relpath))
    return out


def _templates(facts: ArtifactFacts, problems: list[Finding]) -> list[tuple[str, str]]:
    """(member, template text) for every template the file holds."""
    a, meta = facts.artifact, facts.metadata
    base = a.relpath.rsplit("/", 1)[-1].lower()
    if a.format == "gguf":
        found = [("tokenizer.chat_template", meta.get("chat_template"))]
        named = meta.get("chat_templates")
        if isinstance(named, dict):
            found += [(f"tokenizer.chat_template.{k}", v) for k, v in sorted(named.items())]
        return [(m, t) for m, t in found if isinstance(t, str)]
    if base.endswith(".jinja") or (a.format == "chat-template" and not base.endswith(".json")):
        text, more = read_capped(a.path, a.relpath, "chat template")
        problems.extend(more)
        return [("", text)] if text is not None else []
    if base.endswith(".json") and (a.format in ("chat-template", "tokenizer-config") or "config" in base):
        data, more = json_file(a.path, a.relpath, "JSON config")
        problems.extend(more)
        return _named(data.get("chat_template")) if isinstance(data, dict) else []
    if base.endswith((".yaml", ".yml")):
        # training and serving tools read templates from YAML configs (axolotl: chat_template_jinja)
        data, more = yaml_file(a.path, a.relpath, "YAML config")
        problems.extend(more)
        if not isinstance(data, dict):
            return []
        return _named(data.get("chat_template")) + [(k, v) for k, v in sorted(data.items(), key=str)
                                                    if k == "chat_template_jinja" and isinstance(v, str)]
    return _named(meta.get("chat_template")) + [(f"chat_template[{k}]", v) for k, v in
                                                 sorted((meta.get("chat_templates") or {}).items())
                                                 if isinstance(v, str)]


def _named(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [("chat_template", value)]
    if isinstance(value, dict):  # a mapping name -> template
        return [(f"chat_template[{k}]", v) for k, v in sorted(value.items(), key=str) if isinstance(v, str)]
    out = []
    for i, item in enumerate(value if isinstance(value, list) else []):
        if isinstance(item, dict) and isinstance(item.get("template"), str):
            out.append((f"chat_template[{item.get('name', i)}]", item["template"]))
    return out


def chat_template_findings(template: str, relpath: str, member: str) -> list[Finding]:
    import jinja2
    if len(template) > TEMPLATE_LIMIT:
        return [not_scanned(relpath, member, "chat template", len(template), TEMPLATE_LIMIT)]
    try:
        ast = jinja2.Environment().parse(template)
    except jinja2.TemplateSyntaxError as exc:
        return [finding("chat-template-unparsable", f"{member}: {exc.message} (line {exc.lineno})", relpath, member)]
    except RecursionError:
        return [finding("chat-template-unparsable", f"{member}: nested too deeply to parse", relpath, member)]
    bad = sorted(set(_escapes(ast)))
    if not bad:
        return []
    return [finding("chat-template-sandbox-escape",
                    f"{member}: template reaches for interpreter internals ({'; '.join(bad[:5])}); "
                    "outside a Jinja sandbox this runs code", relpath, member)]


def _escapes(ast) -> list[str]:
    from jinja2 import nodes
    tainted = _tainted_names(ast)
    bad: list[str] = []
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Const)):
        if isinstance(node, nodes.Getattr):
            _check_name(node.attr, node.lineno, bad)
        elif isinstance(node, nodes.Getitem):
            if isinstance(node.arg, nodes.Const):
                _check_name(node.arg.value, node.lineno, bad)
            elif _is_tainted(node.arg, tainted):
                bad.append(f"subscript by a built name at line {node.lineno}")
        elif isinstance(node, nodes.Filter) and node.name in _ATTRIBUTE_FILTERS:
            _filter_names(node, tainted, bad)
        elif isinstance(node, nodes.Const) and isinstance(node.value, str) and _DUNDER.search(node.value):
            bad.append(f"string {node.value[:40]!r} at line {node.lineno}")
    return bad


def _check_name(key: Any, lineno: int, bad: list[str]) -> None:
    if isinstance(key, str) and any(p.startswith("_") or p in _ESCAPE_ATTRS for p in key.split(".")):
        bad.append(f"attribute {key!r} at line {lineno}")


# The positional index of the attribute name of those filters (jinja2/filters.py signatures).
_ATTRIBUTE_ARG = {"attr": 0, "selectattr": 0, "rejectattr": 0, "groupby": 0, "sum": 0, "sort": 2, "unique": 1,
                  "min": 1, "max": 1}
# Filters whose result is a number or a bool: never a name.
_NUMERIC_FILTERS = frozenset({"length", "count", "int", "float", "abs", "round", "wordcount", "filesizeformat"})


def _filter_names(node, tainted: set[str], bad: list[str]) -> None:
    """`|attr(x)` and the attribute argument of map/selectattr/sort/…: the name must be a safe literal."""
    from jinja2 import nodes
    at = _ATTRIBUTE_ARG.get(node.name)
    args = [node.args[at]] if at is not None and len(node.args) > at else []
    args += [kw.value for kw in node.kwargs if kw.key == "attribute"]
    for arg in args:
        if isinstance(arg, nodes.Const):
            _check_name(str(arg.value), node.lineno, bad)
        elif node.name == "attr" or _is_tainted(arg, tainted):
            bad.append(f"|{node.name} with a computed name at line {node.lineno}")


def _suspicious_const(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith("_") or value.endswith("_") or "__" in value)


# Filters and methods that make a new string out of anything (a `%c` of 95 is `_`); every other
# filter (items, first, sort, selectattr, lower, …) passes on what its input and arguments hold.
_BUILDING_FILTERS = frozenset({"format", "join", "string", "replace", "urlencode", "tojson", "pprint", "xmlattr",
                               "indent", "center", "wordwrap", "truncate", "striptags", "escape", "e",
                               "forceescape", "safe", "list", "filesizeformat", "urlize"})
_BUILDING_METHODS = frozenset({"format", "format_map", "join", "replace", "center", "ljust", "rjust", "zfill",
                               "translate", "encode", "decode", "expandtabs", "removeprefix", "removesuffix"})


def _is_tainted(expr, tainted: set[str]) -> bool:
    """Could this expression be a string the template built, or one holding `_` material?"""
    from jinja2 import nodes
    if isinstance(expr, nodes.Const):
        return _suspicious_const(expr.value)
    if isinstance(expr, nodes.Name):
        return expr.name in tainted
    if isinstance(expr, nodes.Filter) and expr.name in _NUMERIC_FILTERS:
        return False
    if isinstance(expr, nodes.Filter) and expr.name in _BUILDING_FILTERS:
        return True
    if isinstance(expr, nodes.Concat):
        return True
    if isinstance(expr, nodes.Call):
        callee = expr.node
        if isinstance(callee, nodes.Name) or any(_suspicious_const(k.key) for k in expr.kwargs):
            return True  # a global (lipsum, cycler, dict(__x=1), …) or keyword names that are material
        if isinstance(callee, nodes.Getattr) and callee.attr in _BUILDING_METHODS:
            return True
    if isinstance(expr, nodes.Getitem) and isinstance(expr.node, nodes.Const) and isinstance(expr.node.value, str):
        return True  # a character cut out of a literal: 'a_b'[1]
    if isinstance(expr, (nodes.Add, nodes.Mod)) and any(
            isinstance(x, nodes.Const) and isinstance(x.value, str) for x in (expr.left, expr.right)):
        return True  # 'x' + y, '%c' % 95
    return any(_is_tainted(child, tainted) for child in expr.iter_child_nodes())


def _targets(target) -> list[str]:
    from jinja2 import nodes
    if isinstance(target, nodes.NSRef):
        return [target.name]  # {% set ns.x = … %}: the namespace carries it
    return [n.name for n in ([target] if isinstance(target, nodes.Name) else target.find_all(nodes.Name))]


def _tainted_names(ast) -> set[str]:
    """Variables that may hold a tainted value, to a fixpoint over set, for and macro arguments."""
    from jinja2 import nodes
    tainted: set[str] = set()
    flows: list[tuple[list[str], list]] = []
    for node in ast.find_all((nodes.Assign, nodes.AssignBlock, nodes.For, nodes.With)):
        if isinstance(node, nodes.Assign):
            flows.append((_targets(node.target), [node.node]))
        elif isinstance(node, nodes.AssignBlock):
            flows.append((_targets(node.target), [_ALWAYS]))  # {% set n %}…{% endset %} builds a string
        elif isinstance(node, nodes.For):
            flows.append((_targets(node.target), [node.iter]))
        elif isinstance(node, nodes.With):  # {% with n = … %}
            for target, value in zip(node.targets, node.values):
                flows.append((_targets(target), [value]))
    macro_args = [a.name for m in ast.find_all((nodes.Macro, nodes.CallBlock)) for a in m.args]
    call_args = [x for c in ast.find_all(nodes.Call) for x in [*c.args, *(k.value for k in c.kwargs)]]
    call_args += [d for m in ast.find_all((nodes.Macro, nodes.CallBlock)) for d in m.defaults]
    flows.append((macro_args + ["caller", "varargs", "kwargs"], call_args))
    changed = True
    while changed:
        changed = False
        for names, sources in flows:
            if set(names) <= tainted:
                continue
            if any(_source_tainted(s, tainted) for s in sources):
                tainted.update(names)
                changed = True
    return tainted


_ALWAYS = object()


def _source_tainted(node, tainted: set[str]) -> bool:
    return node is _ALWAYS or _is_tainted(node, tainted)
