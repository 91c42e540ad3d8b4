"""Reach every pickle in a file, whatever container it hides in, and turn scans into findings.

Dispatch is by content, never by name: a raw pickle (protocol 2+ has the
`\\x80` magic, 0 and 1 have none and are recognised by parsing), a legacy
torch file (five pickles in a row, then raw storages), a zip (torch
checkpoints, TorchScript, npz, .keras, wheels, zips in zips: every member is
sniffed), a compressed joblib stream (zlib, gzip, bz2, xz, lzma, lz4, and the
pre-0.10 `ZF` format), and NumPy object arrays.  Zips are read through their
central directory by our own parser, so bad CRCs, data-descriptor or
"encrypted" flag bits and odd names do not hide a member (the tricks of
GHSA-w8jq-xcqf-f792, GHSA-7q5r-7gvp-wc82, GHSA-769v-p64c-89pr, GHSA-9gvj-pp9x-gcfr).
"""
from __future__ import annotations

import re
import struct
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from ..model import Finding
from . import allowlist
from .pickle_scan import TORCH_OPCODES, Budget, PickleScan, scan_pickle
from .streams import CFileView, Decompressed, FileWindow, Lz4Frame, Stream, StreamError, decompressor_for, skip_by_reading

MAX_DEPTH = 4  # containers inside containers
MEMBER_COST = 200  # opcode units charged per zip member opened (pickle_scan.MAX_OPS)
LEGACY_TORCH_MAGIC = bytes.fromhex("80028a0a6cfc9c46f9206aa85019")
LEGACY_TORCH_MAGIC_NUMBER = 0x1950A86A20F9469CFC6C  # torch/serialization.py MAGIC_NUMBER, in any protocol
LEGACY_TORCH_PICKLES = 5  # magic, protocol, sys_info, object, storage keys (torch/serialization.py, _legacy_load)
# A compression bomb: decompressed bytes read per file, at most this floor or INFLATE_RATIO times the
# file's size (real weights compress 1-10x; gzip's ceiling is ~1032x, bzip2/xz/zstd go far beyond).
INFLATE_FLOOR = 1 << 30
INFLATE_RATIO = 100
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# What torch.save never writes at any protocol; only hand-made pickles use them.
_CRAFTED_ONLY = frozenset({"INST", "OBJ", "NEWOBJ_EX"})


class ContainerError(Exception):
    pass


@dataclass
class Ctx:
    """Where we are: the file (relpath) and the member path inside it."""

    relpath: str
    findings: list
    pickles: int = 0
    budget: Budget = field(default_factory=Budget)  # opcodes left for the whole file (pickle_scan.MAX_OPS)
    inflate: int = INFLATE_FLOOR  # decompressed bytes left for the whole file (scan_file sets it from the size)
    inflate_spent: bool = False
    inflate_said: bool = False

    def add(self, tag: str, severity: str, message: str, member: str) -> None:
        self.findings.append(Finding(tag, severity, message, self.relpath, member))


# ---------------------------------------------------------------- sniffing

def sniff(head: bytes) -> str | None:
    """The container kind of a byte stream from its first bytes, or None."""
    if head.startswith(LEGACY_TORCH_MAGIC):
        return "torch-legacy"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "pickle"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head.startswith(b"\x93NUMPY"):
        return "npy"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"BZh") and len(head) > 3 and head[3:4].isdigit():
        return "bz2"
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz"
    if head.startswith(b"\x5d\x00"):  # joblib's _LZMA_PREFIX: any dictionary size
        return "lzma"
    if head.startswith(b"\x04\x22\x4d\x18"):
        return "lz4"
    if head.startswith(ZSTD_MAGIC):
        return "zstd"
    if head.startswith(b"ZF") and _zf_length(head) is not None:
        return "joblib-zf"
    if len(head) >= 2 and head[0] == 0x78 and (head[0] * 256 + head[1]) % 31 == 0:
        return "zlib"
    return None


def _zf_length(head: bytes) -> int | None:
    """joblib < 0.10 reads `ZF` + 19 bytes as int(…, 16): `0x`, spaces and `_` are all optional."""
    try:
        return int(head[2:21].decode("ascii"), 16)
    except (UnicodeDecodeError, ValueError):
        return None


def is_tar_header(head: bytes) -> bool:
    """Does tarfile accept this as a first header?  It checks the checksum, not the `ustar` magic
    (V7 tars have none), so neither do we (tarfile.TarInfo.frombuf, calc_chksums)."""
    block = head[:512]
    if len(block) < 512 or block.count(0) == 512:
        return False
    field = block[148:156].split(b"\0", 1)[0].strip()
    try:
        stored = int(field.decode("ascii") or "0", 8)
    except (UnicodeDecodeError, ValueError):
        return False
    unsigned = sum(block[:148]) + 8 * 32 + sum(block[156:])
    signed = sum(b - 256 if b > 127 else b for b in block[:148] + block[156:]) + 8 * 32
    return stored in (unsigned, signed)


# ---------------------------------------------------------------- findings from a scan

