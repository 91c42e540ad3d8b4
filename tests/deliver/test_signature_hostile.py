"""deliver/signature.py on hostile signature files: each is refused in one line, nothing raised but SignatureError.

The signatures start as real ones made by model-signing; the attacks edit the bundle.
"""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

# PyPI model-signing (tests/requirements.txt), the reference signer: a missing one fails under CI
# (conftest), and skips only in the package build (DH_MLMODEL_ALLOW_SKIP).
pytest.importorskip("model_signing")
import model_signing.signing  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402

from dh_mlmodel.deliver import signature  # noqa: E402
from dh_mlmodel.deliver.signature import SignatureDecl, SignatureError, pae, verify  # noqa: E402


@pytest.fixture
def signed(tmp_path: Path):
    model = tmp_path / "m"
    model.mkdir()
    (model / "a.bin").write_bytes(b"weights")
    (model / "b.json").write_text("{}")
    key = ec.generate_private_key(ec.SECP256R1())
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (tmp_path / "k.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    model_signing.signing.Config().use_elliptic_key_signer(private_key=tmp_path / "k.pem").sign(model, tmp_path / "s.sig")
    shipped = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.iterdir()}
    return tmp_path, key, shipped


DECL = SignatureDecl(file="s.sig", method="key", public_key="k.pub")


def edit(root: Path, change) -> None:
    bundle = json.loads((root / "s.sig").read_text())
    change(bundle)
    (root / "s.sig").write_text(json.dumps(bundle))


def refused(root: Path, shipped, *words):
    with pytest.raises(SignatureError) as exc:
        verify(DECL, shipped, root)
    line = exc.value.one_line()
    assert "\n" not in line
    for w in words:
        assert w in line, line


def test_genuine_verifies(signed):
    root, _, shipped = signed
    v = verify(DECL, shipped, root)
    assert v.files == 2 and v.manifest_digest.startswith("sha256:")


def test_altered_payload_is_wrong_signer(signed):
    root, _, shipped = signed

    def change(b):
        st = json.loads(base64.b64decode(b["dsseEnvelope"]["payload"]))
        st["predicate"]["resources"][0]["digest"] = "00" * 32
        b["dsseEnvelope"]["payload"] = base64.b64encode(json.dumps(st).encode()).decode()
    edit(root, change)
    refused(root, shipped, "wrong signer")


def test_resigned_inconsistent_manifest(signed):
    """Signed by the right key but the subject digest lies about the resources: refused."""
    root, key, shipped = signed
    bundle = json.loads((root / "s.sig").read_text())
    st = json.loads(base64.b64decode(bundle["dsseEnvelope"]["payload"]))
    st["subject"][0]["digest"]["sha256"] = "11" * 32
    payload = json.dumps(st).encode()
    sig = key.sign(pae(signature.PAYLOAD_TYPE, payload), ec.ECDSA(hashes.SHA256()))
    bundle["dsseEnvelope"].update(payload=base64.b64encode(payload).decode(),
                                  signatures=[{"sig": base64.b64encode(sig).decode(), "keyid": ""}])
    (root / "s.sig").write_text(json.dumps(bundle))
    refused(root, shipped, "inconsistent")


@pytest.mark.parametrize("change,words", [
    (lambda b: b.pop("dsseEnvelope"), ("no dsseEnvelope",)),
    (lambda b: b["dsseEnvelope"].update(payloadType="text/plain"), ("payloadType",)),
    (lambda b: b["dsseEnvelope"].update(signatures=[]), ("exactly one signature",)),
    (lambda b: b["dsseEnvelope"]["signatures"].append(b["dsseEnvelope"]["signatures"][0]), ("exactly one",)),
    (lambda b: b["dsseEnvelope"].update(payload="!!not base64"), ("base64",)),
    (lambda b: b["dsseEnvelope"]["signatures"][0].update(sig=5), ("base64",)),
])
def test_malformed_bundles(signed, change, words):
    root, _, shipped = signed
    edit(root, change)
    refused(root, shipped, "s.sig", *words)


def test_not_json_and_deeply_nested(signed):
    root, _, shipped = signed
    (root / "s.sig").write_bytes(b"[" * 100000)
    refused(root, shipped, "s.sig")
    (root / "s.sig").write_bytes(b"\xff\xfe")
    refused(root, shipped, "s.sig")


def test_oversized_signature_refused_unread(signed, monkeypatch):
    root, _, shipped = signed
    monkeypatch.setattr(signature, "MAX_SIGNATURE_BYTES", 10)
    refused(root, shipped, "larger than")


def test_coverage_failures_name_the_file(signed):
    root, _, shipped = signed
    refused(root, dict(shipped, **{"b.json": "22" * 32}), "b.json", "sha256 differs")
    refused(root, dict(shipped, **{"c.txt": "33" * 32}), "c.txt", "unsigned")
    refused(root, {"a.bin": shipped["a.bin"]}, "b.json", "not installed")
    assert verify(SignatureDecl(file="s.sig", method="key", public_key="k.pub", ignore=("c.txt",)),
                  dict(shipped, **{"c.txt": "33" * 32}), root).files == 2


def test_public_key_file_not_pem(signed):
    root, _, shipped = signed
    (root / "k.pub").write_text("not a key")
    refused(root, shipped, "k.pub", "not a PEM public key")
