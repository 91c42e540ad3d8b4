"""Method sigstore, differentially: every bundle is judged by our verifier (deliver/sigstore.py) and by
model-signing's Sigstore verifier (sigstore-python's Verifier) with the same local trust configuration.  The
clean bundle passes both; each broken one fails both, and ours says so in one line naming the file."""
from __future__ import annotations

import base64
import datetime
import hashlib
import json
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import given, strategies as st

# PyPI model-signing and sigstore (tests/requirements.txt), the reference: a missing one fails under CI
# (conftest), and skips only in the package build (DH_MLMODEL_ALLOW_SKIP).
pytest.importorskip("model_signing")
pytest.importorskip("sigstore")

import sigstore_fixture as fx  # noqa: E402
from dh_mlmodel.deliver import sigstore as ours  # noqa: E402
from dh_mlmodel.deliver.signature import SignatureDecl, SignatureError, verify  # noqa: E402


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("sigstore")
    model = d / "model"
    model.mkdir()
    (model / "config.json").write_text('{"model_type": "bert"}\n')
    (model / "model.safetensors").write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{}      ")
    (model / "README.md").write_text("# card\n")
    s = fx.Sigstore()
    trust = s.write_trust(d / "trust.json")
    s.sign(model, d / "model.sig")
    return s, d, model, trust


def shipped(model: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in model.iterdir()}


def decl(sig: Path, trust: Path, identity: str = fx.IDENTITY, issuer: str = fx.ISSUER) -> SignatureDecl:
    return SignatureDecl(file=str(sig), method="sigstore", identity=identity, issuer=issuer, trust_config=str(trust))


def test_clean_bundle_passes_both(world):
    s, d, model, trust = world
    fx.oracle(model, d / "model.sig", trust)
    v = verify(decl(d / "model.sig", trust), shipped(model), Path("/"))
    assert (v.method, v.signer, v.files) == ("sigstore", fx.IDENTITY, 3)
    got = v.to_json("/x.sig")
    assert got["issuer"] == fx.ISSUER and got["log_index"] == 1004 and got["integrated_time"] == "2026-03-01T12:00:00Z"
    statement = json.loads(base64.b64decode(json.loads((d / "model.sig").read_text())["dsseEnvelope"]["payload"]))
    assert v.manifest_digest == "sha256:" + statement["subject"][0]["digest"]["sha256"]


def entry(b: dict) -> dict:
    return b["verificationMaterial"]["tlogEntries"][0]


def flip_b64(text: str, at: int = 0) -> str:
    raw = bytearray(base64.b64decode(text))
    raw[at] ^= 1
    return base64.b64encode(bytes(raw)).decode()


def broken_proof(b):
    p = entry(b)["inclusionProof"]
    p["hashes"][1] = flip_b64(p["hashes"][1])


def short_proof(b):
    entry(b)["inclusionProof"]["hashes"].pop()


def wrong_root(b):
    # A consistent proof for another tree: the checkpoint no longer signs that root.
    p = entry(b)["inclusionProof"]
    p["rootHash"] = flip_b64(p["rootHash"])


def unsigned_checkpoint(b):
    cp = entry(b)["inclusionProof"]["checkpoint"]
    head, sig = cp["envelope"].rsplit(" ", 1)
    cp["envelope"] = head + " " + flip_b64(sig.strip(), 10) + "\n"


def forged_time(b):
    entry(b)["integratedTime"] = str(int(entry(b)["integratedTime"]) + 3600)  # outside the SET


def other_log(b):
    entry(b)["logId"]["keyId"] = base64.b64encode(b"\x01" * 32).decode()


def no_promise(b):
    del entry(b)["inclusionPromise"]


def rekor_v2(b):
    entry(b)["kindVersion"] = {"kind": "hashedrekord", "version": "0.0.2"}


def altered_payload(b):
    env = b["dsseEnvelope"]
    st_ = json.loads(base64.b64decode(env["payload"]))
    st_["predicate"]["resources"][0]["digest"] = "0" * 64
    env["payload"] = base64.b64encode(json.dumps(st_).encode()).decode()