def _location(member: str, imp_where: str) -> str:
    return f"{member}{'/' if member and imp_where else ''}{imp_where.rstrip('/')}" or "the pickle"


MAX_IMPORT_FINDINGS = 50  # distinct non-allowed imports reported one by one per pickle
MAX_SAME_PROBLEM = 5  # findings of one kind per pickle before they are summed up
_PROBLEM_TAGS = {"unresolved-global": "pickle-import-unresolved", "computed-callable": "pickle-calls-computed-callable",
                 "build-on-global": "pickle-build-modifies-callable", "dunder-state": "pickle-build-sets-dunder",
                 "array-data": "pickle-unscannable-data", "frame-mismatch": "pickle-parse-error",
                 "malformed-stack": "pickle-parse-error"}


def _problem_severity(kind: str) -> str:
    return "error"


def report_scan(ctx: Ctx, scan: PickleScan, member: str, rules: str) -> None:
    """Findings for one walked pickle; `rules` is torch, torchscript or generic."""
    ctx.pickles += 1
    seen: set[tuple[str, str]] = set()
    flagged = 0
    for imp in scan.imports:
        key = (imp.dotted, imp.where)
        if key in seen:
            continue
        seen.add(key)
        verdict, why = allowlist.classify(imp.module, imp.name, torchscript=rules == "torchscript")
        if verdict != "allowed":
            flagged += 1
            if flagged > MAX_IMPORT_FINDINGS:
                continue
        where = _location(member, imp.where)
        text = f"`{imp.dotted}` imported by {imp.opcode} at offset {imp.offset} of {where}"
        if verdict == "dangerous":
            ctx.add("pickle-imports-dangerous-callable", "error", f"{text}: {why}", member)
        elif verdict == "unlisted":
            ctx.add("pickle-imports-unlisted-callable", "error",
                    f"{text}: not on the weights-only allowlist (runs arbitrary code if it is a function)", member)
        elif verdict == "benign":
            ctx.add("pickle-imports-unlisted-benign-class", "warning",
                    f"{text}: unlisted, looks benign ({why}); accept it per file in debian/mlmodel.yaml", member)
    if flagged > MAX_IMPORT_FINDINGS:
        ctx.add("pickle-imports-unlisted-callable", "error",
                f"{member or 'the pickle'} imports {flagged - MAX_IMPORT_FINDINGS} more unlisted callables "
                "(not listed one by one)", member)
    shown: dict[str, int] = {}
    for p in scan.problems:
        shown[p.kind] = shown.get(p.kind, 0) + 1
        if shown[p.kind] > MAX_SAME_PROBLEM:
            continue  # counted in the summary below
        where = _location(member, p.where)
        ctx.add(_PROBLEM_TAGS[p.kind], _problem_severity(p.kind), f"{p.detail} (offset {p.offset} of {where})",
                member)
    for kind, n in shown.items():
        if n > MAX_SAME_PROBLEM:
            ctx.add(_PROBLEM_TAGS[kind], _problem_severity(kind),
                    f"{member or 'the pickle'}: {n - MAX_SAME_PROBLEM} more of the same ({kind})", member)
    if scan.unscannable:
        ctx.add("pickle-unscannable-data", "error",
                f"{member or 'the pickle'} cannot be walked further ({scan.unscannable}), but a loader "
                "would go on: the rest is unscanned", member)
    elif scan.error:
        # The loaders fail there too, but what ran before the failure has run (the "broken pickle"
        # pattern), and a stream that cannot be walked to its end cannot be proven safe.
        ctx.add("pickle-parse-error", "error",
                f"{member or 'the pickle'} cannot be walked to its end ({scan.error}): "
                "it cannot be proven safe", member)
    if rules == "torch":
        _opcode_rules(ctx, scan, member)


def _opcode_rules(ctx: Ctx, scan: PickleScan, member: str) -> None:
    """torch.load(weights_only=True) implements only TORCH_OPCODES (docs/security.md, protocol 4)."""
    extra = sorted(set(scan.opcodes) - TORCH_OPCODES, key=lambda n: scan.opcodes[n])
    if not extra:
        return
    crafted = [n for n in extra if n in _CRAFTED_ONLY]
    listed = ", ".join(f"{n}@{scan.opcodes[n]}" for n in extra)
    where = member or "the pickle"
    if crafted:
        ctx.add("pickle-opcode-not-allowed", "error",
                f"{where} uses {listed}: torch.save never writes {', '.join(crafted)} and "
                "torch.load(weights_only=True) refuses them", member)
    else:
        ctx.add("pickle-opcode-not-allowed", "warning",
                f"{where} uses {listed} (a protocol {scan.protocol} save): torch.load(weights_only=True) "
                "refuses it, so users must load it with weights_only=False; re-save with protocol 2 "
                "or convert to safetensors", member)


# ---------------------------------------------------------------- pickles

