"""lint output: lintian's hint lines, its --info explanations, or JSON.

A line is `E: pkg: tag note [pointer]` (`pkg source:` for a source
package), with the letter of the tag's severity, or `O:` when an override
silenced it; the override's comment comes first as `N:` lines, as lintian
shows it.  --info adds each tag's explanation as `N:` lines after its first
hint.  The JSON keeps lintian's field names where it has one (tag,
visibility, note, pointer) and adds ours (package, type, override).  --format sarif writes
SARIF 2.1.0 (sarif_document), shared with `mlmodel inspect`.
"""
from __future__ import annotations

import textwrap
import urllib.parse
from dataclasses import dataclass
from typing import Any, Iterable

from ..model import SEVERITIES
from .overrides import Judged
from .tagdata import LETTERS, tag_info

RANK = {s: i for i, s in enumerate(SEVERITIES)}
WIDTH = 78


def severity_of(judged: Judged) -> str:
    """The stage's own severity when it gave one (it can depend on the case), else the tag file's."""
    if judged.hint.severity in RANK:
        return judged.hint.severity
    return tag_info(judged.hint.tag).severity


def sort_key(judged: Judged) -> tuple:
    h = judged.hint
    return (h.package, h.type != "source", judged.override is not None, RANK[severity_of(judged)], h.tag, h.context)


def _who(judged: Judged) -> str:
    h = judged.hint
    return h.package if h.type == "binary" else f"{h.package} {h.type}"  # lintian: "pkg source:", "pkg changes:"


def hint_line(judged: Judged) -> str:
    letter = "O" if judged.override is not None else LETTERS[severity_of(judged)]
    h = judged.hint
    return f"{letter}: {_who(judged)}: {h.tag}" + (f" {h.context}" if h.context else "")


def _explain(tag: str) -> list[str]:
    info = tag_info(tag)
    lines = ["N:"]
    for para in info.explanation.split("\n\n"):
        for line in textwrap.wrap(" ".join(para.split()), WIDTH - 5) or [""]:
            lines.append(f"N:   {line}")
        lines.append("N:")
    if info.see_also:
        lines += [f"N:   See also: {', '.join(info.see_also)}", "N:"]
    lines += [f"N:   Severity: {info.severity}; Check: {info.check or 'mlmodel'}", "N:"]
    return lines


def text_lines(judged: Iterable[Judged], *, info: bool = False) -> list[str]:
    out: list[str] = []
    explained: set[str] = set()
    for j in sorted(judged, key=sort_key):
        if j.override is not None and j.override.justification:
            out.append(f"N: {j.override.justification}")
        out.append(hint_line(j))
        if info and j.override is None and j.hint.tag not in explained:
            explained.add(j.hint.tag)
            out.extend(_explain(j.hint.tag))
    return out


def hint_json(j: Judged) -> dict[str, Any]:
    h = j.hint
    out: dict[str, Any] = {"tag": h.tag, "visibility": severity_of(j), "package": h.package, "type": h.type,
                           "note": h.note, "pointer": h.pointer, "context": h.context}
    if j.override is not None:
        out["override"] = {"file": j.override.file, "line": j.override.line,
                           "justification": j.override.justification}
    return out


def json_document(groups: list[tuple[str, list[Judged]]], errors: list[str], fail_on: str) -> dict[str, Any]:
    counts = {s: 0 for s in SEVERITIES}
    overridden = 0
    for _, judged in groups:
        for j in judged:
            if j.override is not None:
                overridden += 1
            else:
                counts[severity_of(j)] += 1
    return {
        "format": 1,
        "fail_on": fail_on,
        "groups": [{"input": origin, "hints": [hint_json(j) for j in sorted(judged, key=sort_key)]}
                   for origin, judged in groups],
        "summary": {**counts, "overridden": overridden},
        "errors": errors,
    }


# --- SARIF 2.1.0 (OASIS), the format code-scanning services read --------------------------------
# One result per finding; ruleId is the tag; the rule's help is the tag file's explanation; the level
# maps our four severities onto SARIF's three (info and pedantic are both "note").

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note", "pedantic": "note"}


