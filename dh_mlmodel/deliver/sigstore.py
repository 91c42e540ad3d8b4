"""Offline verification of a Sigstore-signed OMS bundle against a pinned trust configuration.

`model_signing sign sigstore` writes a Sigstore bundle v0.3 whose DSSE envelope is signed by a short-lived
Fulcio certificate, with one Rekor (v1) transparency-log entry of kind dsse/0.0.1.  With no network we check,
against the declared `trust-config` (Sigstore's trusted_root.json, or a ClientTrustConfig that holds one):

1. the log entry: its logId is a pinned log whose key was valid at the entry's integratedTime; the signed
   entry timestamp (inclusion promise) is that log's signature over the entry, which makes integratedTime a
   signed time; the RFC 6962 inclusion proof of the canonicalized body leads to the root hash of the
   checkpoint, whose tree size matches and which the same log key signed (a C2SP signed note);
2. the body is this envelope: payload hash, signature and certificate are the bundle's own;
3. the leaf certificate: issued by a pinned certificate authority whose chain is consistent, every
   certificate and the authority's validFor window valid at integratedTime, key usage digitalSignature and
   extended key usage codeSigning, and its embedded SCT signed by a pinned CT log;
4. the identity (a SAN: e-mail, URI or Sigstore other-name) and the OIDC issuer (Fulcio extension
   1.3.6.1.4.1.57264.1.1, and .1.8 when present) equal the declared ones.

The DSSE signature itself and the manifest are checked by signature.verify, as for the other methods.
The reference is sigstore-python's Verifier (tests/test_sigstore_signature.py uses it as the oracle).
Rekor v2 entries (hashedrekord/0.0.2, with RFC 3161 timestamps) are refused: see docs/provenance.md.
"""
from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from .signature import SignatureError, read_json_bounded
from .signature import _b64 as signature_b64

MAX_TRUST_BYTES = 4 * 1024 * 1024
OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1"  # raw bytes of the issuer URL
OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8"  # DER UTF8String
OID_OTHERNAME = "1.3.6.1.4.1.57264.1.7"  # Sigstore's SAN other-name (a DER UTF8String)
OID_CODE_SIGNING = "1.3.6.1.5.5.7.3.3"
OID_CT_PRECERT_SIGNING = "1.3.6.1.4.1.11129.2.4.4"


# What a JSON field of the wrong type or a hostile certificate raises deep down; turned into one line.
HOSTILE = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError, OSError)


class SigstoreError(SignatureError):
    """A Sigstore bundle that does not verify against the pinned trust configuration."""


def _fail(where: str, reason: str) -> SigstoreError:
    return SigstoreError(where, reason)


@dataclass(frozen=True)
class Log:
    key: Any
    start: datetime.datetime | None
    end: datetime.datetime | None


@dataclass(frozen=True)
class Authority:
    chain: tuple[Any, ...]  # issuing certificate first, root last
    start: datetime.datetime | None
    end: datetime.datetime | None


@dataclass(frozen=True)
class TrustRoot:
    tlogs: Mapping[bytes, Log]  # log id (sha256 of the key's SubjectPublicKeyInfo) -> key
    ctlogs: Mapping[bytes, Log]
    authorities: tuple[Authority, ...]


def _b64(text: Any, where: str, what: str) -> bytes:
    return signature_b64(text, where, what, fail=_fail)


def _time(text: Any, where: str) -> datetime.datetime | None:
    if text is None:
        return None
    try:
        t = datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise _fail(where, f"validFor time {text!r} is not RFC 3339") from None
    return t if t.tzinfo else t.replace(tzinfo=datetime.timezone.utc)


def _window(node: Any, where: str) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    node = node if isinstance(node, dict) else {}
    return _time(node.get("start"), where), _time(node.get("end"), where)


def _within(t: datetime.datetime, start: datetime.datetime | None, end: datetime.datetime | None) -> bool:
    return (start is None or start <= t) and (end is None or t <= end)


def _public_key(der: bytes, where: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    try:
        return serialization.load_der_public_key(der)
    except (ValueError, TypeError) as exc:
        raise _fail(where, f"a pinned log key does not parse ({exc})") from None


def key_id(key: Any) -> bytes:
    """Rekor's and CT's log id: sha256 of the DER SubjectPublicKeyInfo."""
    from cryptography.hazmat.primitives import serialization

    return hashlib.sha256(key.public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)).digest()


