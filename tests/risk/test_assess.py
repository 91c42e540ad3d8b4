"""assess(): dispatch on the detected format, non-pickle risks, and the per-file allowlist."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from dh_mlmodel.model import Artifact, ArtifactFacts, Finding
from dh_mlmodel.risk import SCANNER_READY, apply_allowlist, assess

from .samples import EVIL, EVIL_P0, plain_zip, torch_zip


def facts(path: Path, model_dir: Path, fmt: str, role: str = "weights", **metadata) -> ArtifactFacts:
    rel = path.relative_to(model_dir).as_posix()
    return ArtifactFacts(Artifact(path, rel, path.stat().st_size, fmt, role), None, metadata)


def by_tag(found, tag):
    return [f for f in found if f.tag == tag]


def test_scanner_is_ready():
    assert SCANNER_READY is True


@pytest.mark.parametrize("fmt", ["pickle", "pytorch-zip", "text", "other", "vocab", "safetensors", "gguf",
                                 "tflite", "ggml-legacy", "lfs-pointer", "hdf5"])
def test_pickles_are_found_whatever_detect_said(tmp_path, fmt):
    p = tmp_path / "weights.txt"
    p.write_bytes(EVIL_P0 if fmt in ("text", "vocab") else torch_zip(EVIL))
    found = assess(facts(p, tmp_path, fmt), tmp_path)
    assert any(f.severity == "error" and f.path == "weights.txt" for f in found)


def test_keras_lambda_and_foreign_module(tmp_path):
    config = {"class_name": "Sequential", "module": "keras", "config": {"layers": [
        {"class_name": "Lambda", "module": "keras.layers", "config": {"name": "lam", "function": "..."}},
        {"class_name": "system", "module": "os", "config": {}},
        {"class_name": "Dense", "module": "keras.layers", "config": {"units": 2}},
        {"class_name": "MyLayer", "module": None, "registered_name": "mypkg>MyLayer", "config": {}}]}}
    p = tmp_path / "m.keras"
    p.write_bytes(plain_zip({"metadata.json": b"{}", "config.json": json.dumps(config).encode(),
                             "model.weights.h5": b"\x89HDF\r\n\x1a\n"}))
    found = assess(facts(p, tmp_path, "keras"), tmp_path)
    assert [f.severity for f in by_tag(found, "keras-lambda-layer")] == ["error"]
    foreign = by_tag(found, "keras-config-arbitrary-module")
    assert len(foreign) == 1 and "os.system" in foreign[0].message
    assert by_tag(found, "keras-custom-object")[0].severity == "warning"


def test_safe_keras_config_has_no_finding(tmp_path):
    config = {"class_name": "Sequential", "module": "keras",
              "config": {"layers": [{"class_name": "Dense", "module": "keras.layers", "config": {}}]}}
    p = tmp_path / "m.keras"
    p.write_bytes(plain_zip({"config.json": json.dumps(config).encode()}))
    assert assess(facts(p, tmp_path, "keras"), tmp_path) == ()


def test_legacy_h5_lambda_found_by_bounded_scan(tmp_path):
    # Hand-made bytes (h5py is not available here): HDF5 magic, then the model_config
    # attribute value as Keras 2 writes it (a JSON string stored in the root group).
    cfg = json.dumps({"class_name": "Sequential", "config": {"layers": [
        {"class_name": "Lambda", "config": {"name": "l", "function": ["4wEAAAAA", None, None]}}]}})
    p = tmp_path / "m.h5"
    p.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 200 + cfg.encode() + b"\x00" * 100)
    found = assess(facts(p, tmp_path, "hdf5"), tmp_path)
    assert [f.tag for f in found] == ["keras-lambda-layer"] and found[0].member == "model_config"
    q = tmp_path / "ok.h5"
    q.write_bytes(b"\x89HDF\r\n\x1a\n" + cfg.replace("Lambda", "Dense").encode())
    assert assess(facts(q, tmp_path, "hdf5"), tmp_path) == ()


ESCAPES = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ lipsum|attr('__globals__') }}",
    "{% set a = '__cla' ~ 'ss__' %}{{ ''|attr(a) }}",
    "{{ messages[0]['__class__'] }}",
    "{{ x['_' ~ '_class__'] }}",
    "{% set n = ['_', '_cla', 'ss__']|join %}{{ ''[n] }}",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_chat_template_escapes_are_errors(tmp_path, template):
    p = tmp_path / "chat_template.jinja"
    p.write_text(template)
    found = assess(facts(p, tmp_path, "chat-template", "tokenizer"), tmp_path)
    assert [f.severity for f in by_tag(found, "chat-template-sandbox-escape")] == ["error"]


def test_real_style_chat_template_is_clean(tmp_path):
    template = ("{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] }}"
                "{% if loop.last and add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
                "{% endfor %}{{ messages[loop_index] if false }}")
    p = tmp_path / "tokenizer_config.json"
    p.write_text(json.dumps({"chat_template": template, "tokenizer_class": "X"}))
    assert assess(facts(p, tmp_path, "tokenizer-config", "tokenizer"), tmp_path) == ()
    # the same template arriving as GGUF metadata
    g = tmp_path / "m.gguf"
    g.write_bytes(b"GGUF\x03\x00\x00\x00")
    assert assess(facts(g, tmp_path, "gguf", chat_template=template), tmp_path) == ()
    bad = assess(facts(g, tmp_path, "gguf", chat_template=ESCAPES[1]), tmp_path)
    assert bad[0].member == "tokenizer.chat_template" and bad[0].severity == "error"


def test_auto_map_and_shipped_python(tmp_path):
    (tmp_path / "modeling_x.py").write_text("import os\n")
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"auto_map": {"AutoModel": "modeling_x.XModel",
                                            "AutoTokenizer": ["other/repo--tok_y.Tok", None]}}))
    found = assess(facts(cfg, tmp_path, "config-json", "config"), tmp_path)
    (remote,) = by_tag(found, "remote-code-not-shipped")  # tok_y comes from another repository
    assert remote.severity == "error"
    assert "modeling_x" in remote.message and "tok_y.py" in remote.message and "other/repo" in remote.message
    py = assess(facts(tmp_path / "modeling_x.py", tmp_path, "text", "code"), tmp_path)
    assert [f.tag for f in py] == ["python-code-shipped"]


def test_onnx_external_data_outside_or_symlink(tmp_path):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (tmp_path / "secret").write_bytes(b"x")
    (model_dir / "ok.data").write_bytes(b"x")
    os.symlink(model_dir / "ok.data", model_dir / "link.data")
    m = model_dir / "m.onnx"
    m.write_bytes(b"\x08\x07")
    locs = ["ok.data", "../secret", "/etc/passwd", "link.data", "missing.data"]
    found = assess(facts(m, model_dir, "onnx", external_data=locs), model_dir)
    got = {(f.member, f.tag, f.severity) for f in found}
    assert got == {("../secret", "onnx-external-data-outside-model", "error"),
                   ("/etc/passwd", "onnx-external-data-outside-model", "error"),
                   ("link.data", "onnx-external-data-symlink", "error"),
                   ("missing.data", "onnx-external-data-missing", "error")}  # the tag file's severity


@dataclass(frozen=True)
class Allow:  # the shape of declaration.PickleAllow
    file: str
    callables: tuple
    reason: str


def test_apply_allowlist_accepts_named_callables_per_file(tmp_path):
    p = tmp_path / "model.pkl"
    p.write_bytes(b"\x80\x02csklearn.tree._classes\nDecisionTreeClassifier\n)\x81cposix\nsystem\n0.")
    found = assess(facts(p, tmp_path, "pickle"), tmp_path)
    rules = [Allow("*.pkl", ("sklearn.tree._classes.DecisionTreeClassifier",), "scikit-learn model, reviewed"),
             Allow("other.pkl", ("posix.system",), "wrong file")]
    kept, accepted = apply_allowlist(found, rules)
    assert accepted == [{"file": "model.pkl", "callable": "sklearn.tree._classes.DecisionTreeClassifier",
                         "reason": "scikit-learn model, reviewed", "tag": "pickle-imports-unlisted-callable"}]
    assert any("posix.system" in f.message and f.severity == "error" for f in kept)
    assert not any("DecisionTreeClassifier" in f.message for f in kept)


def test_apply_allowlist_with_real_declaration_type():
    decl = pytest.importorskip("dh_mlmodel.declaration")
    rule = decl.PickleAllow(file="m.pt", callables=("omegaconf.dictconfig.DictConfig",), reason="hparams")
    f = Finding("pickle-imports-unlisted-benign-class", "warning",
                "`omegaconf.dictconfig.DictConfig` imported by GLOBAL at offset 3 of archive/data.pkl: …",
                "m.pt", "archive/data.pkl")
    kept, accepted = apply_allowlist([f], [rule])
    assert kept == [] and accepted[0]["member"] == "archive/data.pkl"


def test_allowlist_patterns_never_accept_dangerous_callables(tmp_path):
    p = tmp_path / "m.pkl"
    p.write_bytes(b"\x80\x02csklearn.tree._classes\nDecisionTreeClassifier\n)\x81cos\nsystem\n0.")
    found = assess(facts(p, tmp_path, "pickle"), tmp_path)
    kept, accepted = apply_allowlist(found, [Allow("m.pkl", ("sklearn.*", "os.*"), "pattern")])
    assert [a["callable"] for a in accepted] == ["sklearn.tree._classes.DecisionTreeClassifier"]
    assert any("os.system" in f.message for f in kept)
    kept, accepted = apply_allowlist(found, [Allow("m.pkl", ("os.system",), "named exactly, reviewed")])
    assert [a["callable"] for a in accepted] == ["os.system"]
