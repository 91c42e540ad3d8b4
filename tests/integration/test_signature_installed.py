"""`model_signing verify` on the installed model directory: the demo is signed (key, certificate, sigstore),
built with dpkg-buildpackage, all its .debs unpacked into one root, and the real model_signing CLI checks
/usr/share/mlmodel/demo-embed/ against the installed signature.

The card goes to demo-embed-doc, so dh_mlmodel also installs the signed card in the model directory of the
weights package: model_signing needs every file of the manifest there (docs/provenance.md).
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import DEMO, TOP, deb_extract, dpkg_buildpackage, intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]
pytest.importorskip("model_signing")

from test_signature import (KEY_DECL, SIGSTORE_DECL, certificate, declare, keypair,  # noqa: E402
                            sign)

MODEL_DIR = "usr/share/mlmodel/demo-embed"
CLI = str(Path(sys.executable).with_name("model_signing"))


def build_and_unpack(src: Path, root: Path) -> Path:
    dpkg_buildpackage(src, "-b")
    debs = sorted(src.parent.glob("*.deb"))
    assert {d.name.split("_")[0] for d in debs} == {"demo-embed", "demo-embed-tokenizer", "demo-embed-doc"}
    for deb in debs:
        deb_extract(deb, root)
    return root / MODEL_DIR


def model_signing_verify(model: Path, method: str, *args: str) -> subprocess.CompletedProcess:
    # The command docs/provenance.md gives; the signature and records live in .mlmodel/, which is not signed.
    return subprocess.run([CLI, "verify", method, "--signature", str(model / ".mlmodel/demo-embed.sig"), *args,
                           "--ignore-paths", str(model / ".mlmodel"), str(model)],
                          capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})


@pytest.fixture
def source(tmp_path):
    src = tmp_path / "demo-embed-1.0"
    subprocess.run(["cp", "-a", str(DEMO), str(src)], check=True)
    (src / "debian/upstream").mkdir()
    return src


def test_key_method_verifies_installed(source, tmp_path):
    up = source / "debian/upstream"
    keypair(up, "signer")
    sign(source, "key", up)
    declare(source, KEY_DECL)
    model = build_and_unpack(source, tmp_path / "root")
    # The card is in the -doc package and, byte for byte, in the model directory.
    card = (source / "model/README.md").read_bytes()
    assert (model / "README.md").read_bytes() == card
    assert (tmp_path / "root/usr/share/doc/demo-embed-doc/README.md").read_bytes() == card
    proc = model_signing_verify(model, "key", "--public_key", str(up / "signer.pub"))
    assert proc.returncode == 0 and "Verification succeeded" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
    # The copy is meant: mlmodel lint does not call it a duplicate (the record lists it as signed).
    (changes,) = source.parent.glob("*.changes")
    lint = subprocess.run([str(TOP / "bin/mlmodel"), "lint", str(changes)], capture_output=True, text=True,
                          env=intree_env())
    assert lint.returncode == 0 and "mlmodel-duplicate-file" not in lint.stdout + lint.stderr, lint.stdout + lint.stderr
    # The oracle is not a rubber stamp: a changed installed file fails it.
    with open(model / "config.json", "a") as fh:
        fh.write(" ")
    assert model_signing_verify(model, "key", "--public_key", str(up / "signer.pub")).returncode != 0


def test_certificate_method_verifies_installed(source, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    up = source / "debian/upstream"
    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    certificate(up, "ca", ca_key, ca_key, "ca", ca=True)
    (up / "leaf.key").write_bytes(leaf_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    certificate(up, "leaf", leaf_key, ca_key, "ca", ca=False)
    sign(source, "certificate", up)
    declare(source, "      file: debian/upstream/demo-embed.sig\n      method: certificate\n"
                    "      ca: [debian/upstream/ca.pem]\n")
    model = build_and_unpack(source, tmp_path / "root")
    proc = model_signing_verify(model, "certificate", "--certificate_chain", str(up / "ca.pem"))
    assert proc.returncode == 0 and "Verification succeeded" in proc.stdout + proc.stderr, proc.stdout + proc.stderr


def test_sigstore_method_verifies_installed(source, tmp_path):
    import sigstore_fixture as fx

    up = source / "debian/upstream"
    s = fx.Sigstore()
    s.write_trust(up / "trusted_root.json")
    s.sign(source / "model", up / "demo-embed.sig")
    declare(source, SIGSTORE_DECL.format(identity=fx.IDENTITY, issuer=fx.ISSUER))
    model = build_and_unpack(source, tmp_path / "root")
    proc = model_signing_verify(model, "sigstore", "--identity", fx.IDENTITY, "--identity_provider", fx.ISSUER,
                                "--trust_config", str(up / "trusted_root.json"))
    assert proc.returncode == 0 and "Verification succeeded" in proc.stdout + proc.stderr, proc.stdout + proc.stderr