MUTATIONS: dict[str, tuple[Callable[[dict], None], str]] = {
    "broken inclusion proof": (broken_proof, "inclusion proof"),
    "short inclusion proof": (short_proof, "inclusion proof"),
    "root not the checkpoint's": (wrong_root, "inclusion proof"),
    "checkpoint not signed by the log": (unsigned_checkpoint, "checkpoint"),
    "integrated time not the signed one": (forged_time, "inclusion promise"),
    "entry from an unpinned log": (other_log, "does not pin"),
    "Rekor v2 entry": (rekor_v2, "not verified offline"),
    "no inclusion promise": (no_promise, "RFC 3161 timestamps instead are not verified offline"),
    "envelope altered after logging": (altered_payload, "another payload"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutated_bundle_fails_both(world, tmp_path, name):
    s, d, model, trust = world
    mutate, words = MUTATIONS[name]
    bundle = json.loads((d / "model.sig").read_text())
    mutate(bundle)
    sig = tmp_path / "model.sig"
    sig.write_text(json.dumps(bundle))
    with pytest.raises(Exception):
        fx.oracle(model, sig, trust)
    with pytest.raises(SignatureError) as exc:
        verify(decl(sig, trust), shipped(model), Path("/"))
    line = exc.value.one_line()
    assert "\n" not in line and line.startswith(f"{sig}: ") and words in line, line


@pytest.mark.parametrize("case", ["wrong identity", "wrong issuer", "another CA", "expired at signing"])
def test_wrong_signer_fails_both(world, tmp_path, case):
    s, d, model, trust = world
    sig = tmp_path / "model.sig"
    identity, issuer = fx.IDENTITY, fx.ISSUER
    if case == "another CA":
        s.sign(model, sig, ca=fx.Authority("rogue"))
        words = "not issued by a CA of the trust configuration"
    elif case == "expired at signing":
        s.sign(model, sig)
        bundle = json.loads(sig.read_text())
        # Re-log the same envelope and certificate an hour after the certificate expired.
        cert_der = base64.b64decode(bundle["verificationMaterial"]["certificate"]["rawBytes"])
        from cryptography import x509

        orig = fx.T0
        try:
            fx.T0 = orig + datetime.timedelta(hours=1)
            bundle["verificationMaterial"]["tlogEntries"] = [
                s.log_entry(bundle["dsseEnvelope"], x509.load_der_x509_certificate(cert_der))]
        finally:
            fx.T0 = orig
        sig.write_text(json.dumps(bundle))
        words = "not valid at the integrated time"
    else:
        s.sign(model, sig)
        if case == "wrong identity":
            identity, words = "someone@else.example", "wrong signer"
        else:
            issuer, words = "https://accounts.else.example", "wrong issuer"
    with pytest.raises(Exception):
        fx.oracle(model, sig, trust, identity, issuer)
    with pytest.raises(SignatureError) as exc:
        verify(decl(sig, trust, identity, issuer), shipped(model), Path("/"))
    line = exc.value.one_line()
    assert "\n" not in line and line.startswith(f"{sig}: ") and words in line, line


def test_ed25519_log_key_passes_both(world, tmp_path):
    """A log with an Ed25519 key (the trusted-root format allows PKIX_ED25519): both verifiers accept it."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    s, d, model, trust = world
    other = fx.Sigstore(fulcio=s.fulcio, ct_key=s.ct_key, rekor_key=ed25519.Ed25519PrivateKey.generate())
    t = other.write_trust(tmp_path / "trust.json")
    other.sign(model, tmp_path / "model.sig")
    fx.oracle(model, tmp_path / "model.sig", t)
    assert verify(decl(tmp_path / "model.sig", t), shipped(model), Path("/")).signer == fx.IDENTITY
    with pytest.raises(SignatureError):  # and the other log's trust root does not vouch for it
        verify(decl(tmp_path / "model.sig", trust), shipped(model), Path("/"))


def test_tampered_file_fails_naming_it(world, tmp_path):
    s, d, model, trust = world
    files = shipped(model)
    files["config.json"] = hashlib.sha256(b"changed").hexdigest()
    with pytest.raises(SignatureError) as exc:
        verify(decl(d / "model.sig", trust), files, Path("/"))
    assert exc.value.one_line().startswith("config.json: sha256 differs")


def test_broken_trust_configuration_is_one_line(world, tmp_path):
    s, d, model, trust = world
    for text in ("not json", json.dumps({"mediaType": "x"}), json.dumps({"trustedRoot": {
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1", "tlogs": []}})):
        bad = tmp_path / "trust.json"
        bad.write_text(text)
        with pytest.raises(SignatureError) as exc:
            verify(decl(d / "model.sig", bad), shipped(model), Path("/"))
        assert exc.value.one_line().startswith(f"{bad}: "), exc.value.one_line()


def test_trusted_root_alone_is_accepted(world, tmp_path):
    """The bare trusted_root.json (what `sigstore` ships) works as well as a ClientTrustConfig."""
    s, d, model, trust = world
    bare = tmp_path / "trusted_root.json"
    bare.write_text(json.dumps(s.trust_config()["trustedRoot"]))
    assert verify(decl(d / "model.sig", bare), shipped(model), Path("/")).signer == fx.IDENTITY


@given(st.integers(1, 300).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, n - 1))), st.integers(0, 63))
def test_inclusion_proof_against_the_rfc_tree(size_index, bit):
    """Our RFC 9162 path check agrees with a tree built from RFC 6962's definition; one flipped bit fails."""
    size, index = size_index
    leaves = [b"leaf %d" % i for i in range(size)]
    path = fx.audit_path(index, leaves)
    root = fx.mth(leaves)
    leaf = ours.leaf_hash(leaves[index])
    assert ours.inclusion_root(index, size, leaf, path) == root
    if path:
        bad = [bytearray(h) for h in path]
        bad[bit % len(bad)][bit % 32] ^= 1 << (bit % 8)
        assert ours.inclusion_root(index, size, leaf, [bytes(h) for h in bad]) != root
    assert ours.inclusion_root(index, size, leaf, path + [root]) is None


JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.text(max_size=8),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=6), c, max_size=3),
                    max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


@given(st.data())
def test_hostile_bundle_fields_fail_in_one_line(world, tmp_path_factory, data):
    """Any field of the verification material (or the trust root) replaced by any JSON value: a
    SignatureError naming a file, never another exception."""
    s, d, model, trust = world
    bundle = json.loads((d / "model.sig").read_text())
    root = s.trust_config()
    target = data.draw(st.sampled_from(["bundle", "trust"]))
    doc = bundle["verificationMaterial"] if target == "bundle" else root["trustedRoot"]
    path = data.draw(st.sampled_from(sorted(_paths(doc), key=repr)[1:]))
    node = doc
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = data.draw(JSON)
    out = tmp_path_factory.mktemp("h")
    (out / "model.sig").write_text(json.dumps(bundle))
    (out / "trust.json").write_text(json.dumps(root))
    try:
        verify(decl(out / "model.sig", out / "trust.json"), shipped(model), Path("/"))
    except SignatureError as exc:
        line = exc.value.one_line() if hasattr(exc, "value") else exc.one_line()
        assert "\n" not in line and line.startswith(str(out)), line
