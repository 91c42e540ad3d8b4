"""Verify an OpenSSF Model Signing (OMS) signature offline, against the model files as shipped.

The signature file `model_signing sign` writes is a Sigstore bundle (JSON,
mediaType application/vnd.dev.sigstore.bundle.v0.3+json) whose DSSE envelope
carries an in-toto Statement v1: one subject (the model, with the manifest
digest: sha256 over the concatenated per-file digests), predicate type
https://model_signing/signature/v1.0, and the manifest itself (`resources`:
name, algorithm, digest per file).  We check, with no network:

1. the DSSE signature over PAE(payloadType, payload) with the declared public
   key (method `key`), or with the leaf certificate of the bundle's chain,
   which must chain to one of the declared CA certificates (method
   `certificate`);
2. that the manifest digest is what the resources hash to;
3. that every model file dh_mlmodel installs is in the manifest with the
   same sha256, that every signed file is installed, and that nothing else
   is (unless listed in the declaration's `ignore`).

Why not the model-signing library: dh_mlmodel runs under Debian's
/usr/bin/python3, where model-signing and sigstore are not packaged; the
envelope is small and its format fixed, so we verify it with the stdlib and
python3-cryptography (packaged in Debian 12 and 13), imported only when a
model declares a signature.  Method `sigstore` checks the Fulcio certificate,
its identity and issuer, and the Rekor entry with its inclusion proof against
the declared trust configuration, offline (deliver/sigstore.py).
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..model import MLModelError

PAYLOAD_TYPE = "application/vnd.in-toto+json"
STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://model_signing/signature/v1.0"
METHODS = ("key", "certificate", "sigstore")
MAX_SIGNATURE_BYTES = 16 * 1024 * 1024  # a manifest of ~100k files; a bigger file is refused unread


class SignatureError(MLModelError):
    """The model's signature does not verify: the build fails with this one line."""


@dataclass(frozen=True)
class SignatureDecl:
    file: str  # debian/upstream/<name>.sig
    method: str
    public_key: str | None = None  # method key: PEM public key file
    ca: tuple[str, ...] = ()  # method certificate: PEM CA certificate files (trust anchors)
    ignore: tuple[str, ...] = ()  # installed model files the signature need not cover
    identity: str | None = None  # method sigstore: the certificate's SAN (e-mail, URI)
    issuer: str | None = None  # method sigstore: the OIDC issuer Fulcio recorded
    trust_config: str | None = None  # method sigstore: pinned trusted_root.json / ClientTrustConfig
    line: int = 0


