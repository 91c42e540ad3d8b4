"""Whole-file compression wrappers (gzip, xz, bzip2, zstd, LZ4 frame) around a model file.

The wrapper is sniffed by its magic (RFC 1952; xz-file-format.txt; bzip2's
`BZh1`-`BZh9`; RFC 8878 for zstd; lz4_Frame_format.md).  The inner file is
read through a streaming decompressor and never decompressed past a fixed
budget: detect reads SNIFF_BUDGET bytes of it, describe at most
DESCRIBE_BUDGET (to a temporary file, so memory stays flat), and the inner
file is then detected and described by the describer of its own format, as
if it had been shipped plain.  The sha256 stays the one of the file as
shipped (describe.py hashes `artifact.path`).  The risk scan reads the same
decompressed stream on its own (risk/containers.py, budgeted there).

gzip, xz and bzip2 use the stdlib through risk/streams.py (the decompressor
the risk scan uses: one implementation).  LZ4 uses python3-lz4 when it is
importable, else our pure-Python frame decoder (risk/streams.Lz4Frame).
zstd uses python3-zstandard (or Python 3.14's compression.zstd) when
importable, else the `zstd` command through a pipe; with neither, the
wrapper is named and the file reported as not opened.
"""
from __future__ import annotations

import posixpath
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from ..model import Finding
from .binio import FormatError

SNIFF_BUDGET = 1 << 20  # detect: enough for every header-first format and a pickle's first opcodes
DESCRIBE_BUDGET = 256 << 20  # describe: an inner file larger than this is named, not described
CHUNK = 1 << 20
NOT_VALIDATED_TAG = "model-file-not-validated"

# (magic, wrapper name, the suffix its CLI appends)
WRAPPERS = (
    (b"\x1f\x8b", "gzip", ".gz"),
    (b"\xfd7zXZ\x00", "xz", ".xz"),
    (b"BZh", "bzip2", ".bz2"),
    (b"\x28\xb5\x2f\xfd", "zstd", ".zst"),
    (b"\x04\x22\x4d\x18", "lz4", ".lz4"),
)
SUFFIXES = (".gz", ".gzip", ".xz", ".bz2", ".zst", ".zstd", ".lz4", ".tgz")


class NotOpened(Exception):
    """The wrapper is known but no decompressor for it is available here."""


def sniff(prefix: bytes) -> str | None:
    """The wrapper of a file from its first bytes, or None."""
    for magic, kind, _suffix in WRAPPERS:
        if prefix.startswith(magic):
            if kind == "bzip2" and not prefix[3:4].isdigit():
                return None
            return kind
    return None


def inner_relpath(relpath: str) -> str:
    """The name the file had before compression (`ocr.traineddata.gz` -> `ocr.traineddata`)."""
    head, ext = posixpath.splitext(relpath)
    if ext.lower() == ".tgz":
        return head + ".tar"
    return head if ext.lower() in SUFFIXES and posixpath.basename(head) else relpath


# ---------------------------------------------------------------- decompressors

class _Pipe:
    """`zstd -dc FILE` read as a stream; closed (and killed) when we have read enough."""

    def __init__(self, argv: list[str]):
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)

    eof = False

    def read(self, n: int) -> bytes:
        data = self.proc.stdout.read(n)
        self.eof = self.eof or not data
        return data

    def close(self) -> str | None:
        """The tool's complaint, if it failed on its own (not because we stopped reading)."""
        if self.eof:  # it wrote all it will: its exit status says whether the stream was whole
            self.proc.wait()
        finished = self.proc.poll() is not None
        if not finished:
            self.proc.kill()
        self.proc.stdout.close()
        err = self.proc.stderr.read(4096).decode("utf-8", "replace").strip()
        self.proc.stderr.close()
        code = self.proc.wait()
        return (err.splitlines()[-1] if err else f"exit status {code}") if finished and code != 0 else None


def _zstd_module():
    try:
        from compression import zstd  # Python >= 3.14
        return lambda f: zstd.ZstdFile(f)
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        return None
    return lambda f: _ZstdFrames(f, zstandard)


