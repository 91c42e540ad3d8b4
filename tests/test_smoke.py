"""`mlmodel smoke`'s parts that need no runtime: declared ONNX outputs (against onnx's own reader), synthesised
inputs, the output checks, records read as hostile, exit statuses."""
from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from corpus_fixture import corpus  # noqa: F401  (the fixture)
from dh_mlmodel import smoke
from dh_mlmodel.formats.onnx import declared_outputs
from dh_mlmodel.model import MLModelError

pytestmark = pytest.mark.reference
np = pytest.importorskip("numpy")
onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper  # noqa: E402


def reference_outputs(path: Path) -> dict:
    """onnx's own reading of the main graph's outputs, in declared_outputs' terms."""
    out = {}
    for o in onnx.load(str(path), load_external_data=False).graph.output:
        t = o.type.tensor_type
        out[o.name] = ([d.dim_value if d.HasField("dim_value") else d.dim_param if d.HasField("dim_param") else None
                        for d in t.shape.dim] if o.type.HasField("tensor_type") and t.HasField("shape") else None)
    return out


@pytest.mark.corpus
def test_declared_outputs_match_onnx_on_the_corpus(corpus):  # noqa: F811
    files = sorted(p for case in ("basic-pitch", "rapidocr-onnxruntime", "npm-vad-web", "akiki")
                   for p in (corpus / case).rglob("*.onnx"))
    assert len(files) >= 6
    for path in files:
        assert declared_outputs(path) == reference_outputs(path), path


hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