@dataclass(frozen=True)
class Verified:
    method: str
    signer: str  # sha256:<hex of the public key's SubjectPublicKeyInfo DER>, or the leaf certificate's subject
    manifest_digest: str  # sha256:<hex>, the statement's subject digest
    files: int  # how many files the manifest lists
    outside: tuple[str, ...] = ()  # signed files installed outside the model directory (documentation)
    details: tuple[tuple[str, Any], ...] = ()  # method sigstore: issuer, log index, integrated time

    def to_json(self, installed_as: str) -> dict[str, Any]:
        out: dict[str, Any] = {"method": self.method, "signer": self.signer, "manifest_digest": self.manifest_digest,
                               "files": self.files, "signature": installed_as, **dict(self.details)}
        if self.outside:
            out["outside_model_dir"] = list(self.outside)
        return out


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSE v1 pre-authentication encoding (secure-systems-lab/dsse protocol.md)."""
    t = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(t), t, len(payload), payload)


def _fail(where: str, reason: str) -> SignatureError:
    return SignatureError(where, reason)


def _b64(text: Any, where: str, what: str, fail=_fail) -> bytes:
    if not isinstance(text, str):
        raise fail(where, f"{what} is not a base64 string")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise fail(where, f"{what} is not valid base64") from None


def read_json_bounded(path: Path, limit: int, where: str, what: str, fail=_fail) -> Any:
    """The JSON document at `path`, refused unread when larger than `limit` bytes; one-line errors."""
    try:
        if path.stat().st_size > limit:
            raise fail(where, f"larger than {limit} bytes")
        return json.loads(path.read_bytes())
    except OSError as exc:
        raise fail(where, exc.strerror or str(exc)) from None
    except (ValueError, RecursionError):
        raise fail(where, f"not a JSON {what}") from None


def read_bundle(path: Path, where: str) -> tuple[dict[str, Any], bytes, bytes]:
    """(bundle, payload, signature) of a signature file; one-line errors for anything malformed."""
    bundle = read_json_bounded(path, MAX_SIGNATURE_BYTES, where, "Sigstore bundle")
    env = bundle.get("dsseEnvelope") if isinstance(bundle, dict) else None
    if not isinstance(env, dict):
        raise _fail(where, "no dsseEnvelope (not a model_signing signature)")
    if env.get("payloadType") != PAYLOAD_TYPE:
        raise _fail(where, f"payloadType is {env.get('payloadType')!r}, not {PAYLOAD_TYPE}")
    sigs = env.get("signatures")
    if not isinstance(sigs, list) or len(sigs) != 1 or not isinstance(sigs[0], dict):
        raise _fail(where, "the envelope must carry exactly one signature")
    return bundle, _b64(env.get("payload"), where, "payload"), _b64(sigs[0].get("sig"), where, "signature")


def _ec_verify(public_key: Any, signature: bytes, data: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        return False
    # model-signing: SHA-256 for P-256, SHA-384 for P-384, SHA-512 for P-521.
    algo = {256: hashes.SHA256, 384: hashes.SHA384, 521: hashes.SHA512}.get(public_key.curve.key_size)
    if algo is None:
        return False
    try:
        public_key.verify(signature, data, ec.ECDSA(algo()))
        return True
    except InvalidSignature:
        return False


def _key_fingerprint(public_key: Any) -> str:
    from cryptography.hazmat.primitives import serialization

    der = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(der).hexdigest()


def _load_pem(path: Path, where: str, kind: str) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    try:
        data = path.read_bytes()
        if kind == "key":
            return serialization.load_pem_public_key(data)
        return x509.load_pem_x509_certificate(data)
    except OSError as exc:
        raise _fail(where, exc.strerror or str(exc)) from None
    except (ValueError, TypeError) as exc:
        raise _fail(where, f"not a PEM {'public key' if kind == 'key' else 'certificate'} ({exc})") from None


def _signed_by(cert: Any, issuer: Any) -> bool:
    """`cert` carries a valid signature of `issuer`'s key and names it as issuer (EC or RSA issuers)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    if cert.issuer != issuer.subject or cert.signature_hash_algorithm is None:
        return False
    key = issuer.public_key()
    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), cert.signature_hash_algorithm)
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _is_ca(cert: Any) -> bool:
    from cryptography import x509

    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _certificate_signer(bundle: Mapping[str, Any], anchors: list[Any], where: str) -> Any:
    """The leaf certificate, after checking its chain ends at a declared CA (no clock: see provenance.md)."""
    from cryptography import x509

    material = bundle.get("verificationMaterial") or {}
    raw = ((material.get("x509CertificateChain") or {}).get("certificates") or []) if isinstance(material, dict) else []
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "method certificate, but the bundle has no x509CertificateChain")
    try:
        chain = [x509.load_der_x509_certificate(_b64(c.get("rawBytes") if isinstance(c, dict) else None, where,
                                                         "certificate")) for c in raw]
    except ValueError as exc:
        raise _fail(where, f"a certificate of the chain does not parse ({exc})") from None
    for child, parent in zip(chain, chain[1:]):
        if not (_is_ca(parent) and _signed_by(child, parent)):
            raise _fail(where, f"certificate chain broken at {child.subject.rfc4514_string()}")
    top = chain[-1]
    if not any(top == a or (_is_ca(a) and _signed_by(top, a)) for a in anchors):
        raise _fail(where, f"wrong signer: {chain[0].subject.rfc4514_string()} does not chain to a declared CA")
    return chain[0]


