"""Outsider attacks on `mlmodel inspect`: model files that run code in a real loader.

Each test builds its sample in Python (no committed binaries), first proves with the
real loader in a throwaway subprocess that the payload runs (it only prints a marker),
then asserts what should happen: `mlmodel inspect` exits non-zero with an error
finding that names the imported callable (`print`).
"""
from __future__ import annotations

import io
import lzma
import pickle
import subprocess
import sys
import tarfile
import zlib
from pathlib import Path

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