class _ZstdFrames:
    """python3-zstandard's decompressobj, fed small pieces: its stream_reader ends quietly on a cut
    stream and decompress() has no output cap, so input goes in ZSTD_FEED bytes at a time (a zstd
    block is at most 128 KiB from a few bytes: the output of one feed stays under ~8 MiB)."""

    ZSTD_FEED = 256

    def __init__(self, f, zstandard):
        self.f, self.z = f, zstandard
        self.d = zstandard.ZstdDecompressor().decompressobj()
        self.out = bytearray()
        self.pending = b""
        self.done = False

    def read(self, n: int) -> bytes:
        while len(self.out) < n and not self.done:
            self._feed()
        piece = bytes(self.out[:n])
        del self.out[:n]
        return piece

    def _feed(self) -> None:
        from ..risk.streams import StreamError

        data = self.pending or self.f.read(self.ZSTD_FEED)
        self.pending = b""
        if not data:
            if not self.d.eof:
                raise StreamError("the zstd stream ends inside a frame (truncated)")
            self.done = True
            return
        try:
            self.out += self.d.decompress(data)
        except self.z.ZstdError as exc:
            raise StreamError(f"corrupt zstd data: {exc}") from None
        if self.d.eof:  # a frame ended: `zstd -d` goes on into the next one
            self.pending = self.d.unused_data
            self.d = self.z.ZstdDecompressor().decompressobj()
            if not self.pending:
                self.pending = self.f.read(self.ZSTD_FEED)
                if not self.pending:
                    self.done = True


def _lz4_module():
    try:
        import lz4.frame
    except ImportError:
        return None
    return lambda f: lz4.frame.LZ4FrameFile(f)


def decompressor_name(kind: str) -> str:
    """What will decompress `kind` here (recorded, so a reader knows how the inner facts were got)."""
    if kind in ("gzip", "xz", "bzip2"):
        return "python-stdlib"
    if kind == "lz4":
        return "python3-lz4" if _lz4_module() else "dh_mlmodel-lz4"
    if _zstd_module():
        return "python3-zstandard"
    if shutil.which("zstd"):
        return "zstd-cli"
    raise NotOpened("no zstd decompressor (python3-zstandard or the zstd command) is installed")


class Opened:
    """The decompressed bytes of one wrapped file, read forward in bounded pieces."""

    def __init__(self, path: Path, kind: str):
        from ..risk import streams  # the risk scan's decompressors: one implementation

        self.how = decompressor_name(kind)
        self.f = open(path, "rb")
        self.pipe: _Pipe | None = None
        try:
            if kind in ("gzip", "xz", "bzip2"):
                name = {"bzip2": "bz2"}.get(kind, kind)
                self.src = streams.Decompressed(self.f, streams.decompressor_for(name), multistream=name)
            elif kind == "lz4":
                module = _lz4_module()
                self.src = module(self.f) if module else streams.Lz4Frame(self.f)
            elif self.how == "zstd-cli":
                self.pipe = _Pipe(["zstd", "-dcq", "--", str(path)])
                self.src = self.pipe
            else:
                self.src = _zstd_module()(self.f)
        except Exception:
            self.f.close()
            raise

    def read(self, n: int) -> bytes:
        piece = self.src.read(n)
        if not piece and n > 0:
            self._check_ended()
        return piece

    def _check_ended(self) -> None:
        """The stdlib decompressors stop quietly at the end of input: a stream cut short is an error."""
        from ..risk.streams import Decompressed, StreamError

        src = self.src
        if isinstance(src, Decompressed) and not src.d.eof and not src.restarted:
            raise StreamError("the compressed stream ends before its end marker (truncated)")

    def skip(self, n: int) -> int:
        got = 0
        while got < n:
            piece = self.read(min(CHUNK, n - got))
            if not piece:
                break
            got += len(piece)
        return got

    def close(self) -> str | None:
        err = self.pipe.close() if self.pipe and self.pipe.proc.stdout and not self.pipe.proc.stdout.closed else None
        self.f.close()
        return err

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 - interpreter shutdown
            pass


def _errors():
    from ..risk.streams import StreamError
    import lzma
    import zlib
    return (StreamError, OSError, EOFError, ValueError, RuntimeError, lzma.LZMAError, zlib.error)