def _statement(payload: bytes, where: str) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(manifest digest, [(name, sha256)], ignore_paths) of an in-toto statement, its digest rechecked."""
    try:
        st = json.loads(payload)
        assert st["_type"] == STATEMENT_TYPE and st["predicateType"] == PREDICATE_TYPE
        (subject,) = st["subject"]
        digest = subject["digest"]["sha256"]
        pred = st["predicate"]
        assert pred["serialization"]["method"] == "files"
        resources = [(r["name"], r["digest"]) for r in pred["resources"] if r["algorithm"] == "sha256"]
        assert len(resources) == len(pred["resources"])
        ignored = [str(p) for p in pred["serialization"].get("ignore_paths", [])]
        root = hashlib.sha256(b"".join(bytes.fromhex(d) for _, d in resources)).hexdigest()
    except (ValueError, KeyError, TypeError, AssertionError, AttributeError, RecursionError):
        raise _fail(where, f"not a {PREDICATE_TYPE} statement over files with sha256 digests") from None
    if root != digest:
        raise _fail(where, "the manifest's digest does not match its files (the statement is inconsistent)")
    return digest, resources, ignored


def verify(decl: SignatureDecl, shipped: Mapping[str, str | None], source_root: Path = Path("."),
           elsewhere: Mapping[str, str | None] | None = None) -> Verified:
    """Check the declared signature against `shipped` (model-relative path -> sha256 of what is installed in
    the model directory); `elsewhere` are model files installed outside it (documentation), which may be
    signed, with the same sha256, but need not be."""
    where = decl.file
    try:
        import cryptography  # noqa: F401  (python3-cryptography: only a signed model needs it)
    except ImportError:
        raise _fail(where, "verifying a signature needs python3-cryptography (add it to Build-Depends)") from None
    bundle, payload, signature = read_bundle(source_root / decl.file, where)
    signed = pae(PAYLOAD_TYPE, payload)
    details: tuple[tuple[str, Any], ...] = ()
    if decl.method == "sigstore":
        from . import sigstore

        if not (decl.identity and decl.issuer and decl.trust_config):
            raise _fail(where, "method sigstore needs identity, issuer and trust-config")
        leaf, facts = sigstore.verify_bundle(bundle, payload, signature, source_root / decl.trust_config,
                                             decl.trust_config, decl.identity, decl.issuer, where, _signed_by, _is_ca)
        if not _ec_verify(leaf.public_key(), signature, signed):
            raise _fail(where, f"wrong signer: the signature does not verify with the certificate of {decl.identity}")
        signer, details = decl.identity, tuple(sorted(facts.items()))
    elif decl.method == "key":
        if not decl.public_key:
            raise _fail(where, "method key needs public-key")
        key = _load_pem(source_root / decl.public_key, decl.public_key, "key")
        if not _ec_verify(key, signature, signed):
            raise _fail(where, f"wrong signer: the signature does not verify with {decl.public_key} (or the envelope was altered)")
        signer = _key_fingerprint(key)
    else:  # certificate
        if not decl.ca:
            raise _fail(where, "method certificate needs ca (the CA certificates to trust)")
        anchors = [_load_pem(source_root / c, c, "certificate") for c in decl.ca]
        leaf = _certificate_signer(bundle, anchors, where)
        if not _ec_verify(leaf.public_key(), signature, signed):
            raise _fail(where, f"wrong signer: the signature does not verify with {leaf.subject.rfc4514_string()}")
        signer = leaf.subject.rfc4514_string()
    digest, resources, _ = _statement(payload, where)
    _check_coverage(where, dict(resources), shipped, decl.ignore, elsewhere or {})
    outside = tuple(sorted(set(dict(resources)) & set(elsewhere or {})))
    return Verified(decl.method, signer, "sha256:" + digest, len(resources), outside, details)


def _check_coverage(where: str, signed: Mapping[str, str], shipped: Mapping[str, str | None],
                    ignore: tuple[str, ...], elsewhere: Mapping[str, str | None]) -> None:
    for path in sorted(shipped):
        if path in signed:
            if shipped[path] != signed[path]:
                raise _fail(path, f"sha256 differs from the one signed in {where}")
        elif path not in ignore:
            raise _fail(path, f"unsigned: not in the manifest of {where} (sign it, or list it in signature.ignore)")
    for path in sorted(set(elsewhere) & set(signed)):
        if elsewhere[path] != signed[path]:
            raise _fail(path, f"sha256 differs from the one signed in {where}")
    from ..discover import never_installed_path

    # VCS files and package metadata are never installed (discover): signed or not, they are not missing.
    missing = sorted(p for p in set(signed) - set(shipped) - set(elsewhere) if not never_installed_path(p))
    if missing:
        raise _fail(missing[0], f"signed in {where} but not installed ({len(missing)} such file(s))")
