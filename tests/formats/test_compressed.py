"""Whole-file compression wrappers: made by the reference writers (the gzip/xz/bzip2/zstd/lz4 commands,
joblib.dump), mutated, and checked against describing the decompressed file directly."""
from __future__ import annotations

import gzip
import os
import pickle
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import Cost
from dh_mlmodel.describe import describe_format
from dh_mlmodel.detect import detect
from dh_mlmodel.formats import compressed
from dh_mlmodel.inspect import inspect_model_dir
from dh_mlmodel.risk import containers, scan_file

# (command, suffix) of the reference writers; each is a Debian package in tools/setup's list
WRITERS = [("gzip", ".gz"), ("xz", ".xz"), ("bzip2", ".bz2"), ("zstd", ".zst"), ("lz4", ".lz4")]
WRAPPER_OF = {"gzip": "gzip", "xz": "xz", "bzip2": "bzip2", "zstd": "zstd", "lz4": "lz4"}
DANGEROUS_PICKLE = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00idq\x00\x85R."


def need(tool: str) -> str:
    found = shutil.which(tool)
    if not found:  # under CI=true conftest turns a skip into a failure
        pytest.skip(f"{tool} not installed (apt install {'zstd' if tool == 'zstd' else tool})")
    return found


def compress(tool: str, src: Path, dest: Path) -> Path:
    need(tool)
    with open(dest, "wb") as out:
        subprocess.run([tool, "-c", "--", str(src)] if tool != "lz4" else [tool, "-c", str(src)],
                       stdout=out, check=True)
    return dest


def safetensors_file(path: Path) -> Path:
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    st.save_file({"w": torch.arange(12, dtype=torch.float32).reshape(3, 4), "b": torch.zeros(4)}, str(path),
                 metadata={"format": "pt"})
    return path


def torch_file(path: Path) -> Path:
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(2, 2)}, path)
    return path


def gguf_free_inner(tmp_path: Path, kind: str) -> Path:
    return safetensors_file(tmp_path / "model.safetensors") if kind == "safetensors" else torch_file(tmp_path / "m.pt")


@pytest.mark.parametrize("tool,suffix", WRITERS)
@pytest.mark.parametrize("inner_kind", ["safetensors", "pytorch"])
def test_inner_facts_equal_the_plain_files(tmp_path, tool, suffix, inner_kind):
    """Differential: the wrapped file reports what describing the decompressed file directly reports."""
    plain = gguf_free_inner(tmp_path, inner_kind)
    wrapped = compress(tool, plain, tmp_path / (plain.name + suffix))
    art = detect(wrapped, wrapped.name)
    assert (art.format, art.role) == ("compressed", "weights")
    meta, findings = describe_format(art)
    plain_art = detect(plain, plain.name)
    plain_meta, plain_findings = describe_format(plain_art)
    assert meta["wrapper"] == WRAPPER_OF[tool]
    assert meta["inner_format"] == plain_art.format and meta["inner_role"] == plain_art.role
    assert meta["inner_size"] == plain.stat().st_size
    assert meta["inner"] == plain_meta
    assert [f.tag for f in findings] == [f.tag for f in plain_findings]


def test_concatenated_gzip_members_are_one_file(tmp_path):
    """RFC 1952 §2.2: members follow one another and decompress to the concatenation (gzip -d does so)."""
    plain = safetensors_file(tmp_path / "model.safetensors")
    data = plain.read_bytes()
    wrapped = tmp_path / "model.safetensors.gz"
    wrapped.write_bytes(gzip.compress(data[:100]) + gzip.compress(data[100:]))
    assert subprocess.run([need("gzip"), "-dc", str(wrapped)], capture_output=True).stdout == data
    meta, findings = describe_format(detect(wrapped, wrapped.name))
    assert meta["inner"] == describe_format(detect(plain, plain.name))[0] and findings == []


