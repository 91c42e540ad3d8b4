"""Outsider attacks on `mlmodel inspect`: model files that run code in a real loader.

Each test builds its sample in Python (no committed binaries), first proves with the
real loader in a throwaway subprocess that the payload runs (it only prints a marker),
then asserts what should happen: `mlmodel inspect` exits non-zero with an error
finding that names the imported callable (`print`).
"""
from __future__ import annotations

import bz2
import io
import lzma
import pickle
import struct
import subprocess
import sys
import tarfile
import zipfile
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER = "MLMODEL-ATTACK-MARKER"


class _Payload:
    """Pickles as `print(MARKER)`: harmless, but it is a call of an imported builtin."""

    def __reduce__(self):
        return (print, (MARKER,))


def payload_pickle(protocol: int = 2) -> bytes:
    return pickle.dumps(_Payload(), protocol=protocol)


def run_loader(code: str, path: Path) -> str:
    """Run `code` (with `path` as sys.argv[1]) in a fresh interpreter; its stdout."""
    proc = subprocess.run([sys.executable, "-W", "ignore", "-c", code, str(path)], capture_output=True,
                          text=True, timeout=300)
    return proc.stdout + proc.stderr


def assert_loader_runs_payload(code: str, path: Path) -> None:
    out = run_loader(code, path)
    assert MARKER in out, f"the real loader did not run the payload (so the sample is wrong): {out[-2000:]}"


def inspect(model_dir: Path) -> tuple[int, str]:
    proc = subprocess.run([sys.executable, str(ROOT / "bin" / "mlmodel"), "inspect", "--no-hash", str(model_dir)],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    return proc.returncode, proc.stdout + proc.stderr


def assert_inspect_refuses(model_dir: Path, callable_name: str = "print") -> None:
    rc, out = inspect(model_dir)
    errors = [line for line in out.splitlines() if line.strip().startswith("E:")]
    assert rc != 0 and any(callable_name in line for line in errors), (
        f"mlmodel inspect let a payload that runs `{callable_name}` through (exit {rc}):\n{out}")


# ---------------------------------------------------------------- torch legacy tar checkpoints

def v7_tar(members: dict[str, bytes]) -> bytes:
    """A pre-POSIX (V7) tar: no `ustar` magic at offset 257, which tarfile reads all the same."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    out = bytearray(buf.getvalue())
    pos = 0
    while pos + 512 <= len(out) and out[pos:pos + 512] != bytes(512):
        header = out[pos:pos + 512]
        size = int(header[124:136].rstrip(b"\0 ") or b"0", 8)
        header[257:512] = bytes(255)  # magic, version, uname, gname, devs, prefix
        header[148:156] = b" " * 8
        header[148:156] = b"%06o\0 " % sum(header)
        out[pos:pos + 512] = header
        pos += 512 + (size + 511) // 512 * 512
    return bytes(out)


TORCH_LOAD = "import sys, torch; torch.load(sys.argv[1], weights_only=False)"


def test_torch_legacy_tar_without_ustar_magic(tmp_path):
    """torch.load's legacy tar loader (tarfile, checksum only) unpickles the `storages` member."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    path.write_bytes(v7_tar({"storages": payload_pickle(), "tensors": pickle.dumps(0, 2),
                             "pickle": pickle.dumps({}, 2)}))
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


# ---------------------------------------------------------------- joblib compressor prefixes

JOBLIB_LOAD = "import sys, joblib; joblib.load(sys.argv[1])"


def test_joblib_zfile_length_without_0x(tmp_path):
    """joblib's pre-0.10 format is `ZF` + a hex length that int(…, 16) reads: `0x` is optional."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "model.joblib"
    pk = payload_pickle()
    path.write_bytes(b"ZF" + f"{len(pk):x}".ljust(19).encode() + zlib.compress(pk))
    assert_loader_runs_payload(JOBLIB_LOAD, path)
    assert_inspect_refuses(model)


def test_joblib_lzma_alone_small_dictionary(tmp_path):
    """joblib calls a file lzma when it starts `5d 00`; with a 4 KiB dictionary the third byte is 0x10."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "model.joblib"
    path.write_bytes(lzma.compress(payload_pickle(), format=lzma.FORMAT_ALONE,
                                   filters=[{"id": lzma.FILTER_LZMA1, "dict_size": 4096}]))
    assert_loader_runs_payload(JOBLIB_LOAD, path)
    assert_inspect_refuses(model)


def _lz4(data: bytes) -> bytes:
    import lz4.frame
    return lz4.frame.compress(data)


