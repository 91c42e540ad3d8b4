"""Acceptance (b): real checkpoints written by the reference libraries give no error finding."""
from __future__ import annotations

import io
import pickle

import pytest
from corpus_fixture import corpus  # noqa: F401  (the session fixture, from tests/)

from dh_mlmodel.corpus import CASES
from dh_mlmodel.risk import scan_file


def errors(findings):
    return [f for f in findings if f.severity == "error"]


def tags(findings):
    return {f.tag for f in findings}


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


def _state(torch):
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2))
    sd = net.state_dict()
    sd["half"] = torch.ones(2, dtype=torch.float16)
    sd["bf16"] = torch.ones(2, dtype=torch.bfloat16)
    sd["param"] = torch.nn.Parameter(torch.zeros(2))
    return {"state_dict": sd, "epoch": 3, "name": "x", "size": torch.Size([2, 3])}


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_torch_save_every_protocol_has_no_error(torch, tmp_path, protocol):
    path = tmp_path / f"p{protocol}.pt"
    torch.save(_state(torch), path, pickle_protocol=protocol)
    found = scan_file(path, path.name)
    assert errors(found) == []
    assert "pickle-format-used" in tags(found)
    # protocol 4+ uses opcodes torch's weights-only loader refuses: a warning, as torch itself refuses it
    refused = [f for f in found if f.tag == "pickle-opcode-not-allowed"]
    if protocol >= 4:
        assert refused and refused[0].severity == "warning" and "STACK_GLOBAL" in refused[0].message
        with pytest.raises(Exception):
            torch.load(path, weights_only=True)
    else:
        assert refused == []
        torch.load(path, weights_only=True)


def test_random_storages_are_not_mistaken_for_pickles(torch, tmp_path):
    """Storages are raw numbers: some start with bytes that are pickle opcodes, or even `\\x80\\x02`."""
    torch.manual_seed(1)
    tensors = {f"t{i}": torch.randn(64) for i in range(600)}
    tensors.update({f"b{i}": torch.randint(0, 256, (64,), dtype=torch.uint8) for i in range(600)})
    tensors["magic"] = torch.tensor([0x80, 0x02, 0xFF, 0x93, 0x82], dtype=torch.uint8)
    for name, legacy in (("z.pt", False), ("l.pt", True)):
        path = tmp_path / name
        torch.save(tensors, path, _use_new_zipfile_serialization=not legacy)
        assert [f.tag for f in scan_file(path)] == ["pickle-format-used"], name


def test_legacy_torch_save_has_no_error(torch, tmp_path):
    path = tmp_path / "legacy.pt"
    torch.save(_state(torch), path, _use_new_zipfile_serialization=False)
    found = scan_file(path, path.name)
    assert errors(found) == []
    assert "5 pickle(s)" in found[0].message


def test_torchscript_has_no_error_and_reports_code(torch, tmp_path):
    path = tmp_path / "ts.pt"
    module = torch.jit.script(torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.ReLU()))
    torch.jit.save(module, path)
    found = scan_file(path, path.name)
    assert errors(found) == []
    code = [f for f in found if f.tag == "torchscript-code"]
    assert code and code[0].severity == "warning"


def test_large_checkpoint_storages_are_not_read(torch, tmp_path):
    """The scanner reads data.pkl and the first bytes of each storage, not the storages."""
    path = tmp_path / "big.pt"
    torch.save({"w": torch.zeros(4 * 1024 * 1024)}, path)  # 16 MiB storage
    import dh_mlmodel.risk.streams as streams
    reads = []
    original = streams.FileWindow.read

    def counting(self, n):
        data = original(self, n)
        reads.append(len(data))
        return data

    streams.FileWindow.read = counting
    try:
        assert errors(scan_file(path, path.name)) == []
    finally:
        streams.FileWindow.read = original
    assert sum(reads) < 1 << 20, sum(reads)


def test_numpy_files_without_objects_have_no_finding(tmp_path):
    np = pytest.importorskip("numpy")
    np.save(tmp_path / "a.npy", np.arange(10.0))
    np.savez_compressed(tmp_path / "b.npz", x=np.ones(3), y=np.zeros((2, 2), dtype=np.int8))
    assert scan_file(tmp_path / "a.npy") == ()
    assert scan_file(tmp_path / "b.npz") == ()