def _logs(nodes: Any, where: str) -> dict[bytes, Log]:
    out: dict[bytes, Log] = {}
    for node in nodes if isinstance(nodes, list) else []:
        pk = node.get("publicKey") if isinstance(node, dict) else None
        if not isinstance(pk, dict):
            raise _fail(where, "a log has no publicKey")
        key = _public_key(_b64(pk.get("rawBytes"), where, "publicKey.rawBytes"), where)
        out[key_id(key)] = Log(key, *_window(pk.get("validFor"), where))
    return out


def load_trust_root(path: Path, where: str) -> TrustRoot:
    """A trusted_root.json (or a ClientTrustConfig's trustedRoot): pinned logs, CT logs and CAs."""
    doc = read_json_bounded(path, MAX_TRUST_BYTES, where, "Sigstore trust configuration", fail=_fail)
    root = doc.get("trustedRoot", doc) if isinstance(doc, dict) else None
    if not isinstance(root, dict) or "trustedroot" not in str(root.get("mediaType", "")):
        raise _fail(where, "not a Sigstore trusted root (mediaType application/vnd.dev.sigstore.trustedroot+json)")
    try:
        return _trust_root(root, where)
    except SigstoreError:
        raise
    except HOSTILE as exc:
        raise _fail(where, f"malformed trusted root ({type(exc).__name__}: {str(exc)[:120]})") from None


def _trust_root(root: Mapping[str, Any], where: str) -> TrustRoot:
    from cryptography import x509

    authorities = []
    cas = root.get("certificateAuthorities")
    for node in cas if isinstance(cas, list) else []:
        certs = ((node.get("certChain") or {}).get("certificates") or []) if isinstance(node, dict) else []
        try:
            chain = tuple(x509.load_der_x509_certificate(_b64(c.get("rawBytes") if isinstance(c, dict) else None,
                                                              where, "certificate")) for c in certs)
        except ValueError as exc:
            raise _fail(where, f"a pinned CA certificate does not parse ({exc})") from None
        if chain:
            authorities.append(Authority(chain, *_window(node.get("validFor"), where)))
    tlogs = _logs(root.get("tlogs"), where)
    if not tlogs or not authorities:
        raise _fail(where, "the trust configuration pins no transparency log or no certificate authority")
    return TrustRoot(tlogs, _logs(root.get("ctlogs"), where), tuple(authorities))


def signature_ok(key: Any, signature: bytes, data: bytes) -> bool:
    """A log's, CT log's or CA's signature: ECDSA (hash by curve), Ed25519, or RSA PKCS#1 v1.5 SHA-256."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa

    try:
        if isinstance(key, ec.EllipticCurvePublicKey):
            algo = {256: hashes.SHA256, 384: hashes.SHA384, 521: hashes.SHA512}.get(key.curve.key_size)
            if algo is None:
                return False
            key.verify(signature, data, ec.ECDSA(algo()))
        elif isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True


# RFC 6962 / RFC 9162 Merkle tree hashing.
def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def inclusion_root(index: int, size: int, leaf: bytes, path: list[bytes]) -> bytes | None:
    """The root an inclusion proof leads to (RFC 9162 2.1.3.2), or None when the path has the wrong shape."""
    if not 0 <= index < size:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def _int(node: Mapping[str, Any], key: str, where: str) -> int:
    value = node.get(key)
    try:
        # protobuf JSON writes int64 as a string
        out = int(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None
    except ValueError:
        out = None
    if out is None or out < 0:
        raise _fail(where, f"tlog entry {key} is not a non-negative integer")
    return out


def _checkpoint(text: Any, log: Log, log_id: bytes, where: str) -> tuple[int, bytes]:
    """(tree size, root hash) of a signed checkpoint that the log's key signed."""
    if not isinstance(text, str) or text.count("\n\n") != 1 or not text.endswith("\n"):
        raise _fail(where, "the checkpoint is not a signed note")
    note, sigs = text.split("\n\n")
    lines = note.split("\n")
    if len(lines) < 3:
        raise _fail(where, "the checkpoint has no origin, size and root hash")
    for line in sigs.rstrip("\n").split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != "\u2014":
            raise _fail(where, "the checkpoint has a malformed signature line")
        raw = _b64(parts[2], where, "checkpoint signature")
        if raw[:4] == log_id[:4] and signature_ok(log.key, raw[4:], (note + "\n").encode()):
            break
    else:
        raise _fail(where, "the checkpoint is not signed by the pinned transparency log key")
    try:
        return int(lines[1]), base64.b64decode(lines[2], validate=True)
    except (ValueError, binascii.Error):
        raise _fail(where, "the checkpoint's size or root hash does not parse") from None


