"""inspect: detect and describe every file of a model directory.

This is the stage the rest of the pipeline reads: one ArtifactFacts per file,
the model card's front matter, and the top-level config.json.  The risk
stage (dh_mlmodel.risk.assess) adds its findings to each file's facts.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

from . import hashing, risk
from .describe import DescribeError, describe
from .detect import detect
from .discover import model_files
from .formats import hfjson, modelcard
from .formats.binio import FormatError
from .formats.modelcard import ModelCard
from .hashing import ProgressCallback
from .model import ArtifactFacts, Finding, MLModelError


class InspectError(MLModelError):
    """A path given to inspect cannot be inspected."""


@dataclass(frozen=True)
class ModelReport:
    path: Path
    files: tuple[ArtifactFacts, ...]
    card: ModelCard | None
    config: dict[str, Any]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for facts in self.files for f in facts.findings)

    def card_json(self) -> dict[str, Any] | None:
        return self.card.to_json() if self.card is not None else None


def _with_risk(facts: ArtifactFacts, model_dir: Path) -> ArtifactFacts:
    extra = tuple(risk.assess(facts, model_dir))
    return dataclasses.replace(facts, findings=facts.findings + extra) if extra else facts


def inspect_files(model_dir: Path, files: Iterable[tuple[Path, str]], *, hash: bool = True,
                  progress: ProgressCallback | None = None, md5: bool = False) -> tuple[ArtifactFacts, ...]:
    described = [describe(detect(path, relpath), hash=False) for path, relpath in files]
    if hash:
        described = _hashed(described, progress, md5)
    return tuple(_with_risk(facts, model_dir) for facts in described)


def _hashed(described: list[ArtifactFacts], progress: ProgressCallback | None, md5: bool) -> list[ArtifactFacts]:
    """The facts with their digests, the files hashed in parallel (hashing.digest_files)."""
    try:
        digests = hashing.digest_files([f.artifact.path for f in described], progress, md5=md5)
    except OSError as exc:
        bad = next((f for f in described if exc.filename and Path(exc.filename) == f.artifact.path), None)
        raise DescribeError(bad.artifact.relpath if bad else exc.filename,
                            f"cannot read: {exc.strerror or exc}") from None
    return [dataclasses.replace(f, sha256=sha, md5=md5_digest) for f, (sha, md5_digest) in zip(described, digests)]


def _card(model_dir: Path, files: tuple[ArtifactFacts, ...]) -> ModelCard | None:
    """The top-level card: the first of README.md / MODEL_CARD.md / modelcard.md with front matter."""
    cards = sorted((f for f in files if f.artifact.format == "model-card" and "/" not in f.artifact.relpath),
                   key=lambda f: modelcard.CARD_NAMES.index(f.artifact.relpath.lower())
                   if f.artifact.relpath.lower() in modelcard.CARD_NAMES else 99)
    first: ModelCard | None = None
    for facts in cards:
        try:
            card = modelcard.card_from_text(modelcard.read_text(facts.artifact.path))
        except modelcard.CardError:
            continue  # describe already reported it as a finding
        if card.has_front_matter:
            return card
        first = first or card
    return first


def _config(model_dir: Path) -> dict[str, Any]:
    path = model_dir / "config.json"
    if not path.is_file():
        return {}
    try:
        data = hfjson.load_json(path, "config.json")
    except FormatError:
        return {}
    return data if isinstance(data, dict) else {}


def inspect_model_dir(model_dir: Path, *, exclude: Iterable[str] = (), hash: bool = True,
                      progress: ProgressCallback | None = None, md5: bool = False) -> ModelReport:
    """Facts for every regular file of `model_dir` (see dh_mlmodel.discover for which)."""
    model_dir = Path(model_dir)
    files = inspect_files(model_dir, model_files(model_dir, list(exclude)), hash=hash, progress=progress, md5=md5)
    return ModelReport(path=model_dir, files=files, card=_card(model_dir, files), config=_config(model_dir))


def total_size(model_dir: Path, exclude: Iterable[str] = ()) -> int:
    """Bytes a hashing pass will read (for a progress bar's total)."""
    return sum(p.stat().st_size for p, _ in model_files(Path(model_dir), list(exclude)))