def _scan_pickles(ctx: Ctx, stream: Stream, member: str, rules: str, *, sniffed: bool, max_count: int = 0,
                  reopen=None) -> bool:
    """Walk the pickles in a row from the stream's position; False if it held no pickle at all.

    `reopen()` gives the stream again from its byte 0 (for the C file loader's reading)."""
    count = 0
    while True:
        start = stream.pos
        # Array bytes are skipped only under joblib's reading; torch reads a data.pkl as opcodes.
        scan = scan_pickle(stream, base=start, joblib=rules == "generic", budget=ctx.budget,
                           persid_fails=rules == "generic",
                           torch=rules != "generic")
        if count == 0 and _legacy_magic(scan) and max_count != LEGACY_TORCH_PICKLES:
            # torch's _legacy_load compares the first pickle's *value* with its magic number, whatever
            # bytes encode it (protocol 0 has no magic bytes): read on as torch does, under its rules.
            rules, max_count, sniffed = "torch", LEGACY_TORCH_PICKLES, False
        if count == 0 and sniffed and not _looks_like_pickle(scan):
            return False
        if count == 0 and _stray_magic(scan, member):
            return False
        if count > 0 and (not scan.complete and not scan.imports):
            # Trailing bytes that are no pickle: the loader stops at the first STOP and ignores them.
            trailing = stream.pos - start + _rest(stream)
            ctx.add("pickle-trailing-bytes", "warning",
                    f"{member or 'the file'} has {trailing} bytes after the pickle that ends at "
                    f"offset {start}; they are not a pickle", member)
            return True
        name = member
        if count > 0 or max_count == LEGACY_TORCH_PICKLES:  # several pickles in a row: say which
            name = f"{member}#pickle{count + 1}@{start}" if member else f"pickle{count + 1}@{start}"
        report_scan(ctx, scan, name, rules)
        _plain_pickle_view(ctx, stream, scan, start, name, rules)
        if count == 0 and reopen is not None:
            _file_loader_view(ctx, reopen, scan, start, name, rules)
        count += 1
        if not scan.complete or stream.at_eof() or (max_count and count >= max_count):
            return True


def _file_loader_view(ctx: Ctx, reopen, scan: PickleScan, start: int, member: str, rules: str) -> None:
    """Where the loaders read the FRAMEs differently, walk the stream again as the C unpickler reads
    a file object without peek (torch's data.pkl, numpy.load and pickle.load on a BytesIO): it can
    import names that pickle.loads never reads (`ollections.OrderedDict` out of `collections`)."""
    if not any(p.kind == "frame-mismatch" for p in scan.problems):
        return
    try:
        view = scan_pickle(CFileView(reopen(), start), base=start, joblib=False, budget=ctx.budget,
                           persid_fails=rules == "generic", torch=rules != "generic", file_view=True)
    except StreamError:
        return  # the first walk's frame disagreement is the error already
    known = {(i.dotted, i.where) for i in scan.imports}
    view.imports = [replace(i, opcode=f"{i.opcode} (read by a file loader)") for i in view.imports
                    if (i.dotted, i.where) not in known]
    view.problems, view.error, view.unscannable, view.opcodes = [], None, None, {}
    if view.imports:
        report_scan(ctx, view, member, rules)
        ctx.pickles -= 1


def _legacy_magic(scan: PickleScan) -> bool:
    return scan.complete and type(scan.result) is int and scan.result == LEGACY_TORCH_MAGIC_NUMBER


def _plain_pickle_view(ctx: Ctx, stream: Stream, scan: PickleScan, start: int, member: str, rules: str) -> None:
    """joblib reads array bytes after NumpyArrayWrapper; pickle.load does not.  Scan both readings."""
    if not any(i.dotted == "joblib.numpy_pickle.NumpyArrayWrapper" for i in scan.imports):
        return
    if not isinstance(stream.src, FileWindow) or stream.limit is not None:
        return  # compressed joblib: only joblib.load reads it; the second reading needs seeking
    reread = Stream(FileWindow(stream.src.f, _abs_start(stream, start)))
    plain = scan_pickle(reread, base=start, joblib=False, budget=ctx.budget)
    known = {(i.dotted, i.where) for i in scan.imports}
    plain.imports = [i for i in plain.imports if (i.dotted, i.where) not in known]
    plain.problems, plain.error, plain.opcodes = [], None, {}
    if plain.imports:
        report_scan(ctx, plain, f"{member} (read by pickle.load)", rules)
        ctx.pickles -= 1


def _abs_start(stream: Stream, start: int) -> int:
    return stream.src.pos - (stream.pos + (len(stream.buf) - stream.bpos)) + start


def _rest(stream: Stream) -> int:
    n = 0
    while True:
        got = stream.skip(1 << 24)
        n += got
        if got < 1 << 24:
            return n


def _stray_magic(scan: PickleScan, member: str) -> bool:
    """A storage that starts with `\x80\x02` by chance: not a pickle name, and it fails before importing."""
    if not member or member.endswith("pkl") or not scan.error or scan.unscannable:
        return False
    return not scan.imports and not scan.problems