def _canonical_set_payload(body: bytes, integrated: int, log_id: bytes, index: int) -> bytes:
    # RFC 8785 of four keys whose strings are ASCII (base64, hex): sorted keys, no whitespace.
    return json.dumps({"body": base64.b64encode(body).decode(), "integratedTime": integrated,
                       "logID": log_id.hex(), "logIndex": index}, sort_keys=True, separators=(",", ":")).encode()


def verify_log_entry(entry: Any, trust: TrustRoot, where: str) -> tuple[bytes, datetime.datetime, int]:
    """(canonicalized body, signed integrated time, log index) of the bundle's one Rekor v1 entry."""
    if not isinstance(entry, dict):
        raise _fail(where, "the tlog entry is not an object")
    kv = entry.get("kindVersion") or {}
    if not isinstance(kv, dict) or (kv.get("kind"), kv.get("version")) != ("dsse", "0.0.1"):
        raise _fail(where, f"tlog entry kind {kv.get('kind') if isinstance(kv, dict) else None!r} "
                           f"{kv.get('version') if isinstance(kv, dict) else None!r} is not verified offline "
                           "(only Rekor v1 dsse 0.0.1 entries with an inclusion promise are)")
    log_id = _b64((entry.get("logId") or {}).get("keyId") if isinstance(entry.get("logId"), dict) else None,
                  where, "logId.keyId")
    log = trust.tlogs.get(log_id)
    if log is None:
        raise _fail(where, f"the tlog entry is from log {log_id.hex()[:16]}…, "
                           "which the trust configuration does not pin")
    body = _b64(entry.get("canonicalizedBody"), where, "canonicalizedBody")
    index = _int(entry, "logIndex", where)
    integrated = _int(entry, "integratedTime", where)
    promise = entry.get("inclusionPromise")
    if promise is None:
        raise _fail(where, "the tlog entry has no inclusion promise (the log's signed time); bundles that rely "
                           "on RFC 3161 timestamps instead are not verified offline")
    set_sig = _b64(promise.get("signedEntryTimestamp") if isinstance(promise, dict) else None, where,
                   "inclusionPromise.signedEntryTimestamp")
    if not signature_ok(log.key, set_sig, _canonical_set_payload(body, integrated, log_id, index)):
        raise _fail(where, "the inclusion promise (signed entry timestamp) is not the pinned log's signature")
    when = datetime.datetime.fromtimestamp(integrated, tz=datetime.timezone.utc)
    if not _within(when, log.start, log.end):
        raise _fail(where, f"the log key was not valid at the integrated time {when.isoformat()}")
    proof = entry.get("inclusionProof")
    if not isinstance(proof, dict) or not isinstance(proof.get("hashes", []), list):
        raise _fail(where, "the tlog entry has no inclusion proof")
    size, root = _int(proof, "treeSize", where), _b64(proof.get("rootHash"), where, "inclusionProof.rootHash")
    path = [_b64(h, where, "inclusionProof.hashes") for h in proof.get("hashes", [])]
    if inclusion_root(_int(proof, "logIndex", where), size, leaf_hash(body), path) != root:
        raise _fail(where, "the inclusion proof does not lead from the entry to its root hash")
    cp = proof.get("checkpoint")
    cp_size, cp_root = _checkpoint(cp.get("envelope") if isinstance(cp, dict) else None, log, log_id, where)
    if (cp_size, cp_root) != (size, root):
        raise _fail(where, "the signed checkpoint is for another tree than the inclusion proof")
    return body, when, index


def check_body(body: bytes, payload: bytes, signature: bytes, leaf: Any, where: str) -> None:
    """The logged dsse 0.0.1 body records this payload, this signature and this certificate."""
    from cryptography import x509

    try:
        doc = json.loads(body)
        spec = doc["spec"]
        ok = (doc["kind"], doc["apiVersion"]) == ("dsse", "0.0.1") and spec["payloadHash"]["algorithm"] == "sha256"
        logged_hash = spec["payloadHash"]["value"]
        (sig,) = spec["signatures"]
        logged_sig = base64.b64decode(sig["signature"], validate=True)
        logged_cert = x509.load_pem_x509_certificate(base64.b64decode(sig["verifier"], validate=True))
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError, binascii.Error):
        raise _fail(where, "the logged entry is not a dsse 0.0.1 body with one signature") from None
    if not ok or logged_hash != hashlib.sha256(payload).hexdigest():
        raise _fail(where, "the logged entry is for another payload than the envelope's")
    if logged_sig != signature or logged_cert != leaf:
        raise _fail(where, "the logged entry records another signature or certificate than the bundle's")


