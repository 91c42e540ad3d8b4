"""Re-derive the Section fields of debian/control once the declaration is filled in.

`mlmodel init` proposes the area from what is known before the maintainer
declares training data and code (usually non-free: ToxicCandy until shown
otherwise).  After the TODOs are filled, `mlmodel init --update-sections`
moves every Section field to the area of the verdict, keeping each
subsection (science, doc, …), and rewrites init's `# Section:` comment.
Nothing else in the file changes.
"""
from __future__ import annotations

import re

from ..policy import area_of
from . import InitError

SECTION_LINE = re.compile(r"^Section:[ \t]*(?P<value>\S+)[ \t]*$", re.M)
COMMENT_LINE = re.compile(r"^# Section: .*$", re.M)
AREA_ORDER = ("main", "contrib", "non-free")


class SectionsError(InitError):
    """The Section fields cannot be updated."""


def in_area(section: str, area: str) -> str:
    plain = section.split("/", 1)[-1]
    return plain if area == "main" else f"{area}/{plain}"


def worst_area(areas: list[str | None]) -> str:
    """The strictest area among the models' verdicts (a source has one Section)."""
    if not areas or any(a is None for a in areas):
        raise SectionsError("debian/mlmodel.yaml", "a model cannot be placed (reject): see mlmodel classify")
    return max(areas, key=AREA_ORDER.index)


def update_sections(control_text: str, area: str, comment: str) -> tuple[str, list[tuple[str, str]]]:
    """(new text, [(old, new)] for each Section that changed)."""
    changes = []

    def move(match: re.Match) -> str:
        old = match["value"]
        new = in_area(old, area)
        if new != old:
            changes.append((old, new))
        return f"Section: {new}"

    text = SECTION_LINE.sub(move, control_text)
    text = COMMENT_LINE.sub(lambda _m: f"# Section: {comment}", text, count=1)
    return text, changes


__all__ = ["area_of", "in_area", "update_sections", "worst_area", "SectionsError"]
