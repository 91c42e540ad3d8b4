"""lint inputs: .changes, .deb and .dsc files, read as streams.

A .changes names the .deb and .dsc files of one upload; a .deb is an ar
archive whose data.tar.{xz,zst,gz,bz2} member is read as a tar *stream*
(tarfile mode "r|"), one member after the other, so that no part of a
package is extracted to disk here.  The decompression is dpkg-deb's own
(`dpkg-deb --fsys-tarfile`) when it is installed: it knows every compressor
dpkg can build with and runs on the second core while we hash.  Without it,
the standard library decompresses xz, gzip and bzip2 and `zstd -dc` does
zstd (python-debian 0.1.49 decompresses zstd members into memory, which a
2 GB package must not do).
"""
from __future__ import annotations

import bz2
import gzip
import hashlib
import io
import lzma
import os
import shutil
import subprocess
import tarfile
import threading
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Iterator

from debian import arfile, deb822

from ..model import MLModelError

CONTROL_LIMIT = 16 << 20  # a control.tar bigger than this is not a package we read
SMALL_FILE_LIMIT = 16 << 20  # records, copyright, overrides, cards: read whole up to this
CHUNK = 1 << 20
# A data.tar may decompress to at most this many times its compressed size plus
# the slack, and hold at most MAX_MEMBERS members: past either, the scan stops
# with an error (a bomb costs time in proportion to the bytes really shipped).
DATA_RATIO_LIMIT = 200
DATA_SLACK = 64 << 20
MAX_MEMBERS = 200_000
# The checksum fields of a .changes (Debian Policy §5.5) and the hash each names.
CHANGES_SUMS = (("Files", "md5sum", "md5"), ("Checksums-Sha1", "sha1", "sha1"),
                ("Checksums-Sha256", "sha256", "sha256"))


class LintInputError(MLModelError):
    """An input file cannot be read (exit status 2)."""


class DataLimit(Exception):
    """The data.tar went past a limit (MAX_MEMBERS, DATA_RATIO_LIMIT): the scan stops there."""

    def __init__(self, note: str):
        super().__init__(note)
        self.note = note


@dataclass(frozen=True)
class Member:
    """One entry of a .deb's data.tar, as tar tells it."""

    path: str  # no leading "./"
    kind: str  # file, dir, symlink, hardlink, other
    mode: int
    size: int
    linkname: str = ""


@dataclass(frozen=True)
class DebControl:
    package: str
    version: str
    architecture: str
    section: str
    source: str  # the Source: field without its version, or the package name


@dataclass(frozen=True)
class SourceInput:
    """A .dsc and what lint reads from it."""

    path: Path
    source: str
    version: str
    overrides: str | None  # debian/source/lintian-overrides, if the tarballs hold it
    files: tuple[tuple[str, int, bytes], ...]  # (path in the source tree, size, first bytes) of regular files


@dataclass(frozen=True)
class InputSet:
    """The packages checked together: one .changes, or the loose files given."""

    origin: str
    debs: tuple[Path, ...]
    dscs: tuple[Path, ...]
    source: str = ""  # the .changes's Source field
    mismatches: tuple[tuple[str, str], ...] = ()  # (file name, what differs) for the .changes entries


# -- .changes / argument resolution -------------------------------------------------

