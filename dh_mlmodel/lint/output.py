"""lint output: lintian's hint lines, its --info explanations, or JSON.

A line is `E: pkg: tag note [pointer]` (`pkg source:` for a source
package), with the letter of the tag's severity, or `O:` when an override
silenced it; the override's comment comes first as `N:` lines, as lintian
shows it.  --info adds each tag's explanation as `N:` lines after its first
hint.  The JSON keeps lintian's field names where it has one (tag,
visibility, note, pointer) and adds ours (package, type, override).
"""
from __future__ import annotations

import textwrap
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