def _looks_like_pickle(scan: PickleScan) -> bool:
    """For content without a pickle magic number: would a pickle loader run something in it?

    The judgement is what a loader does from byte 0, not how the bytes look:
    it is a pickle to report when the walk imports a resolvable name before
    the point where every loader fails (an unimportable name, a stack
    underflow, a bad opcode, PROTO > 5 *anywhere*: what came before it has
    already run), or when we cannot walk it to its end.  Calls need a
    callable, and only an import makes one, so "imports before failing"
    covers them.  Text that happens to parse ("0.2.1" is POP, STOP) or prose
    starting with "c" ("cats are nice" names no module) builds no callable.
    """
    return scan.runs_before_failure() or scan.unscannable is not None


# ---------------------------------------------------------------- dispatch

def scan_stream(ctx: Ctx, stream: Stream, member: str, depth: int, *, rules: str = "generic",
                opener=None, reopen=None) -> None:
    """Find the pickles in one byte stream (a file, a member, a decompressed body).

    `opener()` gives random access (f, start, length) when the stream is a
    window of a real file; zips are read through it (or spooled first).
    `reopen()` gives a fresh Stream of the same bytes from their start.

    Sniffing may add facts, it never removes a scan: whatever the first
    bytes look like (a zip, bz2, npy, a tar), the stream is also walked as
    a pickle from byte 0, as pickle.load would read it (docs/security.md).
    """
    head = stream.peek(512)
    kind = sniff(head)
    # torch.load tries a non-zip file as a tar first: a stream that is both gets both scans.
    also_tar = is_tar_header(head)
    if kind is None and also_tar:
        kind, also_tar = "tar", False
    if reopen is None and (also_tar or kind not in (None, "pickle", "torch-legacy")):
        # a stream we cannot read twice: spool it, then read the copy twice
        with tempfile.TemporaryFile() as tmp:
            _copy(stream, tmp)
            size = tmp.tell()
            scan_stream(ctx, Stream(FileWindow(tmp, 0, size)), member, depth, rules=rules,
                        opener=lambda: (tmp, 0, size), reopen=lambda: Stream(FileWindow(tmp, 0, size)))
        return
    if also_tar:
        _scan_other(ctx, reopen(), "tar", member, depth, opener, reopen)
    if kind == "torch-legacy":
        _scan_pickles(ctx, stream, member, "torch", sniffed=False, max_count=LEGACY_TORCH_PICKLES, reopen=reopen)
    elif kind == "pickle":
        _scan_pickles(ctx, stream, member, rules, sniffed=False, reopen=reopen)
    elif kind is None:
        _scan_pickles(ctx, stream, member, rules, sniffed=True, reopen=reopen)
    else:
        # a polyglot: also a pickle from byte 0
        _scan_pickles(ctx, stream, member, rules, sniffed=True, reopen=reopen)
        _scan_other(ctx, reopen(), kind, member, depth, opener, reopen)
    # Files only (members stay unread), and not legacy torch files: torch tells a zip by its first bytes.
    if kind not in ("zip", "tar", "torch-legacy") and opener is not None and depth == 0:
        _appended_zip(ctx, *opener(), member, depth)


def _scan_other(ctx: Ctx, stream: Stream, kind: str, member: str, depth: int, opener, reopen) -> None:
    """The container or compressed format the first bytes name."""
    if kind in ("zip", "tar"):
        if depth >= MAX_DEPTH:
            ctx.add("archive-nesting-too-deep", "error", f"{member}: archive nested more than {MAX_DEPTH} deep "
                    "is not scanned", member)
            return
        scanner = scan_zip if kind == "zip" else scan_tar
        if opener is not None:
            scanner(ctx, *opener(), member, depth + 1)
        else:
            with tempfile.TemporaryFile() as tmp:
                _copy(stream, tmp)
                scanner(ctx, tmp, 0, tmp.tell(), member, depth + 1)
    elif kind == "npy":
        _scan_npy(ctx, stream, member, reopen)
    else:
        _scan_compressed(ctx, stream, kind, member, depth, reopen)


def _appended_zip(ctx: Ctx, f: BinaryIO, base: int, size: int, member: str, depth: int) -> None:
    """A polyglot: loaders that read a zip from its end (zipfile) see members a pickle reader never does."""
    tail_len = min(size, 65535 + 22)
    f.seek(base + size - tail_len)
    if f.read(tail_len).rfind(b"PK\x05\x06") < 0:
        return
    before = len(ctx.findings)
    scan_zip(ctx, f, base, size, f"{member}(zip)" if member else "(zip)", depth + 1)
    if ctx.findings[before:] and all(x.tag == "archive-unreadable" for x in ctx.findings[before:]):
        del ctx.findings[before:]  # an EOCD signature by chance inside data, not a zip


