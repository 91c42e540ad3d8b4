"""The Hub view of a model: a Hugging Face cache entry made of relative symlinks (docs/installed.md).

usr/share/mlmodel/hub/models--ORG--NAME/
  refs/main                       the revision (no newline: huggingface_hub uses the bytes as they are)
  blobs/<id>                      -> ../../../<model>/<path>   (the installed file: no second copy)
  snapshots/<revision>/<path>     -> ../../blobs/<id>

Each link goes into the binary package that ships its target, so every package is complete in itself
(lintian sees no broken link) and the view is whole once all of them are installed.  A blob id two
packages would both ship stays with the first (by name); the other's snapshot entry links to its own
file directly, which huggingface_hub reads the same way.  refs/main goes into one package: the first that
ships weights.  Files installed as documentation are left out: they live under /usr/share/doc, which
no program may need (Debian Policy 12.3) and dh_compress may compress.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from pathlib import Path

from .. import hub

MODEL_ROOT = "usr/share/mlmodel"


@dataclass(frozen=True)
class ViewFile:
    """One installed model file the view can show."""

    relpath: str  # inside the model (the Hub's path in the repository)
    package: str
    role: str
    source: Path  # the file in the source tree, read to name its blob
    sha256: str


@dataclass(frozen=True)
class Link:
    path: str  # inside the package tree
    target: str  # relative to the link's directory


@dataclass
class PackageView:
    links: list[Link]
    files: dict[str, bytes]  # path inside the package tree -> content


def view_root(hub_id: str) -> str:
    return f"{hub.HUB_ROOT}/{hub.repo_folder(hub_id)}"


def _relative(target: str, link: str) -> str:
    return posixpath.relpath(target, posixpath.dirname(link))


def lfs_patterns_of(model_dir: Path) -> list[str]:
    """The repository's LFS patterns, from its .gitattributes even when that file is not installed."""
    path = model_dir / ".gitattributes"
    if not path.is_file() or path.is_symlink():
        return []
    with open(path, "rb") as fh:
        text = fh.read(1 << 20).decode("utf-8", errors="replace")  # the Hub's are about 1.5 KB
    return hub.lfs_patterns(text)


def plan_view(model: str, hub_id: str, revision: str, files: list[ViewFile],
              patterns: list[str] = ()) -> dict[str, PackageView]:
    """What each package ships of the view: its links, and refs/main in one of them."""
    root = view_root(hub_id)
    patterns = list(patterns)
    shown = sorted((f for f in files if f.role != "docs"), key=lambda f: (f.package, f.relpath))
    views: dict[str, PackageView] = {}
    blob_owner: dict[str, str] = {}
    for f in shown:
        view = views.setdefault(f.package, PackageView([], {}))
        installed = f"{MODEL_ROOT}/{model}/{f.relpath}"
        snapshot = f"{root}/snapshots/{revision}/{f.relpath}"
        blob = f"{root}/blobs/{hub.blob_id(f.relpath, f.source, f.sha256, patterns)}"
        owner = blob_owner.get(blob)
        if owner is None:  # the first file with this content: it gets the blob
            blob_owner[blob] = f.package
            view.links.append(Link(blob, _relative(installed, blob)))
        elif owner != f.package:  # another package has the blob: link to this package's own file
            view.links.append(Link(snapshot, _relative(installed, snapshot)))
            continue
        view.links.append(Link(snapshot, _relative(blob, snapshot)))
    if views:
        weights = sorted({f.package for f in shown if f.role == "weights"}) or sorted(views)
        views[weights[0]].files[f"{root}/refs/main"] = revision.encode("ascii")
    return views