@pytest.mark.parametrize("compress", [bz2.compress, lzma.compress, _lz4], ids=["bz2", "xz", "lz4"])
def test_joblib_multistream_compressed_protocol1(tmp_path, compress):
    """joblib's readers go on into the next bz2/xz stream (lz4 frame); the scanner stops after the first.

    A protocol 1 pickle has no magic, so the first stream (`c__b`, a cut GLOBAL) imports nothing
    and is judged no pickle; the second stream holds the rest of the GLOBAL and the call.
    """
    model = tmp_path / "model"
    model.mkdir()
    path = model / "model.joblib"
    pk = payload_pickle(protocol=1)
    path.write_bytes(compress(pk[:4]) + compress(pk[4:]))
    assert_loader_runs_payload(JOBLIB_LOAD, path)
    assert_inspect_refuses(model)


# ---------------------------------------------------------------- torch zip: the EOCD a reader picks

def stored_zip(members: list[tuple[str, bytes]], *, junk_after: int | None = None, junk: bytes = b"",
               comment: bytes = b"") -> bytes:
    """A stored (method 0) zip, optionally with junk after one member's data and an archive comment."""
    out, cd = bytearray(), bytearray()
    for i, (name, data) in enumerate(members):
        nb, crc, off = name.encode(), zlib.crc32(data), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, len(data), len(data), len(nb), 0)
        out += nb + data
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, len(data), len(data),
                          len(nb), 0, 0, 0, 0, 0, off) + nb
        if i == junk_after:
            out += junk
    cd_off = len(out)
    out += cd
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), cd_off, len(comment))
    return bytes(out + comment)


def test_torch_zip_comment_with_eocd_signature_near_end(tmp_path):
    """miniz (torch) takes the last EOCD signature with 22 bytes after it; the scanner takes the very
    last one, finds no room for a record there, and falls back to walking local headers, which stops
    at a few junk bytes before archive/data.pkl."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    members = [("archive/version", b"3\n"), ("archive/byteorder", b"little"),
               ("archive/data.pkl", payload_pickle())]
    path.write_bytes(stored_zip(members, junk_after=1, junk=b"JUNK", comment=b"xx" + b"PK\x05\x06" + bytes(10)))
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


# ---------------------------------------------------------------- torch legacy: the magic number in protocol 0

def test_torch_legacy_protocol0_magic_number(tmp_path):
    """torch's _legacy_load reads five pickles in a row and only compares the first one's value with its
    magic number.  Written in protocol 0 (`L…L\\n.`) the first pickle has no magic bytes and imports
    nothing, so the scanner judges the file no pickle after it and never walks the four that follow."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    sys_info = {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}
    path.write_bytes(pickle.dumps(0x1950A86A20F9469CFC6C, protocol=0) + pickle.dumps(1001, 2)
                     + pickle.dumps(sys_info, 2) + payload_pickle() + pickle.dumps([], 2))
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


# ---------------------------------------------------------------- torch zip: where the central directory is

def _local_header(name: str, data: bytes) -> bytes:
    nb = name.encode()
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, zlib.crc32(data), len(data), len(data),
                       len(nb), 0) + nb + data


def _central_header(name: str, data: bytes, offset: int) -> bytes:
    nb = name.encode()
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, zlib.crc32(data), len(data),
                       len(data), len(nb), 0, 0, 0, 0, 0, offset) + nb