def scan_tar(ctx: Ctx, f: BinaryIO, base: int, size: int, prefix: str, depth: int) -> None:
    """A tar (the pre-1.0 torch tar format, or a tarball of a model): every regular member is sniffed."""
    import tarfile
    f.seek(base)
    try:
        with tarfile.open(fileobj=_Window(f, base, size), mode="r:") as tar:
            for info in tar:
                if not info.isreg():
                    continue
                member = f"{prefix}!{info.name}" if prefix else info.name
                start = base + info.offset_data
                # torch's legacy tar loader reads `pickle` with its UnpicklerWrapper and persistent_load
                rules = "torch" if info.name == "pickle" else "generic"
                scan_stream(ctx, Stream(FileWindow(f, start, info.size)), member, depth, rules=rules,
                            opener=lambda start=start, n=info.size: (f, start, n),
                            reopen=lambda start=start, n=info.size: Stream(FileWindow(f, start, n)))
    except (tarfile.TarError, OSError) as exc:
        ctx.add("archive-unreadable", "error", f"{prefix or 'the tar'}: {exc}", prefix)


class _Window:
    """A seekable file view of f[base:base+size], for tarfile."""

    def __init__(self, f: BinaryIO, base: int, size: int):
        self.f, self.base, self.size, self.pos = f, base, size, 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.pos if n is None or n < 0 else min(n, self.size - self.pos)
        self.f.seek(self.base + self.pos)
        data = self.f.read(max(0, n))
        self.pos += len(data)
        return data

    def seek(self, pos: int, whence: int = 0) -> int:
        self.pos = {0: pos, 1: self.pos + pos, 2: self.size + pos}[whence]
        return self.pos

    def tell(self) -> int:
        return self.pos


def _copy(stream: Stream, out: BinaryIO) -> None:
    while True:
        data = stream.read(1 << 20)
        if not data:
            return
        out.write(data)


class InflateLimit(StreamError):
    """The file's decompression budget (Ctx.inflate) is spent: a bomb, or a model we will not read through."""


class _Capped:
    """A decompressed source that charges what it produces to the file's budget."""

    def __init__(self, src, ctx: Ctx):
        self.src, self.ctx = src, ctx

    def _charge(self, n: int) -> None:
        self.ctx.inflate -= n
        if self.ctx.inflate < 0:
            self.ctx.inflate_spent = True
            raise InflateLimit("decompression budget of the file spent")

    def read(self, n: int) -> bytes:
        data = self.src.read(n)
        self._charge(len(data))
        return data

    def skip(self, n: int) -> int:
        got = self.src.skip(min(n, max(self.ctx.inflate, 0) + 1))
        self._charge(got)
        return got


def _zstd_source(stream: Stream):
    """zstd has no stdlib reader: formats/compressed.py opens it (python3-zstandard or the zstd command)
    on a spooled copy of the compressed bytes (their size is the file's, not the bomb's)."""
    from ..formats import compressed

    tmp = tempfile.NamedTemporaryFile(prefix="mlmodel-zst-")
    _copy(stream, tmp)
    tmp.flush()
    opened = compressed.Opened(Path(tmp.name), "zstd")
    opened.keep = tmp  # the copy lives as long as the reader
    return opened


def _lz4_source(stream: Stream):
    """python3-lz4 when importable (C speed, so a bomb costs seconds), else our pure-Python decoder."""
    try:
        import lz4.frame
    except ImportError:
        return Lz4Frame(stream)
    return _Skippable(lz4.frame.LZ4FrameFile(stream))


class _Skippable:
    def __init__(self, f):
        self.f = f

    def read(self, n: int) -> bytes:
        try:
            return self.f.read(n)
        except (RuntimeError, EOFError, OSError, ValueError) as exc:
            raise StreamError(f"corrupt lz4 frame: {exc}") from None

    def skip(self, n: int) -> int:
        return skip_by_reading(self.read, n)


def _decompressed(stream: Stream, kind: str, ctx: Ctx) -> Stream:
    """The decompressed body of `stream` (read from its current position), charged to ctx.inflate."""
    if kind == "lz4":
        source = _lz4_source(stream)
    elif kind == "zstd":
        source = _zstd_source(stream)
    elif kind == "joblib-zf":  # joblib < 0.10: "ZF" + hex length padded to 19, then zlib
        stream.skip(2 + 19)
        source = Decompressed(stream, decompressor_for("zlib"))
    else:
        source = Decompressed(stream, decompressor_for(kind), multistream=kind)
    return Stream(_Capped(source, ctx))