def test_numpy_object_array_is_scanned_and_an_error(tmp_path):
    np = pytest.importorskip("numpy")
    np.save(tmp_path / "o.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    found = scan_file(tmp_path / "o.npy")
    # an object array is a pickle that np.load runs only with allow_pickle=True: an error (issue 13);
    # its content (a dict and None: builtins and numpy's own reconstructors) adds no other error
    assert {f.tag for f in found if f.severity == "error"} == {"numpy-object-array"}


def test_plain_pickle_of_arrays_and_containers_has_no_error(tmp_path):
    np = pytest.importorskip("numpy")
    obj = {"a": np.arange(6, dtype=np.float32).reshape(2, 3), "b": [1, 2.5, "x", b"y", None, True]}
    for proto in range(0, 6):
        path = tmp_path / f"p{proto}.pkl"
        path.write_bytes(pickle.dumps(obj, protocol=proto))
        found = scan_file(path)
        assert errors(found) == [], (proto, found)
        assert "pickle-format-used" in tags(found)


@pytest.mark.parametrize("compress", [0, 3, ("zlib", 3), ("gzip", 3), ("bz2", 3), ("xz", 3), ("lzma", 3), ("lz4", 3)])
def test_joblib_dumps_with_arrays_have_no_error(tmp_path, compress):
    joblib = pytest.importorskip("joblib")
    np = pytest.importorskip("numpy")
    if isinstance(compress, tuple) and compress[0] == "lz4":
        pytest.importorskip("lz4")
    obj = {"w": np.arange(1000, dtype=np.float64), "u": np.array(["ab", "c"]), "i": np.ones((3, 7), dtype=np.int16),
           "f": np.asfortranarray(np.ones((3, 4))), "o": np.array([{"k": 1}, "s"], dtype=object), "n": 5,
           "rec": np.zeros(3, dtype=[("a", "f4"), ("b", "i2")]), "t": np.array(["2020-01-01"], dtype="M8[ns]"),
           "sub": np.zeros(2, dtype=("f4", (2, 3))), "b": np.array([True, False]), "z": np.zeros((0, 4)),
           "bytes": np.array([b"ab", b"c"]), "c": np.ones(3, dtype=np.complex64), "scalar": np.float32(2.5)}
    path = tmp_path / "m.joblib"
    joblib.dump(obj, path, compress=compress)
    found = scan_file(path)
    assert errors(found) == [], found
    assert "pickle-format-used" in tags(found)


def test_safetensors_and_text_have_no_finding(tmp_path):
    (tmp_path / "README.md").write_text("cats are nice\nand so on\n")
    (tmp_path / "vocab.txt").write_text("c\nb\n(\n")
    assert scan_file(tmp_path / "README.md") == ()
    assert scan_file(tmp_path / "vocab.txt") == ()
    st = pytest.importorskip("safetensors.numpy")
    np = pytest.importorskip("numpy")
    st.save_file({"x": np.zeros(4, dtype=np.float32)}, str(tmp_path / "m.safetensors"))
    assert scan_file(tmp_path / "m.safetensors") == ()


@pytest.mark.corpus
def test_real_corpus_akiki_torch_zip_has_no_error(corpus):
    """akiki-vad.pt: a real third-party torch zip (corpus MANIFEST case 7)."""
    pt = corpus / "akiki" / "akiki" / "models" / "akiki-vad.pt"
    found = scan_file(pt, pt.name)
    assert errors(found) == [], found
    assert [f.tag for f in found] == ["pickle-format-used"]


@pytest.mark.corpus
def test_every_corpus_file_has_no_error(corpus):
    """ONNX, safetensors, GGUF, TFLite, sentencepiece, tessdata, cascades …: no pickle risk anywhere."""
    # Only the model cases: the peer scanners' hostile samples (corpus.PEER_CASES) share the cache directory.
    files = [p for p in corpus.rglob("*") if p.is_file() and not p.is_symlink() and ".downloads" not in p.parts
             and not p.name.startswith(".") and p.relative_to(corpus).parts[0] in CASES]
    assert len(files) > 100
    bad = [(str(p.relative_to(corpus)), f.tag) for p in files for f in scan_file(p) if f.severity == "error"]
    assert bad == []


def test_bytes_helpers_roundtrip():
    # a protocol-2 pickle inside a BytesIO-backed stream ends where pickle.load ends
    data = pickle.dumps([1, 2], protocol=2) + b"junk"
    from dh_mlmodel.risk.pickle_scan import scan_bytes
    scan = scan_bytes(data)
    assert scan.complete and scan.end == len(data) - 4
    assert pickle.load(io.BytesIO(data)) == [1, 2]