DIM = st.one_of(st.integers(-2 ** 63, 2 ** 63 - 1), st.text("abcXYZ_:0123", min_size=1, max_size=8), st.none())
SHAPE = st.one_of(st.none(), st.lists(DIM, max_size=5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # a loaded CI machine
@given(st.dictionaries(st.text("abcdef:/_0123456789", min_size=1, max_size=10), SHAPE, min_size=1, max_size=4))
def test_declared_outputs_match_onnx_on_generated_graphs(tmp_path_factory, outputs):
    infos = [helper.make_tensor_value_info(name, TensorProto.FLOAT, None if shape is None else
                                           [d if d is not None else None for d in shape])
             for name, shape in outputs.items()]
    for info, shape in zip(infos, outputs.values()):
        if shape is not None:  # make_tensor_value_info writes None as an empty Dimension: what a file may hold
            for d, want in zip(info.type.tensor_type.shape.dim, shape):
                assert (want is None) == (not d.HasField("dim_value") and not d.HasField("dim_param"))
    graph = helper.make_graph([], "g", [], infos)
    path = tmp_path_factory.mktemp("gen") / "m.onnx"
    onnx.save(helper.make_model(graph), str(path))
    assert declared_outputs(path) == reference_outputs(path)


def meta(name="x", type="tensor(float)", shape=()):
    return SimpleNamespace(name=name, type=type, shape=list(shape))


def test_inputs_from_the_signature():
    rng = np.random.default_rng(0)
    x = smoke._onnx_input(meta(shape=[None, "seq", 3]), np, rng)
    assert x.shape == (smoke.SYMBOLIC_BATCH, smoke.SYMBOLIC_SIZES[0], 3) and x.dtype == np.float32
    named: dict = {}
    a = smoke._onnx_input(meta(shape=["batch", "seq"]), np, rng, 512, named)
    h = smoke._onnx_input(meta(shape=[2, "batch", 64]), np, rng, 512, named)  # a shared name keeps its value
    s = smoke._onnx_input(meta(shape=[2, "seq", None]), np, rng, 512, named)
    assert (a.shape, h.shape, s.shape) == ((1, 512), (2, 1, 64), (2, 512, 512))
    ids = smoke._onnx_input(meta(type="tensor(int64)", shape=["batch", 5]), np, rng)
    assert ids.dtype == np.int64 and ids.shape == (1, 5) and (ids == 1).all()
    assert smoke._onnx_input(meta(type="tensor(int64)", shape=[]), np, rng).shape == ()


@pytest.mark.parametrize("shape", [[1 << 30], [1 << 12, 1 << 12, 2], [-1, 1 << 25]])
def test_a_huge_declared_input_is_not_allocated(shape):
    with pytest.raises(smoke.Skip, match="more than the smoke test synthesises"):
        smoke._onnx_input(meta(shape=shape), np, np.random.default_rng(0))


def test_a_string_input_is_a_skip():
    with pytest.raises(smoke.Skip, match="tensor\\(string\\)"):
        smoke._onnx_input(meta(type="tensor(string)", shape=[1]), np, np.random.default_rng(0))


def test_outputs_checked_against_the_declaration():
    value = np.zeros((1, 172, 264), dtype=np.float32)
    smoke._onnx_output(meta("y"), value, ["n", 172, 264], np)
    smoke._onnx_output(meta("y"), value, None, np)  # no shape declared: rank and dims not compared
    with pytest.raises(smoke.Fail, match=r"has shape \[1, 172, 264\], declared \['n', 172, 265\]"):
        smoke._onnx_output(meta("y"), value, ["n", 172, 265], np)
    with pytest.raises(smoke.Fail, match="declared"):
        smoke._onnx_output(meta("y"), value, ["n", 172], np)
    with pytest.raises(smoke.Fail, match="is int64, declared tensor\\(float\\)"):
        smoke._onnx_output(meta("y"), value.astype(np.int64), ["n", 172, 264], np)
    value[0, 3, 7] = np.inf
    with pytest.raises(smoke.Fail, match="1 non-finite"):
        smoke._onnx_output(meta("y"), value, ["n", 172, 264], np)


@pytest.mark.parametrize("config", [{"vocab_size": True, "hidden_size": 4}, {"vocab_size": 0, "hidden_size": 4},
                                    {"vocab_size": 8, "hidden_size": -4}, {"vocab_size": "8", "hidden_size": 4}, {}])
def test_embedding_pass_only_with_a_sane_config(config):
    torch = pytest.importorskip("torch")
    assert smoke._embedding_pass({"w": torch.ones(8, 4)}, config, torch) == ""


def installed_record(root: Path, model: str, package: str, files: list[dict]) -> None:
    d = root / "usr/share/mlmodel" / model / ".mlmodel"
    d.mkdir(parents=True, exist_ok=True)
    (d / f"{package}.json").write_text(json.dumps({"model": model, "package": package, "files": files}))


def test_exit_statuses_and_hostile_records(tmp_path):
    gguf = {"path": "usr/share/mlmodel/m/model.gguf", "role": "weights", "format": "gguf"}
    installed_record(tmp_path, "m", "p-gguf", [gguf])
    lines, code = smoke.smoke_packages(tmp_path, ["p-gguf"])
    assert code == smoke.EXIT_SKIPPED == 77
    assert lines == ["p-gguf: m: skipped: model.gguf: " + smoke.NO_RUNTIME["gguf"]]
    escape = {"path": "usr/share/mlmodel/m/../../../../etc/passwd", "role": "weights", "format": "onnx"}
    other = {"path": "usr/share/mlmodel/other/x.onnx", "role": "weights", "format": "onnx"}
    installed_record(tmp_path, "m", "p-bad", [escape, other])
    lines, code = smoke.smoke_packages(tmp_path, ["p-bad"])
    assert code == smoke.EXIT_FAILED
    assert "outside /usr/share/mlmodel/m/" in lines[0] and "../etc/passwd" in lines[0]
    odd = {"path": "usr/share/mlmodel/m/a\nb\x1b[31m.onnx", "role": "weights", "format": "onnx"}
    installed_record(tmp_path, "m", "p-odd", [odd])
    lines, code = smoke.smoke_packages(tmp_path, ["p-odd"])
    assert code == smoke.EXIT_FAILED and len(lines) == 1 and "\n" not in lines[0] and "\x1b" not in lines[0]
    assert lines[0] == "p-odd: m: failed: a\\nb\\x1b[31m.onnx: missing"
    with pytest.raises(MLModelError, match="no record under"):
        smoke.smoke_packages(tmp_path, ["p-gguf", "absent"])


def test_every_runner_has_its_runtime_packages():
    assert set(smoke.RUNNERS) == set(smoke.RUNTIME_PACKAGES)
    assert not set(smoke.RUNNERS) & set(smoke.NO_RUNTIME)
    assert smoke.runtime_packages(["onnx", "gguf", "safetensors"]) == [
        "python3-numpy", "python3-onnxruntime", "python3-safetensors", "python3-torch"]


def test_external_data_and_shards(tmp_path):
    """ONNX external data is read by its model's loader, not loaded alone; a shard need not hold the embedding."""
    torch = pytest.importorskip("torch")
    save_file = pytest.importorskip("safetensors.torch").save_file
    model_dir = tmp_path / "usr/share/mlmodel/m"
    model_dir.mkdir(parents=True)
    graph = helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])])
    onnx.save(helper.make_model(graph), str(model_dir / "model.onnx"))
    (model_dir / "model.onnx.data").write_bytes(b"\0" * 16)
    files = [{"path": "usr/share/mlmodel/m/model.onnx", "role": "weights", "format": "onnx"},
             {"path": "usr/share/mlmodel/m/model.onnx.data", "role": "weights", "format": "unknown"}]
    installed_record(tmp_path, "m", "p", files)
    lines, _ = smoke.smoke_packages(tmp_path, ["p"])
    assert "model.onnx.data" not in lines[0] and "model.onnx: " in lines[0]
    installed_record(tmp_path, "m", "p-data", files[1:])
    lines, code = smoke.smoke_packages(tmp_path, ["p-data"])
    assert code == 77 and lines == ["p-data: m: skipped: no weights file in a model format (unknown)"]

    shards = tmp_path / "usr/share/mlmodel/s"
    shards.mkdir(parents=True)
    save_file({"embed": torch.ones(8, 4)}, str(shards / "model-00001-of-00002.safetensors"))
    save_file({"head": torch.ones(4, 2)}, str(shards / "model-00002-of-00002.safetensors"))
    (shards / "config.json").write_text(json.dumps({"vocab_size": 8, "hidden_size": 4}))
    installed_record(tmp_path, "s", "p-s", [
        {"path": f"usr/share/mlmodel/s/model-0000{i}-of-00002.safetensors", "role": "weights",
         "format": "safetensors"} for i in (1, 2)])
    lines, code = smoke.smoke_packages(tmp_path, ["p-s"])
    assert code == 0, lines
    assert "embedding embed 8x4 looked up" in lines[0]
    (shards / "model-00002-of-00002.safetensors").unlink()
    installed_record(tmp_path, "s", "p-s1", [
        {"path": "usr/share/mlmodel/s/model-00001-of-00002.safetensors", "role": "weights", "format": "safetensors"}])
    (shards / "config.json").write_text(json.dumps({"vocab_size": 9, "hidden_size": 4}))
    lines, code = smoke.smoke_packages(tmp_path, ["p-s1"])  # the only file: the matrix must be in it
    assert code == 1 and "no tensor is 9x4" in lines[0]


@pytest.mark.parametrize("text", ['{"model": "m", "files": [1]}', '[]', '{"files": {"path": 1}}',
                                  '{"model": "m", "files": [{"role": "weights"}]}'])
def test_a_record_of_another_shape_is_a_failure_not_a_traceback(tmp_path, text):
    d = tmp_path / "usr/share/mlmodel/m/.mlmodel"
    d.mkdir(parents=True)
    (d / "p.json").write_text(text)
    lines, code = smoke.smoke_packages(tmp_path, ["p"])
    assert code == 1 and lines == ["p: m: failed: the record is not a dh_mlmodel record (no list of files with paths)"]


def test_a_record_that_is_not_json_is_an_error(tmp_path):
    d = tmp_path / "usr/share/mlmodel/m/.mlmodel"
    d.mkdir(parents=True)
    (d / "p.json").write_bytes(b'{"model": \xff')
    with pytest.raises(MLModelError, match="is not JSON"):
        smoke.smoke_packages(tmp_path, ["p"])
