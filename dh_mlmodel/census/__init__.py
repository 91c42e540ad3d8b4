"""`mlmodel census`: which packages of a Debian suite ship trained models, and where each profile places them.

Stages: the Contents indices pick candidate packages by file name
(census.rules), the Packages indices give each one's version, section,
Filename and sha256 (census.mirror), the .debs are fetched into a cache
(census.fetch), read once with lint's reader and their model files
inspected with the pipeline's stages (census.inspect), and each becomes a
row with its licence, training-data statements and verdicts
(census.row), written as JSON, CSV and HTML (census.output).

A state file in the cache keeps each package's row with the version and
sha256 it was made from: a re-run inspects only the packages whose version
(or .deb) changed, or all of them when INSPECTOR changes.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, IO

from ..model import MLModelError
from ..debhelper import atomic_write_text
from . import rules
from .fetch import Fetcher, Progress, fetch_all
from .inspect import inspect_deb
from .mirror import Mirror, MirrorError, PackageEntry
from .row import build_row, error_row

STATE_NAME = "census-state.json"
STATE_FORMAT = 1
# Bump when the rules, the inspection or the row change: every package is then inspected again.
INSPECTOR = "census-3"
SAVE_EVERY = 20  # packages inspected between two writes of the state file
MAX_PATHS = 50  # Contents paths kept per candidate (the count is kept in full)
MAX_FILES_IN_ROW = 500


class CensusError(MLModelError):
    """The census cannot run (no index, unreadable state file)."""


@dataclass
class Candidate:
    paths: list[str] = field(default_factory=list)
    count: int = 0
    rules: set[str] = field(default_factory=set)


@dataclass
class CensusResult:
    meta: dict[str, Any]
    rows: list[dict[str, Any]]
    inspected: list[str]  # packages read this run
    reused: list[str]  # packages whose row came from the state file
    errors: list[str]


def find_candidates(mirror: Mirror, suite: str, component: str, arch: str) -> dict[str, Candidate]:
    """Package name -> the Contents paths that made it a candidate."""
    found: dict[str, Candidate] = {}
    for path, packages in mirror.contents(suite, component, arch):
        rule = rules.match(path)
        if rule is None:
            continue
        for pkg in packages:
            cand = found.setdefault(pkg, Candidate())
            cand.count += 1
            cand.rules.add(rule.name)
            if len(cand.paths) < MAX_PATHS:
                cand.paths.append(path)
    return found


def _load_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise CensusError(path, f"unreadable state file ({exc}); remove it to start afresh") from None
    if not isinstance(data, dict) or data.get("format") != STATE_FORMAT or data.get("inspector") != INSPECTOR:
        return {}  # an older census: everything is inspected again
    packages = data.get("packages")
    return packages if isinstance(packages, dict) else {}


def _save_state(path: Path, packages: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps({"format": STATE_FORMAT, "inspector": INSPECTOR, "packages": packages},
                                       sort_keys=True) + "\n")


def _current(state: dict[str, Any], entry: PackageEntry) -> dict[str, Any] | None:
    saved = state.get(entry.key())
    if (isinstance(saved, dict) and saved.get("version") == entry.version and saved.get("sha256") == entry.sha256
            and isinstance(saved.get("row"), dict) and not saved["row"].get("error")
            and _is_row_of(saved["row"], entry)):
        return saved["row"]
    return None


def _is_row_of(row: dict[str, Any], entry: PackageEntry) -> bool:
    """ROW is one the census wrote for ENTRY: its keys, and every output renders it.

    The state file is only a cache: a row of another version of the census, or one someone edited,
    is inspected again rather than crashing the outputs (or showing what it claims for another package).
    """
    from . import output

    if not set(error_row(entry, "", [])) <= set(row) or row.get("package") != entry.package:
        return False
    try:
        output.summary([row])
        output.csv_row(row)
        output.to_html({"suite": "", "components": [], "mirror": "", "architecture": ""}, [dict(row, error="")])
    except Exception:  # KeyError, TypeError, jinja's UndefinedError …: not a row these outputs can show
        return False
    return True


def _entries(mirror: Mirror, suite: str, components: list[str], arch: str,
             log: Callable[[str], None]) -> tuple[list[PackageEntry], dict[str, Candidate]]:
    entries: dict[str, PackageEntry] = {}
    candidates: dict[str, Candidate] = {}
    for component in components:
        found = find_candidates(mirror, suite, component, arch)
        log(f"{component}: {len(found)} candidate packages in Contents")
        for entry in mirror.packages(suite, component, arch, set(found)):
            entries.setdefault(entry.key(), entry)
            cand = candidates.setdefault(entry.key(), Candidate())
            cand.paths += found[entry.package].paths
            cand.count += found[entry.package].count
    return sorted(entries.values(), key=lambda e: (e.package, e.architecture)), candidates


def run_census(mirror_base: str, suite: str, components: list[str], arch: str, cache: Path, jobs: int = 4,
               progress_stream: IO[str] | None = None, log: Callable[[str], None] = lambda _m: None) -> CensusResult:
    mirror = Mirror(mirror_base)
    cache = Path(cache)
    cache.mkdir(parents=True, exist_ok=True)
    state_path = cache / STATE_NAME
    state = _load_state(state_path)
    entries, candidates = _entries(mirror, suite, components, arch, log)
    todo = [e for e in entries if _current(state, e) is None]
    log(f"{len(entries)} candidate packages; {len(entries) - len(todo)} unchanged since the last run, "
        f"{len(todo)} to inspect ({sum(e.size for e in todo) / 1e6:,.0f} MB of .debs)")
    progress = Progress(len(todo), sum(e.size for e in todo), progress_stream)
    fetcher = Fetcher(mirror, cache, progress)
    inspected, errors = [], []
    try:
        for n, got in enumerate(fetch_all(fetcher, todo, jobs), 1):
            paths = candidates[got.entry.key()].paths
            row = _inspect_one(got.entry, got.path, got.error, paths)
            row["candidate_path_count"] = candidates[got.entry.key()].count
            state[got.entry.key()] = {"version": got.entry.version, "sha256": got.entry.sha256, "row": row}
            inspected.append(got.entry.key())
            if row["error"]:
                errors.append(row["error"])
            if n % SAVE_EVERY == 0:
                _save_state(state_path, state)
    finally:
        progress.close()
        _save_state(state_path, state)
    rows = [state[e.key()]["row"] for e in entries]
    reused = [e.key() for e in entries if e.key() not in set(inspected)]
    meta = {"mirror": mirror_base, "suite": suite, "components": list(components), "architecture": arch,
            "inspector": INSPECTOR, "rules": [{"name": r.name, "what": r.what} for r in rules.RULES]}
    if os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        meta["source_date_epoch"] = int(os.environ["SOURCE_DATE_EPOCH"])
    return CensusResult(meta, rows, inspected, reused, errors)


def _inspect_one(entry: PackageEntry, deb: Path | None, error: str, paths: list[str]) -> dict[str, Any]:
    if deb is None:
        return error_row(entry, error, paths)
    try:
        row = build_row(entry, inspect_deb(deb), paths)
    except MLModelError as exc:
        return error_row(entry, f"{entry.package}: {exc.one_line()}", paths)
    except OSError as exc:
        return error_row(entry, f"{entry.package}: {deb}: {exc}", paths)
    if len(row["files"]) > MAX_FILES_IN_ROW:
        row["notes"].append(f"{len(row['files']) - MAX_FILES_IN_ROW} more files not listed")
        row["files"] = row["files"][:MAX_FILES_IN_ROW]
    return row


__all__ = ["run_census", "CensusResult", "CensusError", "find_candidates", "MirrorError"]