def _validity(cert: Any) -> tuple[datetime.datetime, datetime.datetime]:
    # not_valid_*_utc from cryptography 42; Debian 12's 38 has only the naive UTC ones.
    if hasattr(cert, "not_valid_before_utc"):
        return cert.not_valid_before_utc, cert.not_valid_after_utc
    utc = datetime.timezone.utc
    return cert.not_valid_before.replace(tzinfo=utc), cert.not_valid_after.replace(tzinfo=utc)


def _valid_at(cert: Any, when: datetime.datetime) -> bool:
    start, end = _validity(cert)
    return start <= when <= end


def _ext(cert: Any, cls_or_oid: Any) -> Any:
    from cryptography import x509

    try:
        if isinstance(cls_or_oid, str):
            return cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(cls_or_oid)).value
        return cert.extensions.get_extension_for_class(cls_or_oid).value
    except x509.ExtensionNotFound:
        return None


def der_utf8(data: bytes) -> str | None:
    """The text of a DER UTF8String (tag 0x0c), or None."""
    if len(data) < 2 or data[0] != 0x0C:
        return None
    n, off = data[1], 2
    if n & 0x80:
        width = n & 0x7F
        if width == 0 or width > 4 or len(data) < 2 + width:
            return None
        n, off = int.from_bytes(data[2:2 + width], "big"), 2 + width
    if len(data) != off + n:
        return None
    try:
        return data[off:].decode("utf-8")
    except UnicodeDecodeError:
        return None


def identities(cert: Any) -> list[str]:
    """The SAN identities Sigstore compares: e-mail addresses, URIs, and its own other-name."""
    from cryptography import x509

    san = _ext(cert, x509.SubjectAlternativeName)
    if san is None:
        return []
    out = list(san.get_values_for_type(x509.RFC822Name)) + list(san.get_values_for_type(x509.UniformResourceIdentifier))
    for other in san.get_values_for_type(x509.OtherName):
        text = der_utf8(other.value) if other.type_id.dotted_string == OID_OTHERNAME else None
        if text is not None:
            out.append(text)
    return out


def issuer_of(cert: Any) -> str | None:
    """Fulcio's OIDC issuer: extension .1.1 (raw) and .1.8 (DER UTF8String) must agree where both exist."""
    v1 = _ext(cert, OID_ISSUER_V1)
    v2 = _ext(cert, OID_ISSUER_V2)
    texts = set()
    if v1 is not None:
        try:
            texts.add(v1.value.decode("utf-8"))
        except UnicodeDecodeError:
            return None
    if v2 is not None:
        texts.add(der_utf8(v2.value))
    return texts.pop() if len(texts) == 1 else None


def check_certificate(leaf: Any, trust: TrustRoot, when: datetime.datetime, where: str,
                      signed_by: Callable[[Any, Any], bool], is_ca: Callable[[Any], bool]) -> Authority:
    """The pinned authority that issued the leaf, every certificate valid at `when`; the leaf's usages."""
    from cryptography import x509

    subject = ", ".join(identities(leaf)) or leaf.subject.rfc4514_string()
    for ca in trust.authorities:
        if not signed_by(leaf, ca.chain[0]):
            continue
        for child, parent in zip(ca.chain, ca.chain[1:]):
            if not (is_ca(parent) and signed_by(child, parent)):
                raise _fail(where, f"the pinned CA chain is broken at {child.subject.rfc4514_string()}")
        if not is_ca(ca.chain[0]):
            raise _fail(where, f"the pinned {ca.chain[0].subject.rfc4514_string()} is not a CA")
        if not (_within(when, ca.start, ca.end) and all(_valid_at(c, when) for c in (leaf,) + ca.chain)):
            raise _fail(where, f"the certificate of {subject} was not valid at the integrated time {when.isoformat()}")
        break
    else:
        raise _fail(where, f"wrong signer: the certificate of {subject} was not issued by a CA "
                           "of the trust configuration")
    usage = _ext(leaf, x509.KeyUsage)
    eku = _ext(leaf, x509.ExtendedKeyUsage)
    if is_ca(leaf) or usage is None or not usage.digital_signature or eku is None \
            or OID_CODE_SIGNING not in {o.dotted_string for o in eku}:
        raise _fail(where, f"the certificate of {subject} is not a code-signing leaf certificate")
    return ca