def _read_deb822(path: Path, cls=deb822.Deb822):
    try:
        with open(path, "rb") as fh:
            return cls(fh)
    except OSError as exc:
        raise LintInputError(path, f"cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise LintInputError(path, f"not a deb822 file: {exc}") from None


def _listed_file(base: Path, name: str) -> Path:
    if "/" in name or name in (".", "..") or not name:
        raise LintInputError(base, f"lists a file name with a directory part: {name!r}")
    return base.parent / name


def read_changes(path: Path) -> InputSet:
    changes = _read_deb822(path, deb822.Changes)
    if "Files" not in changes and "Checksums-Sha256" not in changes:
        raise LintInputError(path, "not a .changes file (no Files field)")
    names = [entry["name"] for entry in changes.get("Files", [])]
    debs = tuple(_listed_file(path, n) for n in names if n.endswith((".deb", ".udeb")))
    dscs = tuple(_listed_file(path, n) for n in names if n.endswith(".dsc"))
    for listed in debs + dscs:
        if not listed.is_file():
            raise LintInputError(path, f"lists {listed.name}, which is not beside it")
    source = (changes.get("Source") or "").split(" ")[0] or path.name.split("_")[0]
    return InputSet(str(path), debs, dscs, source, tuple(changes_mismatches(path, changes)))


def _digests(path: Path) -> tuple[int, dict[str, str]]:
    sums = {algo: hashlib.new(algo) for _, _, algo in CHANGES_SUMS}
    size = 0
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            size += len(chunk)
            for h in sums.values():
                h.update(chunk)
    return size, {algo: h.hexdigest() for algo, h in sums.items()}


def changes_mismatches(path: Path, changes: deb822.Changes) -> list[tuple[str, str]]:
    """Each entry of Files, Checksums-Sha1 and Checksums-Sha256 whose size or sum is not the file's.

    A listed file that is not beside the .changes is not judged here (the
    .debs and .dscs must be; read_changes says so).
    """
    out: list[tuple[str, str]] = []
    seen: dict[str, tuple[int, dict[str, str]]] = {}
    for field_name, key, algo in CHANGES_SUMS:
        for entry in changes.get(field_name, []) or []:
            name = entry.get("name", "")
            listed = _listed_file(path, name)
            if not listed.is_file():
                continue
            if name not in seen:
                seen[name] = _digests(listed)
            size, sums = seen[name]
            if str(entry.get("size", "")) != str(size):
                out.append((name, f"{field_name}: size {entry.get('size')} listed, {size} on disk"))
            if str(entry.get(key, "")).lower() != sums[algo]:
                out.append((name, f"{field_name}: {key} {str(entry.get(key, ''))[:16]}… listed, "
                                  f"{sums[algo][:16]}… on disk"))
    return out


def resolve(arguments: list[str]) -> list[InputSet]:
    """A .changes is one set; loose .debs and .dscs given together form another."""
    sets: list[InputSet] = []
    loose_debs: list[Path] = []
    loose_dscs: list[Path] = []
    for arg in arguments:
        path = Path(arg)
        if not path.is_file():
            raise LintInputError(path, "no such file")
        if path.name.endswith(".changes"):
            sets.append(read_changes(path))
        elif path.name.endswith((".deb", ".udeb")):
            loose_debs.append(path)
        elif path.name.endswith(".dsc"):
            loose_dscs.append(path)
        else:
            raise LintInputError(path, "not a .changes, .deb or .dsc file")
    if loose_debs or loose_dscs:
        sets.append(InputSet(" ".join(map(str, loose_debs + loose_dscs)), tuple(loose_debs), tuple(loose_dscs)))
    return sets


# -- .deb ----------------------------------------------------------------------------

def _ar_members(path: Path) -> dict[str, arfile.ArMember]:
    try:
        ar = arfile.ArFile(str(path))
    except (OSError, arfile.ArError) as exc:
        raise LintInputError(path, f"not a Debian binary package: {exc}") from None
    return {m.name: m for m in ar.getmembers()}


def _member_named(members: dict, path: Path, prefix: str):
    for name, member in members.items():
        if name == prefix or name.startswith(prefix + "."):
            return name, member
    raise LintInputError(path, f"no {prefix} member (not a Debian binary package)")


def _decompress_bytes(data: bytes, name: str, path: Path) -> bytes:
    try:
        if name.endswith(".xz") or name.endswith(".lzma"):
            return lzma.decompress(data)
        if name.endswith(".gz"):
            return gzip.decompress(data)
        if name.endswith(".bz2"):
            return bz2.decompress(data)
        if name.endswith(".zst"):
            return subprocess.run(["zstd", "-dc"], input=data, capture_output=True, check=True).stdout
    except (OSError, lzma.LZMAError, EOFError, subprocess.CalledProcessError, ValueError) as exc:
        raise LintInputError(path, f"{name}: cannot decompress: {exc}") from None
    return data


def read_control(path: Path) -> DebControl:
    members = _ar_members(path)
    name, member = _member_named(members, path, "control.tar")
    if member.size > CONTROL_LIMIT:
        raise LintInputError(path, f"{name} is {member.size} bytes; not reading it")
    raw = _decompress_bytes(member.read(), name, path)
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
            info = next((m for m in tar if m.name.lstrip("./") == "control" and m.isfile()), None)
            text = tar.extractfile(info).read() if info is not None else None
    except tarfile.TarError as exc:
        raise LintInputError(path, f"{name}: not a tar archive: {exc}") from None
    if text is None:
        raise LintInputError(path, f"{name} has no control file")
    fields = deb822.Deb822(text.decode("utf-8", "replace"))
    package = fields.get("Package", "")
    if not package:
        raise LintInputError(path, "control file has no Package field")
    source = (fields.get("Source") or package).split()[0]
    return DebControl(package, fields.get("Version", ""), fields.get("Architecture", ""),
                      fields.get("Section", ""), source)


def _kind(info: tarfile.TarInfo) -> str:
    if info.sparse is not None:
        return "sparse"  # its holes would be zeros made up by tarfile: never read as a file
    if info.isreg():
        return "file"
    if info.isdir():
        return "dir"
    if info.issym():
        return "symlink"
    if info.islnk():
        return "hardlink"
    return "other"


def _member(info: tarfile.TarInfo) -> Member:
    path = info.name
    while path.startswith("./"):
        path = path[2:]
    kind = _kind(info)
    return Member(path.rstrip("/"), kind, info.mode, info.size if kind == "file" else 0,
                  info.linkname if (info.issym() or info.islnk()) else "")


@contextmanager
def _python_data_stream(path: Path) -> Iterator[IO[bytes]]:
    """data.tar decompressed without dpkg-deb: stdlib streams, zstd through a pipe."""
    members = _ar_members(path)
    name, member = _member_named(members, path, "data.tar")
    if name.endswith(".zst"):
        if not shutil.which("zstd"):
            raise LintInputError(path, f"{name}: needs dpkg-deb or zstd to decompress")
        proc = subprocess.Popen(["zstd", "-dc"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

        def feed() -> None:
            try:
                while chunk := member.read(CHUNK):
                    proc.stdin.write(chunk)
            except BrokenPipeError:
                pass
            finally:
                proc.stdin.close()
        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        try:
            yield proc.stdout
        finally:
            proc.stdout.close()
            proc.kill()
            proc.wait()
            feeder.join()
        return
    if name.endswith((".xz", ".lzma")):
        yield lzma.LZMAFile(member)
    elif name.endswith(".gz"):
        yield gzip.GzipFile(fileobj=member)
    elif name.endswith(".bz2"):
        yield bz2.BZ2File(member)
    elif name == "data.tar":
        yield member
    else:
        raise LintInputError(path, f"{name}: unknown compression")


@contextmanager
def data_stream(path: Path) -> Iterator[IO[bytes]]:
    """The uncompressed data.tar of a .deb as a pipe or stream."""
    if not shutil.which("dpkg-deb") or os.environ.get("DH_MLMODEL_LINT_NO_DPKG_DEB"):
        with _python_data_stream(path) as stream:
            yield stream
        return
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, bufsize=CHUNK)
    limited = False
    try:
        yield proc.stdout
    except (DataLimit, GeneratorExit):
        # We stopped reading (a limit, or the scan closed iter_data after one): dpkg-deb's broken pipe,
        # if it sees the closed pipe before the kill, is not the reason.
        limited = True
        raise
    finally:
        proc.stdout.close()
        proc.kill()
        _, err = proc.communicate()
        if not limited and proc.returncode not in (0, -9) and err:
            # A truncated or corrupt package: tarfile usually noticed first, but say why.
            raise LintInputError(path, err.decode("utf-8", "replace").strip().splitlines()[-1])


class _Budget:
    """A read-only stream that raises DataLimit once more than `limit` bytes were read from it."""

    def __init__(self, raw: IO[bytes], limit: int, what: str):
        self.raw, self.limit, self.what, self.count = raw, limit, what, 0

    def read(self, n: int = -1) -> bytes:
        data = self.raw.read(n)
        self.count += len(data)
        if self.count > self.limit:
            raise DataLimit(f"{self.what} decompresses to more than {self.limit} bytes "
                            f"({DATA_RATIO_LIMIT}x its size + {DATA_SLACK >> 20} MiB); not read further")
        return data


def data_budget(path: Path) -> tuple[str, int]:
    """The data.tar member's name and how many uncompressed bytes lint reads of it."""
    name, member = _member_named(_ar_members(path), path, "data.tar")
    return name, member.size * DATA_RATIO_LIMIT + DATA_SLACK


_DATA_ERRORS = (tarfile.TarError, EOFError, lzma.LZMAError, OSError, zlib.error)


class _MemberStream:
    """A data.tar member's bytes; the consumer reads them outside iter_data, so a truncated
    or corrupt package is turned into LintInputError here, where it is read."""

    def __init__(self, raw: IO[bytes], path: Path):
        self.raw, self.path = raw, path

    def read(self, n: int = -1) -> bytes:
        try:
            return self.raw.read(n)
        except _DATA_ERRORS as exc:
            raise LintInputError(self.path, f"data.tar: {exc}") from None

    def readinto(self, buf) -> int:
        try:
            return self.raw.readinto(buf)
        except _DATA_ERRORS as exc:
            raise LintInputError(self.path, f"data.tar: {exc}") from None


def iter_data(path: Path) -> Iterator[tuple[Member, IO[bytes] | None]]:
    """Each data.tar member with a stream of its bytes (regular files only), in archive order.

    The stream is valid until the next member is asked for.  Raises DataLimit
    past MAX_MEMBERS members or the decompression budget (data_budget).
    """
    name, limit = data_budget(path)
    with data_stream(path) as raw:
        try:
            with tarfile.open(fileobj=_Budget(raw, limit, name), mode="r|", bufsize=CHUNK) as tar:
                for count, info in enumerate(tar, 1):
                    if count > MAX_MEMBERS:
                        raise DataLimit(f"{name} has more than {MAX_MEMBERS} members; not read further")
                    member = _member(info)
                    if not member.path:
                        continue
                    yield member, (_MemberStream(tar.extractfile(info), path) if member.kind == "file" else None)
        except _DATA_ERRORS as exc:
            raise LintInputError(path, f"data.tar: {exc}") from None


# -- .dsc -----------------------------------------------------------------------------

SOURCE_OVERRIDES = "debian/source/lintian-overrides"
HEAD_BYTES = 1023  # a Git LFS pointer is shorter (formats/lfs.py MAX_POINTER_SIZE)


def _tar_mode(name: str) -> str:
    if name.endswith(".tar.zst"):
        return "zst"
    for ext, mode in ((".tar.xz", "r|xz"), (".tar.gz", "r|gz"), (".tar.bz2", "r|bz2"), (".tar.lzma", "r|xz"),
                      (".tar", "r|")):
        if name.endswith(ext):
            return mode
    return ""


@contextmanager
def _source_tar(path: Path, mode: str) -> Iterator[tarfile.TarFile]:
    if mode != "zst":
        with tarfile.open(path, mode=mode, bufsize=CHUNK) as tar:
            yield tar
        return
    proc = subprocess.Popen(["zstd", "-dc", str(path)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|", bufsize=CHUNK) as tar:
            yield tar
    finally:
        proc.stdout.close()
        proc.kill()
        proc.wait()


def _strip_top(name: str) -> str:
    """Tarball paths start with the source directory (foo-1.0/…); debian.tar with debian/."""
    name = name.lstrip("./")
    if name.startswith("debian/"):
        return name
    return name.split("/", 1)[1] if "/" in name else ""


def read_dsc(path: Path) -> SourceInput:
    dsc = _read_deb822(path, deb822.Dsc)
    source = dsc.get("Source", "")
    if not source:
        raise LintInputError(path, "not a .dsc file (no Source field)")
    overrides = None
    files: list[tuple[str, int, bytes]] = []
    for entry in dsc.get("Files", []):
        tarball = _listed_file(path, entry["name"])
        mode = _tar_mode(tarball.name)
        if not mode:
            continue  # .asc signatures and the like
        if not tarball.is_file():
            raise LintInputError(path, f"lists {tarball.name}, which is not beside it")
        try:
            with _source_tar(tarball, mode) as tar:
                for info in tar:
                    if not info.isreg():
                        continue
                    name = _strip_top(info.name)
                    stream = tar.extractfile(info)
                    if name == SOURCE_OVERRIDES and info.size <= SMALL_FILE_LIMIT:
                        data = stream.read()
                        overrides = data.decode("utf-8", "replace")
                        head = data[:HEAD_BYTES]
                    else:
                        head = stream.read(HEAD_BYTES)
                    if name:
                        files.append((name, info.size, head))
        except (tarfile.TarError, OSError, EOFError, lzma.LZMAError) as exc:
            raise LintInputError(tarball, f"cannot read: {exc}") from None
    return SourceInput(path, source, dsc.get("Version", ""), overrides, tuple(files))