def _scan_compressed(ctx: Ctx, stream: Stream, kind: str, member: str, depth: int, reopen=None) -> None:
    """A joblib dump with compress=…, or a model file gzip'ed whole: one compressed stream to scan."""
    from ..formats.compressed import NotOpened

    label = f"{member}[{kind}]" if member else f"[{kind}]"
    try:
        inner = _decompressed(stream, kind, ctx)
        if not inner.peek(2):
            return
    except NotOpened as exc:
        ctx.add("archive-not-scanned", "error", f"{label}: zstd stream: {exc}, so what it holds cannot be "
                "proven safe", member)
        return
    except StreamError as exc:
        if kind == "zlib" and not member:
            return  # a text file that happens to start with "x" and a valid zlib check byte
        ctx.add("compressed-data-unreadable", "warning", f"{label}: {exc}", member)
        return
    inner_reopen = (lambda: _decompressed(reopen(), kind, ctx)) if reopen is not None else None
    try:
        scan_stream(ctx, inner, label, depth + 1, reopen=inner_reopen)
    except InflateLimit:
        pass  # said once, below
    except StreamError as exc:
        ctx.add("pickle-parse-error", "error", f"{label}: decompression failed: {exc}", member)
    if ctx.inflate_spent and not ctx.inflate_said:
        ctx.inflate_said = True
        ctx.add("compressed-data-too-large", "error", f"{label}: decompresses to more than the scan's budget "
                f"(max({INFLATE_FLOOR >> 20} MiB, {INFLATE_RATIO} x the file's size)): a compression bomb, "
                "or a model too large to prove safe; what lies past it was not scanned", member)


def _scan_npy(ctx: Ctx, stream: Stream, member: str, reopen=None) -> None:
    """A .npy: a pickle payload follows the header when the dtype holds objects (numpy _format_impl.py).

    With allow_pickle=True numpy ignores its header size limit, so only a
    header too large to read at all stops the scan, and that is an error.
    """
    from ..formats.numpy import dtype_objects, object_finding, parse_header_text
    head = stream.read(8)
    major = head[6]
    size_fmt = "<H" if major == 1 else "<I"
    raw = stream.read(struct.calcsize(size_fmt))
    if len(raw) != struct.calcsize(size_fmt):
        return
    (hlen,) = struct.unpack(size_fmt, raw)
    where = member or "the file"
    if hlen > 1 << 20:
        f = object_finding("unknown", ctx.relpath, member)
        ctx.add(f.tag, f.severity, f"{where}: .npy header of {hlen} bytes is not read, and "
                "np.load(allow_pickle=True) would read it", member)
        return
    text = stream.read(hlen).decode("utf-8" if major >= 3 else "latin-1", "replace")
    try:
        header = parse_header_text(text, major)
        descr = header["descr"]
    except (ValueError, SyntaxError, KeyError, TypeError, RecursionError, MemoryError, IndentationError):
        ctx.add("numpy-header-invalid", "warning", f"{where}: unreadable .npy header", member)
        return
    verdict = dtype_objects(descr)
    if not verdict:
        return
    f = object_finding(verdict, ctx.relpath, member)
    ctx.add(f.tag, f.severity, f"{where} ({descr!r}): np.load needs allow_pickle=True, which unpickles it"
            if verdict == "object" else f.message, member)
    payload = f"{member}[pickle]" if member else "[pickle]"
    _scan_pickles(ctx, stream, payload, "generic", sniffed=False, reopen=reopen)


# ---------------------------------------------------------------- zip

@dataclass(frozen=True)
class ZipEntry:
    name: str
    method: int
    flags: int
    csize: int
    usize: int
    data_start: int  # absolute offset in the file


def _union(readings: list[list[ZipEntry]]) -> list[ZipEntry]:
    """The entries of every reading, in order, each once (a set: a list lookup made 40k members quadratic)."""
    seen: set[ZipEntry] = set()
    out: list[ZipEntry] = []
    for reading in readings:
        for e in reading:
            if e not in seen:
                seen.add(e)
                out.append(e)
    return out


def zip_entries(f: BinaryIO, base: int, size: int) -> list[ZipEntry]:
    """The members of a zip at f[base:base+size], CRCs and flags ignored: every reading's (see zip_readings)."""
    return _union(zip_readings(f, base, size))


def zip_readings(f: BinaryIO, base: int, size: int) -> list[list[ZipEntry]]:
    """Every member list a zip reader could take from f[base:base+size], distinct ones only.

    Readers disagree on which EOCD counts (miniz, torch's reader: the last signature with room for a
    record; strict readers: the one whose comment ends the file), on the zip64 record (miniz takes it
    whenever the locator is there), and on where the central directory is (miniz: the offset as
    written; zipfile: right before the EOCD, shifting every member by the difference, as for a
    self-extractor).  We take each plausible reading; more than one is a disagreement (scan_zip).
    """
    tail_len = min(size, 65535 + 22 + 56 + 20)
    tail_start = base + size - tail_len
    f.seek(tail_start)
    tail = f.read(tail_len)
    layouts: list[tuple[int, int, int]] = []  # (central directory start, size, member offset shift)
    for at in _eocd_candidates(tail):
        eocd = tail_start + at
        _count, cd_size, cd_off = struct.unpack("<HII", tail[at + 10:at + 20])
        zip64 = at >= 20 and tail[at - 20:at - 16] == b"PK\x06\x07"
        values = [(cd_size, cd_off)]
        z64 = _zip64_eocd(f, eocd) if zip64 else None
        if z64:
            values.append(z64[1:])
        before = eocd - (20 + 56 if zip64 else 0)
        for size_, off in values:
            for layout in ((base + off, size_, 0), (before - size_, size_, before - size_ - (base + off))):
                if layout not in layouts:
                    layouts.append(layout)
    if not layouts:
        return [_local_entries(f, base, size)]
    readings: list[list[ZipEntry]] = []
    for cd_start, cd_size, shift in layouts:
        reading = _central_directory(f, base, size, cd_start, cd_size, shift)
        if reading is not None and reading not in readings:
            readings.append(reading)
    if not readings:
        raise ContainerError("zip central directory out of bounds")
    return readings