def check_sct(leaf: Any, ca: Authority, trust: TrustRoot, where: str) -> None:
    """The leaf's embedded SCT (RFC 6962 3.2, precertificate entry) is signed by a pinned CT log."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    scts = _ext(leaf, x509.PrecertificateSignedCertificateTimestamps)
    if scts is None or len(scts) != 1:
        raise _fail(where, "the certificate does not embed exactly one signed certificate timestamp")
    (sct,) = scts
    log = trust.ctlogs.get(sct.log_id)
    if log is None:
        raise _fail(where, "the certificate's SCT is from a CT log the trust configuration does not pin")
    issuer = ca.chain[0]
    eku = _ext(issuer, x509.ExtendedKeyUsage)
    if eku is not None and OID_CT_PRECERT_SIGNING in {o.dotted_string for o in eku} and len(ca.chain) > 1:
        issuer = ca.chain[1]  # a precertificate signing certificate stands in for its issuer
    issuer_hash = hashlib.sha256(issuer.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)).digest()
    tbs = leaf.tbs_precertificate_bytes
    ts = sct.timestamp.replace(tzinfo=datetime.timezone.utc)
    millis = int(ts.timestamp()) * 1000 + ts.microsecond // 1000
    ext = sct.extension_bytes
    signed = (b"\x00\x00" + millis.to_bytes(8, "big") + b"\x00\x01" + issuer_hash
              + len(tbs).to_bytes(3, "big") + tbs + len(ext).to_bytes(2, "big") + ext)
    if not signature_ok(log.key, sct.signature, signed):
        raise _fail(where, "the certificate's SCT is not the pinned CT log's signature")


def verify_bundle(bundle: Mapping[str, Any], payload: bytes, signature: bytes, trust_path: Path, trust_where: str,
                  identity: str, issuer: str, where: str, signed_by: Callable[[Any, Any], bool],
                  is_ca: Callable[[Any], bool]) -> tuple[Any, dict[str, Any]]:
    """(leaf certificate, what to record) of a bundle that holds against the pinned trust configuration."""
    from cryptography.exceptions import UnsupportedAlgorithm

    trust = load_trust_root(trust_path, trust_where)
    try:
        return _verify_bundle(bundle, payload, signature, trust, identity, issuer, where, signed_by, is_ca)
    except SigstoreError:
        raise
    except HOSTILE + (UnsupportedAlgorithm,) as exc:
        # cryptography parses certificate extensions and algorithms lazily: a hostile certificate fails here
        raise _fail(where, f"malformed certificate or log entry ({type(exc).__name__}: {str(exc)[:120]})") from None


def _verify_bundle(bundle: Mapping[str, Any], payload: bytes, signature: bytes, trust: TrustRoot, identity: str,
                   issuer: str, where: str, signed_by: Callable[[Any, Any], bool],
                   is_ca: Callable[[Any], bool]) -> tuple[Any, dict[str, Any]]:
    from cryptography import x509

    material = bundle.get("verificationMaterial")
    material = material if isinstance(material, dict) else {}
    raw = (material.get("certificate") or {}).get("rawBytes") if isinstance(material.get("certificate"), dict) \
        else None
    if raw is None:  # bundles before v0.3 carry a chain, the leaf first
        chain = material.get("x509CertificateChain")
        certs = chain.get("certificates") if isinstance(chain, dict) else None
        raw = certs[0].get("rawBytes") if isinstance(certs, list) and certs and isinstance(certs[0], dict) else None
    try:
        leaf = x509.load_der_x509_certificate(_b64(raw, where, "the signing certificate"))
    except ValueError as exc:
        raise _fail(where, f"the signing certificate does not parse ({exc})") from None
    entries = material.get("tlogEntries")
    if not isinstance(entries, list) or len(entries) != 1:
        raise _fail(where, "method sigstore, but the bundle does not carry exactly one transparency-log entry")
    body, when, index = verify_log_entry(entries[0], trust, where)
    check_body(body, payload, signature, leaf, where)
    ca = check_certificate(leaf, trust, when, where, signed_by, is_ca)
    check_sct(leaf, ca, trust, where)
    names = identities(leaf)
    if identity not in names:
        raise _fail(where, f"wrong signer: the certificate is for {', '.join(names) or 'no identity'}, not {identity}")
    got = issuer_of(leaf)
    if got != issuer:
        raise _fail(where, f"wrong issuer: the certificate's OIDC issuer is {got or 'missing'}, not {issuer}")
    return leaf, {"issuer": issuer, "log_index": index, "integrated_time": when.strftime("%Y-%m-%dT%H:%M:%SZ")}