def test_torch_zip_two_central_directories(tmp_path):
    """The EOCD's central-directory offset points at directory B, while directory A (same size) sits just
    before the EOCD.  zipfile and the scanner read A (`eocd - cd_size`) and shift every member offset by
    the difference, as for a self-extractor; miniz (torch) reads B at the stated offset, unshifted.  A
    names a harmless archive/data.pkl, B the payload one."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    safe, bad = pickle.dumps({}, protocol=2), payload_pickle()
    out, offsets = bytearray(), {}
    for key, name, data in [("pad", "archive/padding", bytes(256)), ("version", "archive/version", b"3\n"),
                            ("safe", "archive/data.pkl", safe), ("bad", "archive/data.pkl", bad)]:
        offsets[key] = len(out)
        out += _local_header(name, data)
    cd_b = _central_header("archive/version", b"3\n", offsets["version"]) + \
        _central_header("archive/data.pkl", bad, offsets["bad"])
    cd_b_offset = len(out)
    out += cd_b
    shift = len(cd_b)
    cd_a = _central_header("archive/version", b"3\n", offsets["version"] - shift) + \
        _central_header("archive/data.pkl", safe, offsets["safe"] - shift)
    assert len(cd_a) == len(cd_b)
    out += cd_a + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(cd_a), cd_b_offset, 0)
    path.write_bytes(bytes(out))
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


def test_torch_legacy_magic_that_is_also_a_ustar_tar(tmp_path):
    """torch.load tries the legacy tar loader before the legacy pickle one.  A ustar tar whose first
    member's name is the legacy magic pickle is, to the scanner, a torch-legacy file (sniffed first, so
    its tar members are never opened); torch opens it as a tar and unpickles `storages`."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    magic = bytes.fromhex("80028a0a6cfc9c46f9206aa85019") + b"."
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in [("A" * len(magic), b""), ("storages", payload_pickle()),
                           ("tensors", pickle.dumps(0, 2)), ("pickle", pickle.dumps({}, 2))]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    out = bytearray(buf.getvalue())
    header = out[:512]
    header[:len(magic)] = magic
    header[148:156] = b" " * 8
    header[148:156] = b"%06o\0 " % sum(header)
    out[:512] = header
    path.write_bytes(bytes(out))
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


def test_torch_zip_protocol1_storage_name_in_unimportable_module(tmp_path):
    """torch's UnpicklerWrapper.find_class returns StorageType(name) for any name containing "Storage"
    before it imports the module, so `GLOBAL '-' 'FloatStorage'` resolves.  The scanner calls that
    name unimportable ("every loader fails there"); in a protocol 1 data.pkl (no magic, judged by
    what runs before the failure) it then ignores the payload that follows."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    data_pkl = b"c-\nFloatStorage\n0" + payload_pickle(protocol=1)  # GLOBAL, POP, then the payload
    path.write_bytes(stored_zip([("archive/version", b"3\n"), ("archive/data.pkl", data_pkl)]))
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


def test_torch_legacy_tar_pickle_member_protocol1_persid(tmp_path):
    """In a tar's members the scanner assumes a loader without persistent_load, so a BINPERSID is
    where "every loader fails"; torch's legacy tar loader has one (a tuple id returns its first item).
    In a protocol 1 `pickle` member (judged by what runs before the failure) the payload after the
    BINPERSID is then ignored."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    persid = b"(X\x01\x00\x00\x00xK\x00tQ0"  # MARK, 'x', 0, TUPLE, BINPERSID, POP
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in [("storages", pickle.dumps(0, 2) + pickle.dumps([], 2)), ("tensors", pickle.dumps(0, 2)),
                           ("pickle", persid + payload_pickle(protocol=1))]:
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), 0
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


# ---------------------------------------------------------------- joblib array data: where it ends

def _binunicode(s: str) -> bytes:
    b = s.encode()
    return b"X" + len(b).to_bytes(4, "little") + b


