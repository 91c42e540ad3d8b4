"""A Debian mirror, over http(s) or as a local directory, and its indices read as streams.

The Contents indices of a large suite decompress to gigabytes (trixie main's
Contents-all is 590 MB), so they are read line by line from the
decompressor and only the candidate lines are kept.  Packages indices are
read the same way, keeping only the stanzas of candidate packages.  A
mirror is hostile input like a .deb: a line longer than MAX_LINE is skipped,
an index that decompresses past MAX_INDEX_BYTES stops with an error, and a
Filename that leaves the mirror (absolute, `..`) is refused.
"""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from ..model import MLModelError

MAX_LINE = 1 << 16
MAX_INDEX_BYTES = 16 << 30  # far above trixie's largest index; a bomb stops here
TIMEOUT = 60  # seconds without data before a download is given up
USER_AGENT = "dh-mlmodel-census"
# Index compressions, in the order tried (Debian publishes .xz and .gz; apt-ftparchive what it is told).
COMPRESSIONS = ((".xz", lambda raw: lzma.LZMAFile(raw)), (".gz", lambda raw: gzip.GzipFile(fileobj=raw)),
                (".bz2", lambda raw: bz2.BZ2File(raw)), ("", None))
# The Packages fields the census keeps.
PACKAGE_FIELDS = ("Package", "Version", "Architecture", "Section", "Filename", "Size", "SHA256", "Source")


class MirrorError(MLModelError):
    """A mirror or one of its indices cannot be read."""


class NotOnMirror(Exception):
    """This file is not on the mirror (404, no such file): try the next compression."""


@dataclass(frozen=True)
class PackageEntry:
    """One stanza of a Packages index, reduced to what the census needs."""

    package: str
    version: str
    architecture: str
    section: str
    filename: str
    size: int
    sha256: str
    source: str
    component: str

    def key(self) -> str:
        return f"{self.package}:{self.architecture}"


def _safe_relpath(relpath: str) -> str:
    parts = relpath.split("/")
    if relpath.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise MirrorError(relpath, "not a path inside the mirror")
    return relpath