def _eocd_candidates(tail: bytes) -> list[int]:
    """Offsets in `tail` of the EOCDs a reader may take: the last one with room for its 22 bytes
    (miniz), and the last one whose comment length ends the file (strict readers)."""
    out: list[int] = []
    at = len(tail)
    while True:
        at = tail.rfind(b"PK\x05\x06", 0, at)
        if at < 0:
            return out
        if len(tail) - at >= 22:
            exact = struct.unpack("<H", tail[at + 20:at + 22])[0] == len(tail) - at - 22
            if not out or exact:
                if at not in out:
                    out.append(at)
                if exact:
                    return out


def _central_directory(f: BinaryIO, base: int, size: int, cd_start: int, cd_size: int,
                       shift: int) -> list[ZipEntry] | None:
    """The members a central directory at cd_start lists, or None if there is none there."""
    if cd_size > 1 << 28 or cd_start < base or cd_start + cd_size > base + size:
        return None
    f.seek(cd_start)
    cd = f.read(cd_size)
    if cd[:4] != b"PK\x01\x02" and cd_size:
        return None
    entries, i = [], 0
    while i + 46 <= len(cd) and cd[i:i + 4] == b"PK\x01\x02":
        flags, method = struct.unpack("<HH", cd[i + 8:i + 12])
        csize, usize = struct.unpack("<II", cd[i + 20:i + 28])
        nlen, elen, clen = struct.unpack("<HHH", cd[i + 28:i + 34])
        (lho,) = struct.unpack("<I", cd[i + 42:i + 46])
        name = cd[i + 46:i + 46 + nlen].decode("utf-8", "replace")
        extra = cd[i + 46 + nlen:i + 46 + nlen + elen]
        usize, csize, lho = _zip64_extra(extra, usize, csize, lho)
        start = _local_data_start(f, base + lho + shift, base + size)
        if start is not None:
            entries.append(ZipEntry(name, method, flags, csize, usize, start))
        i += 46 + nlen + elen + clen
    return entries


def _zip64_eocd(f: BinaryIO, eocd: int):
    f.seek(max(0, eocd - 20))
    loc = f.read(20)
    if loc[:4] != b"PK\x06\x07":
        return None
    (rec,) = struct.unpack("<Q", loc[8:16])
    f.seek(rec)
    z = f.read(56)
    if z[:4] != b"PK\x06\x06":
        return None
    count, cd_size, cd_off = struct.unpack("<QQQ", z[32:56])
    return count, cd_size, cd_off