@dataclass(frozen=True)
class SarifFinding:
    """What SARIF needs of one finding, from `mlmodel inspect` or `mlmodel lint`."""

    tag: str
    severity: str
    message: str
    uri: str = ""  # the file: a path relative to the model directory or the package root
    member: str = ""  # inside the file: zip member, pickle offset, GGUF key
    package: str = ""  # the binary or source package, for lint
    suppressed: str | None = None  # the override's justification ("" without one), None when not overridden


def _uri(path: str) -> str:
    """A relative URI reference for a path (spaces, '%', '#' and non-ASCII are percent-encoded)."""
    return urllib.parse.quote(path.lstrip("/"), safe="/")


def _rule(tag: str) -> dict[str, Any]:
    info = tag_info(tag)
    paras = [" ".join(p.split()) for p in (info.explanation or tag).split("\n\n") if p.strip()]
    text = "\n\n".join(paras)
    rule: dict[str, Any] = {
        "id": tag,
        "shortDescription": {"text": paras[0]},
        "fullDescription": {"text": text},
        "help": {"text": text},
        "defaultConfiguration": {"level": SARIF_LEVEL[info.severity]},
        "properties": {"severity": info.severity, "check": info.check or "mlmodel"},
    }
    if info.see_also:
        rule["properties"]["seeAlso"] = list(info.see_also)
    return rule


def _location(f: SarifFinding) -> dict[str, Any]:
    loc: dict[str, Any] = {}
    if f.uri:
        loc["physicalLocation"] = {"artifactLocation": {"uri": _uri(f.uri)}}
    logical = []
    if f.package:
        logical.append({"name": f.package, "kind": "package"})
    if f.member:
        logical.append({"name": f.member, "kind": "member",
                        "fullyQualifiedName": f"{f.uri}:{f.member}" if f.uri else f.member})
    if logical:
        loc["logicalLocations"] = logical
    return loc


def _result(f: SarifFinding, rule_index: int) -> dict[str, Any]:
    severity = f.severity if f.severity in RANK else tag_info(f.tag).severity
    out: dict[str, Any] = {"ruleId": f.tag, "ruleIndex": rule_index, "level": SARIF_LEVEL[severity],
                           "message": {"text": f.message or f.tag}, "properties": {"severity": severity}}
    loc = _location(f)
    if loc:
        out["locations"] = [loc]
    if f.suppressed is not None:
        supp: dict[str, Any] = {"kind": "external", "status": "accepted"}
        if f.suppressed:
            supp["justification"] = f.suppressed
        out["suppressions"] = [supp]
    return out


def sarif_document(findings: Iterable[SarifFinding], *, errors: Iterable[str] = ()) -> dict[str, Any]:
    """One SARIF log with one run; rules sorted by tag, results in a stable order."""
    from .. import __version__

    items = sorted(findings, key=lambda f: (f.package, f.uri, f.member, f.tag, f.message, f.suppressed or ""))
    tags = sorted({f.tag for f in items})
    index = {t: i for i, t in enumerate(tags)}
    errors = list(errors)
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    if errors:
        invocation["toolExecutionNotifications"] = [{"level": "error", "message": {"text": e}} for e in errors]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mlmodel", "fullName": "dh-mlmodel", "version": __version__,
                                "rules": [_rule(t) for t in tags]}},
            "invocations": [invocation],
            "results": [_result(f, index[f.tag]) for f in items],
        }],
    }


def sarif_from_judged(groups: list[tuple[str, list[Judged]]]) -> list[SarifFinding]:
    out = []
    for _, judged in groups:
        for j in judged:
            h = j.hint
            suppressed = None if j.override is None else (j.override.justification or "")
            out.append(SarifFinding(h.tag, severity_of(j), h.note or h.tag, uri=h.pointer,
                                    package=f"{h.package} source" if h.type == "source" else h.package,
                                    suppressed=suppressed))
    return out
