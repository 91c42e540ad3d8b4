"""Every small corpus case signed with model-signing (key method) verifies with our verifier against the sha256
inspect computes; one changed byte in any of its files is caught, naming that file."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from corpus_fixture import corpus  # noqa: F401 - the fixture
from dh_mlmodel.corpus import CASES
from dh_mlmodel.deliver.signature import SignatureDecl, SignatureError, verify
from dh_mlmodel.discover import never_installed_path
from dh_mlmodel.inspect import inspect_model_dir

pytestmark = pytest.mark.corpus
# PyPI model-signing (tests/requirements.txt), the reference signer: a missing one fails under CI
# (conftest), and skips only in the package build (DH_MLMODEL_ALLOW_SKIP).
pytest.importorskip("model_signing")
import model_signing.signing  # noqa: E402
SMALL = 20 * 1024 * 1024


def _size(d: Path) -> int:
    return sum(p.stat().st_size for p in d.rglob("*") if p.is_file() and not p.is_symlink())


def test_corpus_cases_sign_and_verify(corpus: Path, tmp_path: Path) -> None:  # noqa: F811
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP384R1())  # P-384: the SHA-384 branch
    (tmp_path / "k.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    (tmp_path / "k.pub").write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                                   serialization.PublicFormat.SubjectPublicKeyInfo))
    checked = []
    for name in sorted(CASES):
        src = corpus / name
        if not src.is_dir() or _size(src) > SMALL or any(p.is_symlink() for p in src.rglob("*")):
            continue
        model = tmp_path / name
        shutil.copytree(src, model)
        sig = tmp_path / f"{name}.sig"
        model_signing.signing.Config().use_elliptic_key_signer(private_key=tmp_path / "k.pem").sign(model, sig)
        shipped = {f.artifact.relpath: f.sha256 for f in inspect_model_dir(model).files}
        git = tuple(p for p in shipped if p.split("/")[0] in (".git", ".github", ".gitattributes", ".gitignore"))
        decl = SignatureDecl(file=str(sig), method="key", public_key=str(tmp_path / "k.pub"), ignore=git)
        v = verify(decl, {p: d for p, d in shipped.items() if p not in git}, Path("/"))
        # Signed, never installed (VCS files, package metadata: discover.never_installed_path), still counted.
        never = [p for p in model.rglob("*") if p.is_file() and never_installed_path(p.relative_to(model).as_posix())]
        assert v.files == len(shipped) - len(git) + len(never), name
        victim = sorted(p for p in shipped if p not in git)[-1]
        with open(model / victim, "r+b") as fh:
            first = fh.read(1)
            fh.seek(0)
            fh.write(bytes([(first[0] ^ 1) if first else 0]))
        changed = {f.artifact.relpath: f.sha256 for f in inspect_model_dir(model).files}
        with pytest.raises(SignatureError) as exc:
            verify(decl, {p: d for p, d in changed.items() if p not in git}, Path("/"))
        assert exc.value.one_line().startswith(f"{victim}: sha256 differs"), name
        checked.append(name)
    assert len(checked) >= 5, checked