class Mirror:
    """`base` is an http(s) URL or a directory laid out as a mirror (dists/, pool/)."""

    def __init__(self, base: str):
        self.base = base.rstrip("/")
        scheme = urllib.parse.urlsplit(base).scheme
        self.remote = scheme in ("http", "https")
        if scheme and not self.remote and scheme != "file":
            raise MirrorError(base, f"unsupported mirror scheme {scheme}: (http, https or a directory)")
        if scheme == "file":
            self.base = urllib.parse.urlsplit(base).path.rstrip("/")
        if not self.remote and not Path(self.base).is_dir():
            raise MirrorError(base, "no such directory")

    def url(self, relpath: str) -> str:
        relpath = _safe_relpath(relpath)
        return f"{self.base}/{urllib.parse.quote(relpath)}" if self.remote else os.path.join(self.base, relpath)

    def local_path(self, relpath: str) -> Path | None:
        """The file itself, for a directory mirror (no copy is made)."""
        return None if self.remote else Path(self.url(relpath))

    @contextmanager
    def open(self, relpath: str, offset: int = 0) -> Iterator[tuple[IO[bytes], bool]]:
        """(stream, resumed?) of one file; resumed is False when the server ignored the Range."""
        target = self.url(relpath)
        if not self.remote:
            try:
                fh = open(target, "rb")
            except FileNotFoundError:
                raise NotOnMirror(relpath) from None
            except OSError as exc:
                raise MirrorError(target, f"cannot read: {exc.strerror}") from None
            with fh:
                fh.seek(offset)
                yield fh, True
            return
        headers = {"User-Agent": USER_AGENT}
        if offset:
            headers["Range"] = f"bytes={offset}-"
        try:
            resp = urllib.request.urlopen(urllib.request.Request(target, headers=headers), timeout=TIMEOUT)
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                raise NotOnMirror(relpath) from None
            if exc.code == 416 and offset:  # asked past the end: start again
                raise NotOnMirror(relpath) from None
            raise MirrorError(target, f"HTTP {exc.code} {exc.reason}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise MirrorError(target, f"cannot fetch: {getattr(exc, 'reason', exc)}") from None
        with resp:
            yield resp, (resp.status == 206)

    def exists(self, relpath: str) -> bool:
        try:
            with self.open(relpath):
                return True
        except NotOnMirror:
            return False

    # -- indices ----------------------------------------------------------------

    @contextmanager
    def index(self, stem: str) -> Iterator[Iterator[str]]:
        """The lines of dists/…/STEM{.xz,.gz,.bz2,}: the first compression the mirror has."""
        for ext, opener in COMPRESSIONS:
            try:
                with self.open(stem + ext) as (raw, _):
                    stream = opener(raw) if opener is not None else raw
                    yield _lines(stream, stem + ext)
                    return
            except NotOnMirror:
                continue
        raise NotOnMirror(stem)

    def contents(self, suite: str, component: str, arch: str) -> Iterator[tuple[str, list[str]]]:
        """(path, [package, …]) of Contents-all and Contents-ARCH of one component (missing ones: none)."""
        found = False
        for which in ("all", arch):
            stem = f"dists/{suite}/{component}/Contents-{which}"
            try:
                with self.index(stem) as lines:
                    found = True
                    yield from _contents_entries(lines)
            except NotOnMirror:
                continue
        if not found:
            raise MirrorError(self.url(f"dists/{suite}/{component}"), f"no Contents-all or Contents-{arch} index")

    def packages(self, suite: str, component: str, arch: str, wanted: set[str]) -> Iterator[PackageEntry]:
        """The Packages stanzas of the WANTED package names (binary-ARCH, which lists arch:all too)."""
        stem = f"dists/{suite}/{component}/binary-{arch}/Packages"
        try:
            with self.index(stem) as lines:
                for fields in _stanzas(lines):
                    if fields.get("Package") in wanted:
                        entry = _entry(fields, component, stem)
                        if entry is not None:
                            yield entry
        except NotOnMirror:
            raise MirrorError(self.url(stem), "no Packages index (.xz, .gz or plain)") from None


def _lines(stream: IO[bytes], name: str) -> Iterator[str]:
    """Decoded lines, each at most MAX_LINE bytes (a longer one is skipped), at most MAX_INDEX_BYTES in all."""
    total = 0
    skipping = False
    try:
        while line := stream.readline(MAX_LINE):
            total += len(line)
            if total > MAX_INDEX_BYTES:
                raise MirrorError(name, f"decompresses to more than {MAX_INDEX_BYTES} bytes; not read further")
            complete = line.endswith(b"\n")
            if not skipping and complete:
                yield line.decode("utf-8", "replace")
            skipping = not complete
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise MirrorError(name, f"cannot decompress: {exc}") from None


def _contents_entries(lines: Iterator[str]) -> Iterator[tuple[str, list[str]]]:
    """Contents lines are `PATH  LOCATION[,LOCATION…]`, LOCATION = [area/]section/package."""
    for line in lines:
        parts = line.rstrip("\n").rsplit(None, 1)
        if len(parts) != 2:
            continue
        path, locations = parts
        path = path.strip()
        if path == "FILE" and locations == "LOCATION":  # the header of old-style Contents files
            continue
        yield path, [loc.rsplit("/", 1)[-1] for loc in locations.split(",") if loc]


def _stanzas(lines: Iterator[str]) -> Iterator[dict[str, str]]:
    """deb822 paragraphs as {field: value} of PACKAGE_FIELDS (continuation lines dropped)."""
    fields: dict[str, str] = {}
    for line in lines:
        if not line.strip():
            if fields:
                yield fields
            fields = {}
            continue
        if line[0] in " \t":
            continue
        name, sep, value = line.partition(":")
        if sep and name in PACKAGE_FIELDS:
            fields[name] = value.strip()
    if fields:
        yield fields


def _entry(fields: dict[str, str], component: str, stem: str) -> PackageEntry | None:
    try:
        size = int(fields.get("Size", ""))
        filename = _safe_relpath(fields["Filename"])
        sha256 = fields["SHA256"].lower()
    except (ValueError, KeyError, MirrorError):
        return None  # a stanza without a usable Filename, Size or SHA256 names no package we can fetch
    if (size < 0 or len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)
            or not filename.endswith((".deb", ".udeb"))):
        return None
    return PackageEntry(fields["Package"], fields.get("Version", ""), fields.get("Architecture", ""),
                        fields.get("Section", ""), filename, size, sha256,
                        (fields.get("Source") or fields["Package"]).split()[0], component)
