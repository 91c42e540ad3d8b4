"""assess: code-execution risks of an artifact (issue 4 fills this in).

`assess(facts, model_dir)` returns the extra findings for one described
artifact; the inspect stage appends them.  Until the scanner lands it finds
nothing, and dh_mlmodel says so in verbose mode.
"""
from __future__ import annotations

from pathlib import Path

from ..model import ArtifactFacts, Finding

SCANNER_READY = False


def assess(facts: ArtifactFacts, model_dir: Path) -> tuple[Finding, ...]:
    return ()
