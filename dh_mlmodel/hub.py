"""The Hugging Face Hub's names, defined once: repo ids, cache folders, blob ids (docs/installed.md).

The Hub cache layout (huggingface_hub's file_download.py, hub-docs local-cache.md):
<cache>/models--ORG--NAME/{refs/main, snapshots/<commit>/<path> -> ../../blobs/<id>, blobs/<id>}.
`hf_hub_download` names a blob by the ETag the Hub sends: the X-Linked-Etag, which is the sha256 of an
LFS (or Xet) file, else the ETag, which is the git blob sha1 of a file kept in git.  Which files the
Hub keeps in LFS: those the repository's .gitattributes marks `filter=lfs`, and any the Hub refuses as
a plain git file (binary, or 10 MB and more: its pre-upload rule).
"""
from __future__ import annotations

import fnmatch
import hashlib
import re
from pathlib import Path, PurePosixPath

# The one system directory of Hub views: every package's view of a model lives here.
HUB_DIR = "hub"
HUB_ROOT = f"usr/share/mlmodel/{HUB_DIR}"
REPO_TYPE_PREFIX = "models--"

# huggingface_hub's validate_repo_id (\w, '.', '-'; no '--' or '..'; not '.git' at the end; 96 chars)
# intersected with llama.cpp's hf-cache is_valid_repo_id ('.' and '-' only between [A-Za-z0-9_], one '/').
_PART = r"[A-Za-z0-9_]+(?:[.-][A-Za-z0-9_]+)*"
REPO_ID_RE = re.compile(rf"{_PART}/{_PART}\Z")
REPO_ID_MAX = 96
REVISION_RE = re.compile(r"[0-9a-f]{40}\Z")

LFS_SIZE = 10 * 1000 * 1000  # the Hub takes no plain git file of 10 MB or more
SNIFF_BYTES = 8000  # git's own binary test reads this much and looks for a NUL


def repo_id_problem(text: str) -> str | None:
    """Why TEXT is not a Hub repo id ORG/NAME; None when it is."""
    if len(text) > REPO_ID_MAX:
        return f"longer than {REPO_ID_MAX} characters"
    if not REPO_ID_RE.match(text):
        return ("not ORG/NAME of letters, digits, '_', with '.' or '-' only between them "
                "(the Hub's repo-id rules)")
    if text.endswith(".git"):
        return "ends with '.git'"
    return None


def revision_problem(text: str) -> str | None:
    if not REVISION_RE.match(text):
        return "not a commit: 40 lowercase hex digits"
    return None


def repo_folder(repo_id: str) -> str:
    """models--ORG--NAME, as huggingface_hub's repo_folder_name."""
    return REPO_TYPE_PREFIX + repo_id.replace("/", "--")


def git_blob_sha1(path: Path) -> str:
    """The id git gives the file's content: sha1 of 'blob <size>\\0' + bytes (`git hash-object`)."""
    digest = hashlib.sha1(usedforsecurity=False)
    digest.update(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def lfs_patterns(gitattributes: str) -> list[str]:
    """The patterns a .gitattributes text gives `filter=lfs` (last match wins, as in git)."""
    out = []
    for line in gitattributes.splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#") and "filter=lfs" in fields[1:]:
            out.append(fields[0])
    return out


def _matches(relpath: str, pattern: str) -> bool:
    """gitattributes matching, the subset the Hub's files use: a pattern without '/' matches the base name."""
    pattern = pattern.lstrip("/")
    if "/" not in pattern:
        return fnmatch.fnmatchcase(PurePosixPath(relpath).name, pattern)
    if pattern.endswith("/**/*"):
        return relpath.startswith(pattern[:-len("**/*")])
    return fnmatch.fnmatchcase(relpath, pattern)


def is_lfs(relpath: str, path: Path, patterns: list[str]) -> bool:
    if any(_matches(relpath, p) for p in patterns):
        return True
    if path.stat().st_size >= LFS_SIZE:
        return True
    with open(path, "rb") as fh:
        return b"\0" in fh.read(SNIFF_BYTES)


def blob_id(relpath: str, path: Path, sha256: str, patterns: list[str]) -> str:
    """The blob name `hf_hub_download` would store this file under."""
    return sha256 if is_lfs(relpath, path, patterns) else git_blob_sha1(path)