def read_prefix(path: Path, kind: str, n: int = SNIFF_BUDGET) -> bytes:
    """Up to `n` decompressed bytes (b"" when the wrapper cannot be opened or is corrupt at once)."""
    try:
        opened = Opened(path, kind)
    except (NotOpened, *_errors()):
        return b""
    out = bytearray()
    try:
        while len(out) < n:
            piece = opened.read(min(CHUNK, n - len(out)))
            if not piece:
                break
            out += piece
    except _errors():
        pass
    finally:
        opened.close()
    return bytes(out)


def spool(path: Path, kind: str, out, budget: int) -> tuple[int, bool]:
    """Copy at most `budget` decompressed bytes into `out`: (bytes written, whole stream read).

    Raises FormatError when the stream is corrupt or truncated.
    """
    opened = Opened(path, kind)
    written, complete, failure = 0, False, None
    try:
        while written <= budget:
            piece = opened.read(min(CHUNK, budget + 1 - written))
            if not piece:
                complete = True
                break
            out.write(piece)
            written += len(piece)
    except _errors() as exc:
        failure = str(exc) or type(exc).__name__
    finally:
        failure = opened.close() or failure
    if failure:
        raise FormatError(str(path), f"{kind}: corrupt or truncated compressed stream ({failure[:160]})")
    return min(written, budget), complete and written <= budget


# ---------------------------------------------------------------- describe

def not_validated(relpath: str, message: str) -> Finding:
    from ..lint.tagdata import tag_info
    return Finding(NOT_VALIDATED_TAG, tag_info(NOT_VALIDATED_TAG).severity, message, relpath)


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    """The wrapper, and the inner file's format, role and facts as its own describer gives them."""
    with open(path, "rb") as f:
        kind = sniff(f.read(8))
    if kind is None:
        raise FormatError(relpath, "no compression wrapper magic")
    try:
        how = decompressor_name(kind)
    except NotOpened as exc:
        return {"wrapper": kind}, [not_validated(relpath, f"{kind}-compressed file recognised but not opened: {exc}; "
                                                          "its content was neither described nor validated")]
    meta: dict[str, Any] = {"wrapper": kind, "decompressor": how}
    with tempfile.TemporaryDirectory(prefix="mlmodel-inner-") as tmp:
        name = posixpath.basename(inner_relpath(relpath)) or "inner"
        inner_path = Path(tmp) / name
        with open(inner_path, "wb") as out:
            try:
                size, complete = spool(path, kind, out, DESCRIBE_BUDGET)
            except FormatError as exc:
                raise FormatError(relpath, exc.reason) from None
        return _describe_inner(meta, inner_path, relpath, size, complete)


def _describe_inner(meta: dict[str, Any], inner_path: Path, relpath: str, size: int,
                    complete: bool) -> tuple[dict[str, Any], list[Finding]]:
    from ..describe import describe_format  # the inner file goes through the ordinary stages
    from ..detect import detect

    kind = meta["wrapper"]
    inner = detect(inner_path, inner_relpath(relpath))
    meta.update(inner_format=inner.format, inner_role=inner.role)
    if not complete:
        meta["inner_size_over"] = size
        return meta, [not_validated(relpath, f"{kind}-compressed {inner.format} file decompresses to more than "
                                             f"{size} bytes (the describe budget): its content was not described "
                                             "or validated past that")]
    meta["inner_size"] = size
    if inner.format == "compressed":
        return meta, [not_validated(relpath, f"{kind} around another compression wrapper: the inner file was "
                                             "not opened further")]
    inner_meta, findings = describe_format(inner)
    meta["inner"] = inner_meta
    # the inner describer's findings (an unvalidated inner file's warning among them), located in the wrapper
    return meta, [Finding(f.tag, f.severity, f"{kind}-compressed: {f.message}", relpath,
                          f"[{kind}]{'/' + f.member if f.member else ''}") for f in findings]


def describe_wrapped_or(plain):
    """A describer for a format that may come wrapped (joblib): the wrapper's when there is one."""
    def describer(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
        with open(path, "rb") as f:
            wrapped = sniff(f.read(8)) is not None
        return describe(path, relpath) if wrapped else plain(path, relpath)
    return describer
