"""`mlmodel hub-link`: link the system Hub snapshots into the user's own Hugging Face cache.

For each installed model with a Hub view, the user's <cache>/models--ORG--NAME/ gets real directories
(so the libraries can still download other revisions into it), refs/main when it has none, and one
symlink per file of snapshots/<revision>/ pointing at the system view's entry.  A file the user already
has is left alone; `--remove` takes away only the links that point into the system view.  The cache is
huggingface_hub's: HF_HUB_CACHE, else $HF_HOME/hub, else ${XDG_CACHE_HOME:-~/.cache}/huggingface/hub.
"""
from __future__ import annotations

import argparse
import os
from pathlib import Path

from .. import hub
from ..installed import hub_cache, installed_models
from ..model import MLModelError
from ._installed import add_root, find_model, root_of

HELP = "link the installed models' Hub snapshots into your own Hugging Face cache (~/.cache/huggingface/hub)"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_root(p)
    p.add_argument("--cache", type=Path, default=None, help="the user cache (default: as huggingface_hub finds it)")
    p.add_argument("--remove", action="store_true", help="remove the links hub-link made")
    p.add_argument("names", nargs="*", metavar="NAME", help="models (name or Hub id); default: all with a Hub view")


def user_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "huggingface" / "hub"


def _snapshot_files(snapshot: Path) -> list[Path]:
    """The entries of a system snapshot (links and the directories that hold them), relative."""
    return sorted(p.relative_to(snapshot) for p in snapshot.rglob("*") if p.is_symlink() or p.is_file())


def _symlink_on_the_way(cache: Path, rel: str) -> Path | None:
    """The first component of CACHE/REL (below CACHE itself) that is a symlink, else None."""
    path = cache
    for part in Path(rel).parts:
        path = path / part
        if path.is_symlink():
            return path
    return None


def _own_dir(cache: Path, rel: str) -> Path:
    """CACHE/REL made of real directories: a symlink on the way would send our links and refs elsewhere."""
    link = _symlink_on_the_way(cache, rel)
    if link is not None:
        raise MLModelError(link, "is a symbolic link in your Hub cache; refusing to create files through it")
    (cache / rel).mkdir(parents=True, exist_ok=True)
    return cache / rel


def link_model(system: Path, cache: Path, hub_id: str, revision: str) -> tuple[int, int]:
    """(linked, kept) for one model."""
    folder = hub.repo_folder(hub_id)
    snapshot = system / folder / "snapshots" / revision
    if not snapshot.is_dir():
        raise MLModelError(snapshot, "is missing: the Hub view is not installed (or only in part)")
    mine = cache / folder
    for sub in ("blobs", "refs", f"snapshots/{revision}"):
        _own_dir(cache, f"{folder}/{sub}")
    ref = mine / "refs" / "main"
    if not ref.exists() and not ref.is_symlink():  # a dangling link of the user's: not written through
        ref.write_text(revision, encoding="ascii")  # no newline: huggingface_hub reads the bytes as the hash
    linked = kept = 0
    for rel in _snapshot_files(snapshot):
        dest, target = mine / "snapshots" / revision / rel, snapshot / rel
        if dest.is_symlink() and os.readlink(dest) == str(target):
            linked += 1
            continue
        if dest.exists() or dest.is_symlink():
            kept += 1
            continue
        _own_dir(cache, f"{folder}/snapshots/{revision}/{rel.parent}")
        dest.symlink_to(target)
        linked += 1
    return linked, kept


def unlink_model(system: Path, cache: Path, hub_id: str, revision: str) -> int:
    folder = hub.repo_folder(hub_id)
    prefix = str(system / folder) + os.sep
    snap = cache / folder / "snapshots" / revision
    removed = 0
    if _symlink_on_the_way(cache, f"{folder}/snapshots/{revision}") is not None:
        return removed  # not a snapshot hub-link made: the user's own, left alone
    for p in sorted(snap.rglob("*"), reverse=True) if snap.is_dir() else ():
        if p.is_symlink() and os.readlink(p).startswith(prefix):
            p.unlink()
            removed += 1
        elif p.is_dir() and not any(p.iterdir()):
            p.rmdir()
    if snap.is_dir() and not any(snap.iterdir()):
        snap.rmdir()
        ref = cache / folder / "refs" / "main"
        if ref.is_file() and ref.read_text(encoding="ascii", errors="replace") == revision:
            ref.unlink()
    return removed


def run(args: argparse.Namespace) -> int:
    root = root_of(args)
    cache = args.cache or user_cache()
    system = hub_cache(root).absolute()  # the links' targets: a relative one would resolve from the link's directory
    models = [find_model(root, n) for n in args.names] if args.names else list(installed_models(root).values())
    chosen = [m for m in models if m.hub]
    for m in models:
        if not m.hub and args.names:
            raise MLModelError(m.name, "has no Hub view (its declaration names no upstream hub-id)")
    for m in sorted(chosen, key=lambda m: m.name):
        hub_id, revision = m.hub["id"], m.hub["revision"]
        if args.remove:
            print(f"{hub_id}: {unlink_model(system, cache, hub_id, revision)} link(s) removed from {cache}")
            continue
        linked, kept = link_model(system, cache, hub_id, revision)
        print(f"{hub_id}: {linked} file(s) linked in {cache / hub.repo_folder(hub_id)}"
              + (f", {kept} of your own kept" if kept else ""))
    if not chosen:
        print("no installed model has a Hub view")
    return 0
