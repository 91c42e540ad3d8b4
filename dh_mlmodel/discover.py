"""Find the files of a model directory, refusing what must never be installed.

A model directory comes from the maintainer's source tree, which may hold
anything: symlinks pointing out of the tree, names with newlines, VCS data.
Everything returned here is a regular file inside the directory.
"""
from __future__ import annotations

import fnmatch
import os
import stat
from pathlib import Path

from .model import MLModelError

# Never part of a model: VCS metadata, the packaging itself, build leftovers.
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "debian", ".pc", "__pycache__", ".mlmodel"})

# Never installed either, whatever a declaration excludes (issue #15): VCS control files (lintian:
# package-contains-vcs-control-file), and the package metadata dh-mlmodel reads as licence evidence
# (wheel METADATA in *.dist-info, sdist PKG-INFO and *.egg-info, npm package.json).  Provenance reads
# them where they are, in the source tree or in debian/upstream/ (docs/policy.md, "Where package metadata lives").
SKIPPED_FILES = frozenset({".gitattributes", ".gitignore", ".gitmodules", ".gitkeep", ".hgignore", ".hgtags",
                           ".bzrignore", ".cvsignore", "PKG-INFO", "METADATA", "package.json"})
SKIPPED_DIR_SUFFIXES = (".dist-info", ".egg-info")


def never_installed(name: str, is_dir: bool) -> bool:
    if is_dir:
        return name in SKIPPED_DIRS or name == "CVS" or name.endswith(SKIPPED_DIR_SUFFIXES)
    return name in SKIPPED_FILES


def never_installed_path(relpath: str) -> bool:
    """Whether a POSIX path relative to a model directory is one model_files() never returns."""
    parts = relpath.split("/")
    return any(never_installed(p, True) for p in parts[:-1]) or never_installed(parts[-1], False)


# Directories that hold a model by the layout of their files (used without a declaration).
MODEL_MARKERS = (
    "*.safetensors", "*.gguf", "*.onnx", "*.tflite", "*.keras", "*.h5", "pytorch_model.bin",
    "*.pt", "*.pth", "*.ckpt", "*.npz", "*.traineddata", "model.safetensors.index.json",
)


class DiscoverError(MLModelError):
    """A model directory or one of its files cannot be used as it is."""


def _check_name(relpath: str, model_dir: Path) -> None:
    if any(ch in relpath for ch in "\n\r") or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in relpath):
        raise DiscoverError(model_dir / relpath, "file name contains a newline or control character")


def _inside(target: Path, root: Path) -> bool:
    try:
        target.relative_to(root)
        return True
    except ValueError:
        return False


def _excluded(relpath: str, exclude: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(relpath, pat) or fnmatch.fnmatchcase(os.path.basename(relpath), pat)
               for pat in exclude)


def model_files(model_dir: Path, exclude: tuple[str, ...] | list[str] = ()) -> list[tuple[Path, str]]:
    """Sorted (absolute path, POSIX relpath) of the regular files of a model directory.

    A symlink is followed only when it stays inside the directory; one that
    leaves it is an error, as is a file name with a newline.
    """
    exclude = tuple(exclude)
    root = Path(model_dir)
    if not root.is_dir():
        raise DiscoverError(root, "model directory does not exist" if not root.exists() else "not a directory")
    real_root = root.resolve()
    found: list[tuple[Path, str]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not never_installed(d, True))
        for name in list(dirnames) + sorted(f for f in filenames if not never_installed(f, False)):
            path = Path(dirpath) / name
            relpath = path.relative_to(root).as_posix()
            _check_name(relpath, root)
            if _excluded(relpath, exclude):
                if name in dirnames:
                    dirnames.remove(name)
                continue
            if path.is_symlink() and not _inside(path.resolve(), real_root):
                raise DiscoverError(path, f"symlink points outside the model directory ({os.readlink(path)})")
            if name in dirnames:
                continue
            st = path.stat()
            if stat.S_ISREG(st.st_mode):
                found.append((path, relpath))
    return sorted(found, key=lambda item: item[1])


def looks_like_model_dir(directory: Path) -> bool:
    try:
        names = os.listdir(directory)
    except OSError:
        return False
    return any(fnmatch.fnmatchcase(n.lower(), pat) for n in names for pat in MODEL_MARKERS)


def find_model_dirs(source_dir: Path) -> list[Path]:
    """Directories of the source tree that hold model files (no declaration case)."""
    source_dir = Path(source_dir)
    found = []
    for dirpath, dirnames, _ in os.walk(source_dir):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_DIRS and not d.startswith("."))
        if looks_like_model_dir(Path(dirpath)):
            found.append(Path(dirpath))
            dirnames[:] = []  # a model directory's subdirectories belong to it
    return found