@pytest.mark.parametrize("tool,suffix", WRITERS)
def test_truncated_stream_is_an_error_naming_it(tmp_path, tool, suffix):
    plain = safetensors_file(tmp_path / "model.safetensors")
    wrapped = compress(tool, plain, tmp_path / ("model.safetensors" + suffix))
    cut = tmp_path / ("cut.safetensors" + suffix)
    cut.write_bytes(wrapped.read_bytes()[: wrapped.stat().st_size * 2 // 3])
    # the reference reader refuses it too
    assert subprocess.run([tool, "-dc", str(cut)], capture_output=True).returncode != 0
    art = detect(cut, cut.name)
    assert art.format == "compressed"
    _meta, findings = describe_format(art)
    assert [f.tag for f in findings] == ["malformed-model-file"]
    assert "truncated" in findings[0].message or "corrupt" in findings[0].message


def test_wrong_inner_magic_is_a_visible_warning(tmp_path):
    raw = tmp_path / "weights.bin"
    raw.write_bytes(os.urandom(5000))
    wrapped = compress("gzip", raw, tmp_path / "weights.bin.gz")
    meta, findings = describe_format(detect(wrapped, wrapped.name))
    assert meta["inner_format"] == "other"
    assert [(f.tag, f.severity, f.member) for f in findings] == [("model-file-not-validated", "warning", "[gzip]")]


@pytest.mark.parametrize("compress_arg,wrapper", [(("lz4", 3), "lz4"), (("xz", 3), "xz"), (("gzip", 3), "gzip"),
                                                  (("zlib", 3), None)])
def test_joblib_compressed_stays_joblib_and_names_its_wrapper(tmp_path, compress_arg, wrapper):
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    if wrapper == "lz4":
        pytest.importorskip("lz4")
    path = tmp_path / "clf.pkl.lz4"  # the name says nothing joblib-specific: the bytes must
    joblib.dump({"coef": np.arange(10.0)}, path, compress=compress_arg)
    art = detect(path, path.name)
    assert (art.format, art.role) == ("joblib", "weights")
    meta, _ = describe_format(art)
    assert meta.get("wrapper") == wrapper
    if wrapper:
        assert meta["inner_format"] in ("joblib", "pickle")


class Evil:
    def __reduce__(self):
        return (os.system, ("id",))


@pytest.mark.parametrize("tool,suffix", WRITERS)
def test_wrapped_malicious_pickle_is_refused_like_the_plain_one(tmp_path, tool, suffix):
    plain = tmp_path / "model.pkl"
    plain.write_bytes(DANGEROUS_PICKLE)
    wrapped = compress(tool, plain, tmp_path / ("model.pkl" + suffix))
    plain_tags = {f.tag for f in scan_file(plain) if f.severity == "error"}
    assert "pickle-imports-dangerous-callable" in plain_tags
    assert plain_tags <= {f.tag for f in scan_file(wrapped) if f.severity == "error"}


@pytest.mark.parametrize("compress_arg", [("lz4", 3), ("zlib", 3), ("xz", 3)])
def test_joblib_dump_of_malicious_object_is_refused(tmp_path, compress_arg):
    joblib = pytest.importorskip("joblib")
    if compress_arg[0] == "lz4":
        pytest.importorskip("lz4")
    path = tmp_path / "model.joblib"
    joblib.dump(Evil(), path, compress=compress_arg)
    tags = {f.tag for f in scan_file(path) if f.severity == "error"}
    assert "pickle-imports-dangerous-callable" in tags


def test_torch_save_then_gzip_is_scanned_inside(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "evil.pt"
    torch.save({"x": Evil()}, path)
    wrapped = compress("gzip", path, tmp_path / "evil.pt.gz")
    assert "pickle-imports-dangerous-callable" in {f.tag for f in scan_file(wrapped)}


def test_polyglot_pickle_first_then_a_gzip_stream(tmp_path):
    """The bytes pickle.load reads come first: the file is a pickle to detect and to the scan."""
    path = tmp_path / "model.bin"
    path.write_bytes(DANGEROUS_PICKLE + gzip.compress(b"{}" * 100))
    assert detect(path, path.name).format == "pickle"
    assert "pickle-imports-dangerous-callable" in {f.tag for f in scan_file(path)}


def test_polyglot_gzip_whose_member_is_followed_by_a_pickle(tmp_path):
    """gzip -d ignores trailing garbage; the inner file is still the member's content."""
    plain = safetensors_file(tmp_path / "model.safetensors")
    path = tmp_path / "model.safetensors.gz"
    path.write_bytes(gzip.compress(plain.read_bytes()) + DANGEROUS_PICKLE)
    meta, _ = describe_format(detect(path, path.name))
    assert meta["inner"] == describe_format(detect(plain, plain.name))[0]


def _bomb(path: Path, mib: int) -> Path:
    """gzip of a pickle whose one BINBYTES8 argument is `mib` MiB of zeros (~1000:1), built streaming
    so the test never holds the expanded data; a scanner must read through it to reach STOP."""
    with gzip.open(path, "wb", compresslevel=9) as out:
        out.write(b"\x80\x04\x8e" + struct.pack("<Q", mib << 20))
        block = b"\0" * (1 << 20)
        for _ in range(mib):
            out.write(block)
        out.write(b"cposix\nsystem\n.")
    return path


def test_bomb_is_bounded_in_scan_and_describe(tmp_path, monkeypatch):
    """A small file expanding far past the budgets: both stop at their budget, memory stays flat.
    (Time is measured in bench/compressed_bench.py, not here.)"""
    monkeypatch.setattr(containers, "INFLATE_FLOOR", 4 << 20)
    monkeypatch.setattr(compressed, "DESCRIBE_BUDGET", 4 << 20)
    bomb = _bomb(tmp_path / "model.pkl.gz", 64)
    assert bomb.stat().st_size < (1 << 20)
    with Cost() as cost:
        findings = scan_file(bomb)
        meta, described = describe_format(detect(bomb, bomb.name))
    assert "compressed-data-too-large" in {f.tag for f in findings if f.severity == "error"}
    assert meta["inner_size_over"] == 4 << 20 and "inner" not in meta
    assert [f.tag for f in described] == ["model-file-not-validated"]
    assert cost.peak < (32 << 20)


def test_zstd_without_any_decompressor_is_said_not_opened(tmp_path, monkeypatch):
    plain = tmp_path / "model.pkl"
    plain.write_bytes(DANGEROUS_PICKLE)
    wrapped = compress("zstd", plain, tmp_path / "model.pkl.zst")
    monkeypatch.setattr(compressed, "_zstd_module", lambda: None)
    monkeypatch.setattr(compressed.shutil, "which", lambda name: None)
    meta, findings = describe_format(detect(wrapped, wrapped.name))
    assert meta == {"wrapper": "zstd"}
    assert [(f.tag, f.severity) for f in findings] == [("model-file-not-validated", "warning")]
    assert "recognised but not opened" in findings[0].message
    assert "archive-not-scanned" in {f.tag for f in scan_file(wrapped) if f.severity == "error"}


def test_unrecognised_file_is_a_warning_at_inspect(tmp_path):
    (tmp_path / "weights.dat").write_bytes(os.urandom(4096))
    (tmp_path / "README.md").write_text("# a model\n")
    report = inspect_model_dir(tmp_path, hash=False)
    by_path = {f.artifact.relpath: [x.tag for x in f.findings] for f in report.files}
    assert by_path["weights.dat"] == ["model-file-not-validated"]
    assert by_path["README.md"] == []


def test_gzip_ocr_model_and_lz4_joblib_are_model_files(tmp_path):
    """The issue's cases: a directory holding only these is a model directory to inspect and init."""
    joblib = pytest.importorskip("joblib")
    pytest.importorskip("lz4")
    torch_file(tmp_path / "ocr.pth")
    compress("gzip", tmp_path / "ocr.pth", tmp_path / "ocr.pth.gz")
    (tmp_path / "ocr.pth").unlink()
    np = pytest.importorskip("numpy")
    joblib.dump({"coef": np.arange(5.0)}, tmp_path / "clf.pkl.lz4", compress=("lz4", 3))
    report = inspect_model_dir(tmp_path, hash=True)
    got = {f.artifact.relpath: (f.artifact.format, f.artifact.role, f.metadata.get("wrapper"),
                                f.metadata.get("inner_format")) for f in report.files}
    assert got == {"ocr.pth.gz": ("compressed", "weights", "gzip", "pytorch-zip"),
                   "clf.pkl.lz4": ("joblib", "weights", "lz4", "joblib")}
    import hashlib
    for f in report.files:  # the digest of the file as shipped
        assert f.sha256 == hashlib.sha256(f.artifact.path.read_bytes()).hexdigest()


def test_inner_relpath():
    assert compressed.inner_relpath("a/ocr.traineddata.gz") == "a/ocr.traineddata"
    assert compressed.inner_relpath("m.tgz") == "m.tar"
    assert compressed.inner_relpath(".gz") == ".gz"
    assert compressed.inner_relpath("model.bin") == "model.bin"


def test_pickle_module_not_needed_for_plain_pickles(tmp_path):
    """A plain (unwrapped) pickle keeps its describer: no wrapper key."""
    path = tmp_path / "m.pkl"
    path.write_bytes(pickle.dumps({"a": 1}, protocol=4))
    meta, _ = describe_format(detect(path, path.name))
    assert meta == {"pickle_protocol": 4}


@pytest.mark.parametrize("how", ["python3-zstandard", "zstd-cli"])
def test_zstd_module_and_command_give_the_same_facts(tmp_path, monkeypatch, how):
    """Both zstd paths (python3-zstandard, else `zstd -dc` through a pipe) against the plain file."""
    if how == "python3-zstandard":
        pytest.importorskip("zstandard")
    else:
        monkeypatch.setattr(compressed, "_zstd_module", lambda: None)
    plain = safetensors_file(tmp_path / "model.safetensors")
    wrapped = compress("zstd", plain, tmp_path / "model.safetensors.zst")
    meta, findings = describe_format(detect(wrapped, wrapped.name))
    assert meta["decompressor"] == how and findings == []
    assert meta["inner"] == describe_format(detect(plain, plain.name))[0]
    cut = tmp_path / "cut.safetensors.zst"
    cut.write_bytes(wrapped.read_bytes()[:-20])
    assert [f.tag for f in describe_format(detect(cut, cut.name))[1]] == ["malformed-model-file"]
    evil = tmp_path / "model.pkl"
    evil.write_bytes(DANGEROUS_PICKLE)
    evil_zst = compress("zstd", evil, tmp_path / "model.pkl.zst")
    assert "pickle-imports-dangerous-callable" in {f.tag for f in scan_file(evil_zst)}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_wrappers_never_crash_describe(tmp_path, data):
    """Flipped bytes and cuts in each wrapper's bytes: a finding or facts, never the describer's crash fallback."""
    plain = tmp_path / "model.safetensors"
    if not plain.exists():
        safetensors_file(plain)
        for tool, suffix in WRITERS:
            compress(tool, plain, tmp_path / ("model.safetensors" + suffix))
    tool, suffix = data.draw(st.sampled_from(WRITERS))
    raw = bytearray((tmp_path / ("model.safetensors" + suffix)).read_bytes())
    for _ in range(data.draw(st.integers(0, 4))):
        raw[data.draw(st.integers(0, len(raw) - 1))] ^= data.draw(st.integers(1, 255))
    raw = raw[:data.draw(st.integers(1, len(raw)))]
    mutated = tmp_path / ("m.safetensors" + suffix)
    mutated.write_bytes(bytes(raw))
    art = detect(mutated, mutated.name)
    meta, findings = describe_format(art)
    assert not any("unreadable (" in f.message for f in findings), findings
    scan_file(mutated)  # never raises
