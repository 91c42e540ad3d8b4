"""Upstream OMS signatures at build time: the demo signed with the real model-signing library, then built.

model-signing (PyPI) signs with its key and certificate methods, offline; dh_mlmodel verifies with its own
verifier (deliver/signature.py).  A clean build records the signature; a tampered file, an extra unsigned file,
a wrong key and a certificate from another CA each fail in one line naming the file.
"""
from __future__ import annotations

import datetime
import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]
# PyPI model-signing (tests/requirements.txt), the reference signer: a missing one fails under CI
# (conftest), and skips only in the package build (DH_MLMODEL_ALLOW_SKIP).
pytest.importorskip("model_signing")
import model_signing.signing  # noqa: E402

from cryptography import x509  # noqa: E402  (model-signing depends on it)
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

RECORD = "debian/demo-embed/usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.json"
SIG = "usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.sig"


def keypair(d: Path, name: str):
    key = ec.generate_private_key(ec.SECP256R1())
    (d / f"{name}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                      serialization.NoEncryption()))
    (d / f"{name}.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                                  serialization.PublicFormat.SubjectPublicKeyInfo))
    return key


def certificate(d: Path, name: str, key, issuer_key, issuer_name: str, ca: bool) -> None:
    now = datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                                        critical=True)
        builder = builder.add_extension(x509.ExtendedKeyUsage([x509.ObjectIdentifier("1.3.6.1.5.5.7.3.3")]),
                                        critical=False)
    cert = builder.sign(issuer_key, hashes.SHA256())
    (d / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def sign(src: Path, method: str, up: Path) -> None:
    sig = src / "debian/upstream/demo-embed.sig"
    if method == "key":
        model_signing.signing.Config().use_elliptic_key_signer(private_key=up / "signer.key").sign(src / "model", sig)
    else:
        model_signing.signing.Config().use_certificate_signer(
            private_key=up / "leaf.key", signing_certificate=up / "leaf.pem",
            certificate_chain=[up / "ca.pem"]).sign(src / "model", sig)


def declare(src: Path, lines: str) -> None:
    path = src / "debian/mlmodel.yaml"
    path.write_text(path.read_text() + "    signature:\n" + lines)


@pytest.fixture
def signed(demo_source):
    up = demo_source / "debian/upstream"
    up.mkdir()
    keypair(up, "signer")
    keypair(up, "other")
    return demo_source


def dh_mlmodel(src: Path):
    return subprocess.run(["dh_mlmodel"], cwd=src, env=intree_env(), capture_output=True, text=True)


def one_line_failure(proc, *words):
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dh_mlmodel: error: ") and "Traceback" not in proc.stderr, \
        proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


KEY_DECL = ("      file: debian/upstream/demo-embed.sig\n      method: key\n"
            "      public-key: debian/upstream/signer.pub\n")


def test_key_signed_build_records_and_installs_signature(signed):
    sign(signed, "key", signed / "debian/upstream")
    declare(signed, KEY_DECL)
    proc = dh_mlmodel(signed)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((signed / RECORD).read_text())
    sig = record["signature"]
    assert sig["method"] == "key" and sig["signer"].startswith("sha256:") and sig["signature"] == "/" + SIG
    assert sig["files"] == 4 and sig["outside_model_dir"] == ["README.md"]  # the card goes to demo-embed-doc
    statement = json.loads(__import__("base64").b64decode(
        json.loads((signed / "debian/upstream/demo-embed.sig").read_text())["dsseEnvelope"]["payload"]))
    assert sig["manifest_digest"] == "sha256:" + statement["subject"][0]["digest"]["sha256"]
    assert (signed / "debian/demo-embed" / SIG).read_bytes() == (signed / "debian/upstream/demo-embed.sig").read_bytes()
    spdx = json.loads((signed / "debian/demo-embed/usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.spdx.json")
                      .read_text())
    from spdx_check import check

    check(spdx)  # the built document, with its signature annotation, against the SPDX 3.0.1 model
    (note,) = [e for e in spdx["@graph"] if e["type"] == "Annotation"]
    assert json.loads(note["statement"])["oms_signature"]["manifest_digest"] == sig["manifest_digest"]
    cdx = json.loads((signed / "debian/demo-embed/usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.cdx.json")
                     .read_text())
    props = {p["name"]: p["value"] for p in cdx["metadata"]["component"]["properties"]}
    assert props["mlmodel:signature:manifest_digest"] == sig["manifest_digest"]


def test_tampered_file_fails(signed):
    sign(signed, "key", signed / "debian/upstream")
    declare(signed, KEY_DECL)
    with open(signed / "model/config.json", "a") as fh:
        fh.write(" ")
    one_line_failure(dh_mlmodel(signed), "config.json", "sha256 differs")
    assert not (signed / RECORD).exists()  # nothing half-written


def test_extra_unsigned_file_fails(signed):
    sign(signed, "key", signed / "debian/upstream")
    declare(signed, KEY_DECL)
    (signed / "model/vocab.txt").write_text("a\nb\n")
    one_line_failure(dh_mlmodel(signed), "vocab.txt", "unsigned")


def test_extra_file_listed_as_ignored_passes(signed):
    sign(signed, "key", signed / "debian/upstream")
    declare(signed, KEY_DECL + "      ignore: [vocab.txt]\n")
    (signed / "model/vocab.txt").write_text("a\nb\n")
    assert dh_mlmodel(signed).returncode == 0


def test_wrong_key_fails(signed):
    sign(signed, "key", signed / "debian/upstream")
    declare(signed, KEY_DECL.replace("signer.pub", "other.pub"))
    one_line_failure(dh_mlmodel(signed), "demo-embed.sig", "wrong signer", "other.pub")


def test_certificate_method(signed):
    up = signed / "debian/upstream"
    ca_key, leaf_key, rogue_key = (ec.generate_private_key(ec.SECP256R1()) for _ in range(3))
    certificate(up, "ca", ca_key, ca_key, "ca", ca=True)
    certificate(up, "rogue", rogue_key, rogue_key, "rogue", ca=True)
    (up / "leaf.key").write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    certificate(up, "leaf", leaf_key, ca_key, "ca", ca=False)
    sign(signed, "certificate", up)
    declare(signed, "      file: debian/upstream/demo-embed.sig\n      method: certificate\n"
                    "      ca: [debian/upstream/ca.pem]\n")
    proc = dh_mlmodel(signed)
    assert proc.returncode == 0, proc.stderr
    sig = json.loads((signed / RECORD).read_text())["signature"]
    assert sig["method"] == "certificate" and sig["signer"] == "CN=leaf"
    # The same signature, trusting only another CA: the wrong signer, in one line.
    for p in (signed / "debian").glob("demo-embed*/usr"):
        subprocess.run(["rm", "-rf", str(p)], check=True)
    text = (signed / "debian/mlmodel.yaml").read_text().replace("ca: [debian/upstream/ca.pem]",
                                                                "ca: [debian/upstream/rogue.pem]")
    (signed / "debian/mlmodel.yaml").write_text(text)
    one_line_failure(dh_mlmodel(signed), "wrong signer", "CN=leaf")


SIGSTORE_DECL = ("      file: debian/upstream/demo-embed.sig\n      method: sigstore\n"
                 "      identity: {identity}\n      issuer: {issuer}\n"
                 "      trust-config: debian/upstream/trusted_root.json\n")


def sigstore_signed(src: Path, identity: str = "", issuer: str = "", **sign):
    """The demo signed by a local Sigstore (tests/sigstore_fixture.py), its trust configuration pinned."""
    import sigstore_fixture as fx

    s = fx.Sigstore()
    up = src / "debian/upstream"
    s.write_trust(up / "trusted_root.json")
    s.sign(src / "model", up / "demo-embed.sig", **sign)
    if not sign:  # the bundle is valid: sigstore-python says so (tests/test_sigstore_signature.py for the rest)
        fx.oracle(src / "model", up / "demo-embed.sig", up / "trusted_root.json")
    declare(src, SIGSTORE_DECL.format(identity=identity or fx.IDENTITY, issuer=issuer or fx.ISSUER))
    return fx


def test_sigstore_signed_build_records_method_and_signer(signed):
    fx = sigstore_signed(signed)
    proc = dh_mlmodel(signed)
    assert proc.returncode == 0, proc.stderr
    sig = json.loads((signed / RECORD).read_text())["signature"]
    assert (sig["method"], sig["signer"], sig["issuer"]) == ("sigstore", fx.IDENTITY, fx.ISSUER)
    assert sig["files"] == 4 and sig["log_index"] == 1004 and sig["integrated_time"] == "2026-03-01T12:00:00Z"
    assert (signed / "debian/demo-embed" / SIG).read_bytes() == (signed / "debian/upstream/demo-embed.sig").read_bytes()
    meta = signed / "debian/demo-embed/usr/share/mlmodel/demo-embed/.mlmodel"
    (note,) = [e for e in json.loads((meta / "demo-embed.spdx.json").read_text())["@graph"] if e["type"] == "Annotation"]
    assert json.loads(note["statement"])["oms_signature"]["issuer"] == fx.ISSUER
    props = {p["name"]: p["value"] for p in json.loads((meta / "demo-embed.cdx.json").read_text())
             ["metadata"]["component"]["properties"]}
    assert props["mlmodel:signature:signer"] == fx.IDENTITY and props["mlmodel:signature:method"] == "sigstore"


def test_sigstore_tampered_file_fails(signed):
    sigstore_signed(signed)
    with open(signed / "model/config.json", "a") as fh:
        fh.write(" ")
    one_line_failure(dh_mlmodel(signed), "config.json", "sha256 differs", "demo-embed.sig")
    assert not (signed / RECORD).exists()


def test_sigstore_wrong_identity_fails(signed):
    sigstore_signed(signed, identity="someone@else.example")
    one_line_failure(dh_mlmodel(signed), "debian/upstream/demo-embed.sig", "wrong signer", "someone@else.example")


def test_sigstore_wrong_issuer_fails(signed):
    sigstore_signed(signed, issuer="https://accounts.else.example")
    one_line_failure(dh_mlmodel(signed), "debian/upstream/demo-embed.sig", "wrong issuer")


def test_sigstore_broken_inclusion_proof_fails(signed):
    sigstore_signed(signed)
    path = signed / "debian/upstream/demo-embed.sig"
    bundle = json.loads(path.read_text())
    hashes = bundle["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["hashes"]
    hashes[0] = hashes[0][:-4] + ("AAA=" if not hashes[0].endswith("AAA=") else "BBB=")
    path.write_text(json.dumps(bundle))
    one_line_failure(dh_mlmodel(signed), "debian/upstream/demo-embed.sig", "inclusion proof")


def test_sigstore_certificate_from_another_ca_fails(signed):
    import sigstore_fixture as fx

    sigstore_signed(signed, ca=fx.Authority("rogue"))
    one_line_failure(dh_mlmodel(signed), "debian/upstream/demo-embed.sig", "wrong signer",
                     "not issued by a CA of the trust configuration")


def test_garbage_signature_file_fails_in_one_line(signed):
    (signed / "debian/upstream/demo-embed.sig").write_bytes(b"\x00not json")
    declare(signed, KEY_DECL)
    one_line_failure(dh_mlmodel(signed), "demo-embed.sig")