def _zip64_extra(extra: bytes, usize: int, csize: int, lho: int):
    i = 0
    while i + 4 <= len(extra):
        hid, hlen = struct.unpack("<HH", extra[i:i + 4])
        if hid == 1:
            vals = list(struct.unpack(f"<{min(hlen // 8, 3)}Q", extra[i + 4:i + 4 + 8 * min(hlen // 8, 3)]))
            if usize == 0xFFFFFFFF and vals:
                usize = vals.pop(0)
            if csize == 0xFFFFFFFF and vals:
                csize = vals.pop(0)
            if lho == 0xFFFFFFFF and vals:
                lho = vals.pop(0)
        i += 4 + hlen
    return usize, csize, lho


def _local_data_start(f: BinaryIO, lho: int, end: int) -> int | None:
    f.seek(lho)
    head = f.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return None
    nlen, elen = struct.unpack("<HH", head[26:30])
    start = lho + 30 + nlen + elen
    return start if start <= end else None


def _local_entries(f: BinaryIO, base: int, size: int) -> list[ZipEntry]:
    """No central directory (a truncated zip): walk the local headers that carry their sizes."""
    entries, pos = [], base
    while pos + 30 <= base + size:
        f.seek(pos)
        head = f.read(30)
        if head[:4] != b"PK\x03\x04":
            break
        flags, method = struct.unpack("<HH", head[6:10])
        csize, usize, nlen, elen = struct.unpack("<IIHH", head[18:30])
        name = f.read(nlen).decode("utf-8", "replace")
        start = pos + 30 + nlen + elen
        if flags & 8 and csize == 0:
            break  # sizes only in a data descriptor: cannot find the next header safely
        entries.append(ZipEntry(name, method, flags, csize, usize, start))
        pos = start + csize
    return entries


def member_stream(f: BinaryIO, e: ZipEntry, end: int) -> Stream:
    length = max(0, min(e.csize, end - e.data_start))
    raw = FileWindow(f, e.data_start, length)
    if e.method == 0:
        return Stream(raw)
    kind = {8: "deflate", 12: "bz2", 14: "lzma"}.get(e.method)
    if kind is None:
        raise ContainerError(f"compression method {e.method} is not supported")
    if kind == "lzma":  # zip's lzma: 4-byte header then properties; decode with the raw filter
        return Stream(_ZipLzma(raw))
    return Stream(Decompressed(raw, decompressor_for(kind)))


class _ZipLzma:
    """Zip method 14: version (2), properties size (2), LZMA1 properties, then raw LZMA1 data."""

    def __init__(self, raw: FileWindow):
        import lzma
        head = raw.read(4)
        psize = struct.unpack("<H", head[2:4])[0] if len(head) == 4 else 0
        props = raw.read(psize)
        filt = lzma._decode_filter_properties(lzma.FILTER_LZMA1, props)  # stdlib helper, as zipfile does
        self.inner = Decompressed(raw, lzma.LZMADecompressor(lzma.FORMAT_RAW, filters=[filt]))

    def read(self, n: int) -> bytes:
        return self.inner.read(n)

    def skip(self, n: int) -> int:
        return self.inner.skip(n)


def scan_zip(ctx: Ctx, f: BinaryIO, base: int, size: int, prefix: str, depth: int) -> None:
    try:
        readings = zip_readings(f, base, size)
    except (ContainerError, struct.error, OSError) as exc:
        ctx.add("archive-unreadable", "error", f"{prefix or 'the zip'}: {exc}", prefix)
        return
    entries = _union(readings)
    if len(readings) > 1:  # like a FRAME disagreement: each reading is scanned, and the file is an error
        listed = "; ".join(", ".join(f"{e.name}@{e.data_start}" for e in r[:4]) or "nothing" for r in readings)
        ctx.add("archive-unreadable", "error", f"{prefix or 'the zip'}: zip readers disagree on its members "
                f"({len(readings)} readings of its end records: {listed}); every reading is scanned", prefix)
    names = [e.name for e in entries]
    torchscript = any("/code/" in n or n.startswith("code/") for n in names) and any(
        n.endswith("constants.pkl") or n.endswith("data.pkl") for n in names)
    torch_zip = any(n.endswith("/data.pkl") or n == "data.pkl" for n in names)
    if torchscript:
        code = [n for n in names if ("/code/" in n or n.startswith("code/")) and not n.endswith("/")]
        ctx.add("torchscript-code", "warning",
                f"{prefix + '!' if prefix else ''}TorchScript archive carries {len(code)} code file(s) "
                f"(e.g. {code[0] if code else '-'}) that torch.jit.load compiles and runs", prefix)
    for e in entries:
        if e.name.endswith("/"):
            continue
        ctx.budget.ops -= MEMBER_COST  # opening a member costs CPU whatever it holds (a zip of 100k tiny ones)
        if ctx.budget.ops <= 0:
            ctx.add("pickle-unscannable-data", "error", f"{prefix or 'the zip'}: {len(entries)} members exhaust "
                    "the scan budget (pickle_scan.MAX_OPS); the rest is not scanned", prefix)
            return
        member = f"{prefix}!{e.name}" if prefix else e.name
        rules = "generic"
        if torchscript:  # torch's C++ unpickler reads data.pkl, constants.pkl and *.debug_pkl
            rules = "torchscript"
        elif torch_zip and (e.name.endswith("/data.pkl") or e.name == "data.pkl"):
            rules = "torch"
        try:
            stream = member_stream(f, e, base + size)
            opener = (lambda e=e: (f, e.data_start, e.csize)) if e.method == 0 else None
            scan_stream(ctx, stream, member, depth, rules=rules, opener=opener,
                        reopen=lambda e=e: member_stream(f, e, base + size))
        except (ContainerError, StreamError) as exc:
            ctx.add("archive-member-unscannable", "error", f"{member}: {exc}", member)


# ---------------------------------------------------------------- files

PICKLE_FAMILY_TAG = "pickle-format-used"


def scan_file(path: Path, relpath: str | None = None) -> tuple[Finding, ...]:
    """Every pickle-related finding for one file on disk (usable on its own)."""
    relpath = relpath if relpath is not None else path.name
    ctx = Ctx(relpath, [])
    try:
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            f.seek(0)
            ctx.inflate = max(INFLATE_FLOOR, INFLATE_RATIO * size)
            stream = Stream(FileWindow(f, 0, size))
            scan_stream(ctx, stream, "", 0, opener=lambda: (f, 0, size),
                        reopen=lambda: Stream(FileWindow(f, 0, size)))
    except OSError as exc:
        ctx.add("file-unreadable", "error", f"cannot read: {exc.strerror or exc}", "")
    except (StreamError, ContainerError, RecursionError, MemoryError) as exc:
        ctx.add("pickle-parse-error", "error", f"scan failed: {exc}", "")
    if ctx.pickles:
        ctx.findings.insert(0, Finding(PICKLE_FAMILY_TAG, "info",
                                       f"pickle format ({ctx.pickles} pickle(s)): loading it can run code; "
                                       "prefer safetensors", relpath, ""))
    return tuple(ctx.findings)
