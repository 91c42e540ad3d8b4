"""The `signature:` key of debian/mlmodel.yaml: what it reads, and its one-line errors."""
from __future__ import annotations

from pathlib import Path

import pytest

from dh_mlmodel.declaration import DeclarationError, parse_declaration
from dh_mlmodel.deliver.signature import SignatureDecl


def parse(sig: str):
    text = "format: 1\nmodels:\n  - name: m\n    signature:\n" + "".join(f"      {line}\n" for line in sig.splitlines())
    return parse_declaration(text, Path("debian/mlmodel.yaml")).models[0].signature


def test_key_and_certificate_forms():
    s = parse("file: debian/upstream/m.sig\nmethod: key\npublic-key: debian/upstream/m.pub\nignore: [a.txt, b/c]")
    assert s == SignatureDecl(file="debian/upstream/m.sig", method="key", public_key="debian/upstream/m.pub",
                              ignore=("a.txt", "b/c"), line=5)
    s = parse("file: debian/upstream/m.sig\nmethod: certificate\nca: debian/upstream/ca.pem")
    assert s.method == "certificate" and s.ca == ("debian/upstream/ca.pem",)


def test_sigstore_form():
    s = parse("file: debian/upstream/m.sig\nmethod: sigstore\nidentity: release@models.example\n"
              "issuer: https://accounts.example\ntrust-config: debian/upstream/trusted_root.json")
    assert (s.method, s.identity, s.issuer, s.trust_config) == (
        "sigstore", "release@models.example", "https://accounts.example", "debian/upstream/trusted_root.json")


def test_absent_is_none():
    text = "format: 1\nmodels:\n  - name: m\n"
    assert parse_declaration(text, Path("debian/mlmodel.yaml")).models[0].signature is None


@pytest.mark.parametrize("sig,words", [
    ("method: key\npublic-key: k.pub", ("needs file and method", "missing file")),
    ("file: s.sig\nmethod: gpg", ("method",)),
    ("file: s.sig\nmethod: key", ("method key needs public-key",)),
    ("file: s.sig\nmethod: certificate", ("method certificate needs ca",)),
    ("file: /etc/passwd\nmethod: key\npublic-key: k.pub", ("relative path",)),
    ("file: ../s.sig\nmethod: key\npublic-key: k.pub", ("relative path",)),
    ("file: s.sig\nmethod: key\npublic-key: k.pub\nignore: [../x]", ("relative path",)),
    ("file: s.sig\nmethod: key\npublic-key: k.pub\nidentity: x", ("identity",)),
    ("file: s.sig\nmethod: sigstore\nidentity: a@b\nissuer: https://i", ("needs identity and issuer and trust-config",
                                                                       "missing trust-config")),
    ("file: s.sig\nmethod: sigstore\nissuer: https://i\ntrust-config: t.json", ("missing identity",)),
    ("file: s.sig\nmethod: sigstore\nidentity: a@b\nissuer: https://i\ntrust-config: ../t.json", ("relative path",)),
    ("file: s.sig\nmethod: sigstore\nidentity: a@b\nissuer: https://i\ntrust-config: t.json\npublic-key: k.pub",
     ("public-key does not apply to method sigstore",)),
])
def test_errors_are_one_line(sig, words):
    with pytest.raises(DeclarationError) as exc:
        parse(sig)
    line = exc.value.one_line()
    assert "\n" not in line and line.startswith("debian/mlmodel.yaml: line ")
    for w in words:
        assert w in line, line
