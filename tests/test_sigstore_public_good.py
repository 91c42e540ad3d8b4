"""Real model-signing Sigstore signatures from the public-good instance (tests/data/oms-sigstore, from
upstream's own test data), checked offline against the public-good trusted_root.json that sigstore-python
ships.  Truth we did not write: a real Fulcio chain, a real SCT, a real Rekor entry, inclusion proof and
checkpoint.  sigstore-python's Verifier on the same trust root is the oracle for every mutation."""
from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

# PyPI sigstore (tests/requirements.txt): a missing one fails under CI (conftest), skips only in the package build.
sigstore = pytest.importorskip("sigstore")

from dh_mlmodel.deliver.signature import SignatureDecl, SignatureError, verify  # noqa: E402

DATA = Path(__file__).parent / "data/oms-sigstore"
VERSIONS = sorted(p.name for p in DATA.iterdir() if p.is_dir())
IDENTITY = "stefanb@us.ibm.com"
ISSUER = "https://sigstore.verify.ibm.com/oauth2"
TRUSTED_ROOT = Path(sigstore.__file__).parent / "_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json"


def oracle(sig: Path, identity: str = IDENTITY, issuer: str = ISSUER) -> None:
    """sigstore-python, offline: the bundle, its certificate, log entry and DSSE signature."""
    from sigstore.models import Bundle, TrustedRoot
    from sigstore.verify import Verifier, policy

    verifier = Verifier(trusted_root=TrustedRoot.from_file(str(TRUSTED_ROOT)))
    verifier.verify_dsse(Bundle.from_json(sig.read_bytes()), policy.Identity(identity=identity, issuer=issuer))


def shipped(model: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.iterdir() if p.name != "model.sig"}


def decl(sig: Path, identity: str = IDENTITY, issuer: str = ISSUER) -> SignatureDecl:
    return SignatureDecl(file=str(sig), method="sigstore", identity=identity, issuer=issuer,
                         trust_config=str(TRUSTED_ROOT), ignore=("ignore-me",))


def test_the_data_is_there():
    assert TRUSTED_ROOT.is_file() and VERSIONS == ["v0.3.1-sigstore", "v1.0.1-sigstore", "v1.1.0-sigstore"]


@pytest.mark.parametrize("version", VERSIONS)
def test_public_good_bundle_verifies(version):
    model = DATA / version
    oracle(model / "model.sig")
    v = verify(decl(model / "model.sig"), shipped(model), Path("/"))
    entry = json.loads((model / "model.sig").read_text())["verificationMaterial"]["tlogEntries"][0]
    assert (v.method, v.signer, v.files) == ("sigstore", IDENTITY, 2)
    details = dict(v.details)
    assert details["log_index"] == int(entry["logIndex"]) and details["issuer"] == ISSUER


@pytest.mark.parametrize("version", VERSIONS)
def test_public_good_tampered_file_fails(version, tmp_path):
    model = DATA / version
    files = shipped(model)
    files["signme-1"] = hashlib.sha256(b"tampered").hexdigest()
    with pytest.raises(SignatureError) as exc:
        verify(decl(model / "model.sig"), files, Path("/"))
    assert exc.value.one_line().startswith("signme-1: sha256 differs")


def _flip(text: str) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[-1] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def _proof(b):
    p = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]
    p["hashes"][3] = _flip(p["hashes"][3])


def _checkpoint(b):
    cp = b["verificationMaterial"]["tlogEntries"][0]["inclusionProof"]["checkpoint"]
    cp["envelope"] = cp["envelope"].replace("\n", "\nx", 1)  # another origin line: the note's signature breaks


def _body(b):
    e = b["verificationMaterial"]["tlogEntries"][0]
    body = json.loads(base64.b64decode(e["canonicalizedBody"]))
    body["spec"]["payloadHash"]["value"] = "0" * 64
    e["canonicalizedBody"] = base64.b64encode(json.dumps(body).encode()).decode()


def _certificate(b):
    c = b["verificationMaterial"]["certificate"]
    c["rawBytes"] = _flip(c["rawBytes"])  # the CA's signature over it breaks


@pytest.mark.parametrize("case,mutate,words", [
    ("identity", None, "wrong signer"),
    ("issuer", None, "wrong issuer"),
    ("inclusion proof", _proof, "inclusion proof"),
    ("checkpoint", _checkpoint, "checkpoint"),
    ("logged body", _body, "inclusion"),
    ("certificate", _certificate, "certificate"),
])
def test_public_good_mutations_fail_both(tmp_path, case, mutate, words):
    model = DATA / "v1.0.1-sigstore"
    identity, issuer = IDENTITY, ISSUER
    bundle = json.loads((model / "model.sig").read_text())
    if mutate:
        mutate(bundle)
    elif case == "identity":
        identity = "someone@us.ibm.com"
    else:
        issuer = "https://accounts.google.com"
    sig = tmp_path / "model.sig"
    sig.write_text(json.dumps(bundle))
    with pytest.raises(Exception):
        oracle(sig, identity, issuer)
    with pytest.raises(SignatureError) as exc:
        verify(decl(sig, identity, issuer), shipped(model), Path("/"))
    line = exc.value.one_line()
    assert "\n" not in line and line.startswith(f"{sig}: ") and words in line, line


def test_public_good_bundle_against_another_trust_root_fails(tmp_path):
    """The real bundle with a trust root that pins other keys (the staging instance's): refused."""
    staging = TRUSTED_ROOT.parent.parent / "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev/trusted_root.json"
    model = DATA / "v1.1.0-sigstore"
    d = SignatureDecl(file=str(model / "model.sig"), method="sigstore", identity=IDENTITY, issuer=ISSUER,
                      trust_config=str(staging), ignore=("ignore-me",))
    with pytest.raises(SignatureError) as exc:
        verify(d, shipped(model), Path("/"))
    assert "does not pin" in exc.value.one_line()
