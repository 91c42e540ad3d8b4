"""A local Sigstore: a Fulcio-like CA (root and intermediate), a CT log, a Rekor-like log with a real RFC 6962
Merkle tree, and the trust configuration (ClientTrustConfig with a trusted root) that pins them.

`model_signing sign sigstore` needs Fulcio and Rekor on the network, so the envelope is made by model-signing's
own key signer with the leaf certificate's key, and this module adds what Fulcio and Rekor would have: the
leaf certificate (SAN, OIDC-issuer extensions, embedded SCT) and one dsse 0.0.1 log entry with inclusion
promise, inclusion proof and signed checkpoint.  sigstore-python's Verifier with this trust configuration is the
oracle that the result is a valid Sigstore bundle (tests/test_sigstore_signature.py).
"""
from __future__ import annotations

import base64
import datetime
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

IDENTITY = "release@models.example"
ISSUER = "https://oidc.models.example"
T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.timezone.utc)  # the signing time
SCT_OID = x509.ObjectIdentifier("1.3.6.1.4.1.11129.2.4.2")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def spki(key) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def log_sign(key, data: bytes) -> bytes:
    """A log's signature: ECDSA with SHA-256 (Rekor's and CT's P-256 keys) or Ed25519."""
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    return key.sign(data, ec.ECDSA(hashes.SHA256()))


def key_details(key) -> str:
    return "PKIX_ED25519" if isinstance(key, ed25519.Ed25519PrivateKey) else "PKIX_ECDSA_P256_SHA_256"


def der_utf8(text: str) -> bytes:
    raw = text.encode()
    assert len(raw) < 128
    return bytes([0x0C, len(raw)]) + raw


# RFC 6962 Merkle tree, written from the RFC (section 2.1), not from the verifier under test.
def mth(leaves: list[bytes]) -> bytes:
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def audit_path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return audit_path(m, leaves[:k]) + [mth(leaves[k:])]
    return audit_path(m - k, leaves[k:]) + [mth(leaves[:k])]


@dataclass
class Authority:
    name: str
    root_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP384R1()))
    inter_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP384R1()))
    root: Any = None
    inter: Any = None

    def __post_init__(self) -> None:
        self.root = self._ca(f"{self.name} root", self.root_key, f"{self.name} root", self.root_key)
        self.inter = self._ca(f"{self.name} intermediate", self.inter_key, f"{self.name} root", self.root_key)

    @staticmethod
    def _ca(cn: str, key, issuer_cn: str, issuer_key) -> x509.Certificate:
        return (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "test"),
                                         x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
                .issuer_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "test"),
                                        x509.NameAttribute(NameOID.COMMON_NAME, issuer_cn)]))
                .public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(T0 - datetime.timedelta(days=365))
                .not_valid_after(T0 + datetime.timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                               critical=True)
                .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
                               critical=False)
                .sign(issuer_key, hashes.SHA384()))