def test_joblib_array_dtype_state_in_version1_layout(tmp_path):
    """joblib reads count * dtype.itemsize bytes of array data after a NumpyArrayWrapper's BUILD.
    numpy's dtype.__setstate__ takes a 6-tuple as (version, byteorder, subarray, fields, elsize,
    alignment); the scanner always reads elsize at index 5, so with (1, '|', None, None, 16, 1) it
    skips 1 byte where joblib skips 16, and walks a harmless STOP where joblib reads the payload."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "model.joblib"
    elsize, alignment = 16, 1
    head = (b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81"
            + b"}(" + _binunicode("subclass") + b"cnumpy\nndarray\n"
            + _binunicode("shape") + b"K\x01\x85"
            + _binunicode("order") + _binunicode("C")
            + _binunicode("dtype") + b"cnumpy\ndtype\n" + _binunicode("V8") + b"\x89\x88\x87R"
            + b"(K\x01" + _binunicode("|") + b"NNK" + bytes([elsize]) + b"K" + bytes([alignment]) + b"tb"
            + _binunicode("allow_mmap") + b"\x89" + b"ub")
    data = bytearray(elsize)
    data[0:1] = b"."  # what pickle.load reads after the BUILD
    data[alignment:alignment + 2] = b".\xff"  # what the scanner reads: STOP, then bytes that are no pickle
    payload = b"0c__builtin__\nprint\n" + _binunicode(MARKER) + b"\x85R."  # what joblib reads: POP, the call
    path.write_bytes(head + bytes(data) + payload)
    assert_loader_runs_payload(JOBLIB_LOAD, path)
    assert_inspect_refuses(model)


def test_joblib_array_alignment_set_by_init_not_by_build(tmp_path):
    """joblib reads the padding byte when the wrapper *has* numpy_array_alignment_bytes, whoever set it;
    the scanner looks for the key only in the BUILD state.  Built by REDUCE (its __init__ sets the
    alignment to 16) and then BUILT with a state without the key, joblib reads a pad byte (8), 8 pad
    bytes and 8 data bytes, the scanner only 8 data bytes, and it walks a STOP where joblib has data."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "model.joblib"
    dtype = (b"cnumpy\ndtype\n" + _binunicode("f8") + b"\x89\x88\x87R"
             + b"(K\x03" + _binunicode("<") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
    head = (b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n"
            + b"(cnumpy\nndarray\nK\x01\x85" + _binunicode("C") + dtype + b"\x89K\x10tR"
            + b"}(" + _binunicode("subclass") + b"cnumpy\nndarray\n" + _binunicode("shape") + b"K\x01\x85"
            + _binunicode("order") + _binunicode("C") + _binunicode("dtype") + dtype
            + _binunicode("allow_mmap") + b"\x89ub")
    data = bytearray(17)
    data[0] = 8  # joblib: a padding of 8 bytes, then the 8 bytes of the float64
    data[8:10] = b".\xff"  # the scanner, which skipped 8 bytes: STOP, then bytes that are no pickle
    payload = b"0c__builtin__\nprint\n" + _binunicode(MARKER) + b"\x85R."
    path.write_bytes(head + bytes(data) + payload)
    assert_loader_runs_payload(JOBLIB_LOAD, path)
    assert_inspect_refuses(model)


def test_torch_zip_zip64_record_names_another_central_directory(tmp_path):
    """With a zip64 locator before the EOCD, miniz (torch) takes the central directory from the zip64
    record; the scanner keeps the 32-bit EOCD's values unless they are 0xFFFFFFFF.  The 32-bit EOCD
    names directory A (a harmless archive/data.pkl), the zip64 record directory B (the payload)."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    safe, bad = pickle.dumps({}, protocol=2), payload_pickle()
    out, offsets = bytearray(), {}
    for key, name, data in [("version", "archive/version", b"3\n"), ("safe", "archive/data.pkl", safe),
                            ("bad", "archive/data.pkl", bad)]:
        offsets[key] = len(out)
        out += _local_header(name, data)
    cd_b = _central_header("archive/version", b"3\n", offsets["version"]) + \
        _central_header("archive/data.pkl", bad, offsets["bad"])
    cd_b_offset = len(out)
    out += cd_b
    cd_a = _central_header("archive/version", b"3\n", offsets["version"]) + \
        _central_header("archive/data.pkl", safe, offsets["safe"])
    cd_a_offset = len(out)
    out += cd_a
    zip64_offset = len(out)
    out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 2, 2, len(cd_b), cd_b_offset)
    out += struct.pack("<IIQI", 0x07064B50, 0, zip64_offset, 1)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 2, 2, len(cd_a), cd_a_offset, 0)
    path.write_bytes(bytes(out))
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)


def test_torch_zip_deflated_data_pkl_with_joblib_wrapper(tmp_path):
    """The scanner walks every pickle as joblib would (array bytes skipped after a NumpyArrayWrapper
    BUILD) and adds pickle.load's reading only for uncompressed streams.  torch reads a deflated
    archive/data.pkl with a plain unpickler, so the "array data" is opcodes to it: the payload."""
    model = tmp_path / "model"
    model.mkdir()
    path = model / "pytorch_model.bin"
    dtype = (b"cnumpy\ndtype\n" + _binunicode("u1") + b"\x89\x88\x87R"
             + b"(K\x03" + _binunicode("|") + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb")
    payload = b"0c__builtin__\nprint\n" + _binunicode(MARKER) + b"\x85R."  # POP the wrapper, call, STOP
    head = (b"\x80\x02cjoblib.numpy_pickle\nNumpyArrayWrapper\n)\x81"
            + b"}(" + _binunicode("subclass") + b"cnumpy\nndarray\n"
            + _binunicode("shape") + b"K" + bytes([len(payload)]) + b"\x85"
            + _binunicode("order") + _binunicode("C") + _binunicode("dtype") + dtype
            + _binunicode("allow_mmap") + b"\x89ub")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("archive/data.pkl", head + payload + b".")  # the scanner skips the payload, reads "."
        zf.writestr("archive/version", "3\n")
    assert_loader_runs_payload(TORCH_LOAD, path)
    assert_inspect_refuses(model)