@dataclass
class Sigstore:
    fulcio: Authority = field(default_factory=lambda: Authority("fulcio"))
    ct_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    rekor_key: Any = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    origin: str = "rekor.models.example - 1193050959916656506"

    def trust_config(self) -> dict:
        def log(key, url: str) -> dict:
            return {"baseUrl": url, "hashAlgorithm": "SHA2_256",
                    "publicKey": {"rawBytes": b64(spki(key)), "keyDetails": key_details(key),
                                  "validFor": {"start": "2025-01-01T00:00:00Z"}},
                    "logId": {"keyId": b64(hashlib.sha256(spki(key)).digest())}}
        der = lambda c: {"rawBytes": b64(c.public_bytes(serialization.Encoding.DER))}  # noqa: E731
        root = {"mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
                "tlogs": [log(self.rekor_key, "https://rekor.models.example")],
                "certificateAuthorities": [{"subject": {"organization": "test", "commonName": "fulcio"},
                                            "uri": "https://fulcio.models.example",
                                            "certChain": {"certificates": [der(self.fulcio.inter),
                                                                           der(self.fulcio.root)]},
                                            "validFor": {"start": "2025-01-01T00:00:00Z"}}],
                "ctlogs": [log(self.ct_key, "https://ctfe.models.example")],
                "timestampAuthorities": []}
        signing = {"mediaType": "application/vnd.dev.sigstore.signingconfig.v0.2+json",
                   "caUrls": [{"url": "https://fulcio.models.example", "majorApiVersion": 1,
                               "validFor": {"start": "2025-01-01T00:00:00Z"}, "operator": "test"}],
                   "oidcUrls": [{"url": ISSUER, "majorApiVersion": 1,
                                 "validFor": {"start": "2025-01-01T00:00:00Z"}, "operator": "test"}],
                   "rekorTlogUrls": [{"url": "https://rekor.models.example", "majorApiVersion": 1,
                                      "validFor": {"start": "2025-01-01T00:00:00Z"}, "operator": "test"}],
                   "rekorTlogConfig": {"selector": "ANY"}, "tsaUrls": [], "tsaConfig": {"selector": "ANY"}}
        return {"mediaType": "application/vnd.dev.sigstore.clienttrustconfig.v0.1+json",
                "trustedRoot": root, "signingConfig": signing}

    def leaf(self, key, identity: str = IDENTITY, issuer: str = ISSUER, ca: Authority | None = None
             ) -> x509.Certificate:
        """A Fulcio-style certificate, valid 10 minutes from T0, with an SCT from our CT log."""
        ca = ca or self.fulcio
        serial = x509.random_serial_number()

        def build(sct_ext: bytes) -> x509.Certificate:
            return (x509.CertificateBuilder()
                    .subject_name(x509.Name([])).issuer_name(ca.inter.subject)
                    .public_key(key.public_key()).serial_number(serial)
                    .not_valid_before(T0 - datetime.timedelta(minutes=1))
                    .not_valid_after(T0 + datetime.timedelta(minutes=9))
                    .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                                   critical=True)
                    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
                    .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
                    .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.inter_key.public_key()),
                                   critical=False)
                    .add_extension(x509.SubjectAlternativeName([x509.RFC822Name(identity)]), critical=True)
                    .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1"),
                                                              issuer.encode()), critical=False)
                    .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8"),
                                                              der_utf8(issuer)), critical=False)
                    .add_extension(x509.UnrecognizedExtension(SCT_OID, sct_ext), critical=False)
                    .sign(ca.inter_key, hashes.SHA384()))

        # The SCT signs the precertificate TBS (the certificate without its SCT list), so any SCT gives the
        # same bytes to sign; the real one then replaces the placeholder.
        tbs = build(self._sct_ext(b"\x00" * 32, 0, b"\x00" * 8)).tbs_precertificate_bytes
        millis = int((T0 - datetime.timedelta(seconds=30)).timestamp()) * 1000
        issuer_hash = hashlib.sha256(spki(ca.inter_key)).digest()
        signed = (b"\x00\x00" + millis.to_bytes(8, "big") + b"\x00\x01" + issuer_hash
                  + len(tbs).to_bytes(3, "big") + tbs + b"\x00\x00")
        sig = self.ct_key.sign(signed, ec.ECDSA(hashes.SHA256()))
        cert = build(self._sct_ext(hashlib.sha256(spki(self.ct_key)).digest(), millis, sig))
        assert cert.tbs_precertificate_bytes == tbs
        return cert

    @staticmethod
    def _sct_ext(log_id: bytes, millis: int, sig: bytes) -> bytes:
        sct = (b"\x00" + log_id + millis.to_bytes(8, "big") + b"\x00\x00"
               + b"\x04\x03" + len(sig).to_bytes(2, "big") + sig)
        lst = len(sct).to_bytes(2, "big") + sct
        lst = len(lst).to_bytes(2, "big") + lst
        assert len(lst) < 128
        return bytes([0x04, len(lst)]) + lst  # the extension's value is a DER OCTET STRING of the TLS list

    def log_entry(self, envelope: dict, cert: x509.Certificate, others: int = 6, position: int = 4) -> dict:
        """A Rekor v1 dsse 0.0.1 entry at `position` in a tree of others+1 entries, as Rekor returns it."""
        payload = base64.b64decode(envelope["payload"])
        pem = cert.public_bytes(serialization.Encoding.PEM)
        body = {"apiVersion": "0.0.1", "kind": "dsse",
                "spec": {"envelopeHash": {"algorithm": "sha256",
                                          "value": hashlib.sha256(json.dumps(envelope).encode()).hexdigest()},
                         "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()},
                         "signatures": [{"signature": envelope["signatures"][0]["sig"], "verifier": b64(pem)}]}}
        raw = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
        leaves = [f"entry {i}".encode() for i in range(others)]
        leaves.insert(position, raw)
        root = mth(leaves)
        log_id = hashlib.sha256(spki(self.rekor_key)).digest()
        integrated = int(T0.timestamp())
        index = 1000 + position
        set_payload = json.dumps({"body": b64(raw), "integratedTime": integrated, "logID": log_id.hex(),
                                  "logIndex": index}, sort_keys=True, separators=(",", ":")).encode()
        note = f"{self.origin}\n{len(leaves)}\n{b64(root)}\n"
        note_sig = log_sign(self.rekor_key, note.encode())
        checkpoint = note + "\n\u2014 " + self.origin.split(" ")[0] + " " + b64(log_id[:4] + note_sig) + "\n"
        return {"logIndex": str(index), "logId": {"keyId": b64(log_id)},
                "kindVersion": {"kind": "dsse", "version": "0.0.1"}, "integratedTime": str(integrated),
                "inclusionPromise": {"signedEntryTimestamp": b64(log_sign(self.rekor_key, set_payload))},
                "inclusionProof": {"logIndex": str(position), "rootHash": b64(root), "treeSize": str(len(leaves)),
                                   "hashes": [b64(h) for h in audit_path(position, leaves)],
                                   "checkpoint": {"envelope": checkpoint}},
                "canonicalizedBody": b64(raw)}

    def sign(self, model: Path, out: Path, identity: str = IDENTITY, issuer: str = ISSUER,
             ca: Authority | None = None, ignore_paths: tuple[Path, ...] = ()) -> None:
        """What `model_signing sign sigstore` would write, offline: model-signing makes the envelope."""
        import model_signing.signing

        key = ec.generate_private_key(ec.SECP256R1())
        keyfile = out.with_suffix(".leafkey")
        keyfile.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        cfg = model_signing.signing.Config().use_elliptic_key_signer(private_key=keyfile)
        if ignore_paths:
            cfg.set_hashing_config(model_signing.hashing.Config().set_ignored_paths(paths=list(ignore_paths)))
        cfg.sign(model, out)
        keyfile.unlink()
        bundle = json.loads(out.read_text())
        cert = self.leaf(key, identity, issuer, ca)
        bundle["verificationMaterial"] = {
            "certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))},
            "tlogEntries": [self.log_entry(bundle["dsseEnvelope"], cert)]}
        out.write_text(json.dumps(bundle))

    def write_trust(self, path: Path) -> Path:
        path.write_text(json.dumps(self.trust_config(), indent=1))
        return path


def oracle(model: Path, sig: Path, trust: Path, identity: str = IDENTITY, issuer: str = ISSUER) -> None:
    """model-signing's Sigstore verifier (sigstore-python's Verifier) with our trust configuration: raises
    on an invalid bundle or model."""
    import model_signing.verifying

    (model_signing.verifying.Config()
     .use_sigstore_verifier(identity=identity, oidc_issuer=issuer, trust_config=trust)
     .verify(model, sig))
