"""The KMS test double's Nitro Recipient flow. TEST ONLY, never AWS.

check_recipient() verifies an attestation document as KMS does before it
answers for a Recipient: COSE_Sign1 with ES384, the leaf certificate chained
through the cabundle to the test root (validity at the current time), the
document's public key present, and optional key-policy conditions on PCRs
(kms:RecipientAttestation:ImageSha384 = PCR0, kms:RecipientAttestation:PCR<n>).

envelop() answers like KMS's CiphertextForRecipient: a CMS EnvelopedData
(RFC 5652) with one KeyTransRecipientInfo, RSAES-OAEP with SHA-256 wrapping a
random AES-256 key, content AES-256-CBC. python3-cryptography 38 cannot build
EnvelopedData, so `openssl cms -encrypt` does it; CMS needs a recipient
certificate, which this module issues around the document's public key with a
throwaway CA of its own.
"""
import base64
import binascii
import datetime
import os
import subprocess
import tempfile

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa, utils
from cryptography.x509.oid import NameOID

_CA_KEY = ec.generate_private_key(ec.SECP256R1())
_MAX_DOCUMENT = 262144  # the AttestationDocument length limit of the KMS API


class Recipient:
    def __init__(self, public_key_der, pcrs):
        self.public_key_der = public_key_der
        self.pcrs = pcrs


def _invalid(message):
    return None, ("ValidationException", "The attestation document is not valid: " + message)


def _verify_chain(doc, root_pem, now):
    root = x509.load_pem_x509_certificate(root_pem.encode())
    bundle = doc.get("cabundle")
    if not isinstance(bundle, list) or not bundle:
        return "empty cabundle"
    if bundle[0] != root.public_bytes(serialization.Encoding.DER):
        return "cabundle does not start with the trusted root"
    chain = [x509.load_der_x509_certificate(doc["certificate"])]
    chain += [x509.load_der_x509_certificate(c) for c in reversed(bundle)]
    for cert, issuer in zip(chain, chain[1:]):
        try:
            issuer.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                       ec.ECDSA(cert.signature_hash_algorithm))
        except InvalidSignature:
            return "certificate %s is not signed by its issuer" % cert.subject.rfc4514_string()
    for cert in chain:
        if not cert.not_valid_before <= now <= cert.not_valid_after:
            return "certificate %s is not valid now" % cert.subject.rfc4514_string()
    return None


def _verify_signature(cose, doc):
    protected, _, payload, signature = cose
    if cbor2.loads(protected).get(1) != -35:
        return "algorithm is not ES384"
    if len(signature) != 96:
        return "signature is not 96 bytes"
    leaf = x509.load_der_x509_certificate(doc["certificate"]).public_key()
    tbs = cbor2.dumps(["Signature1", protected, b"", payload])
    der = utils.encode_dss_signature(int.from_bytes(signature[:48], "big"),
                                     int.from_bytes(signature[48:], "big"))
    try:
        leaf.verify(der, tbs, ec.ECDSA(hashes.SHA384()))
    except InvalidSignature:
        return "bad signature"
    return None


def _policy_problem(policy, pcrs):
    for condition, want in sorted((policy or {}).items()):
        index = 0 if condition == "ImageSha384" else int(condition[3:])
        have = pcrs.get(index, b"")
        if have.hex() != want.lower():
            return ("AccessDeniedException",
                    "User is not authorized to perform: kms:Decrypt: key policy condition "
                    "kms:RecipientAttestation:%s does not match the attestation document" % condition)
    return None


def check_recipient(recipient, root_pem, policy):
    """Returns (Recipient, None) or (None, (aws error type, message))."""
    if not isinstance(recipient, dict) or recipient.get("KeyEncryptionAlgorithm") != "RSAES_OAEP_SHA_256":
        return None, ("ValidationException", "Recipient.KeyEncryptionAlgorithm must be RSAES_OAEP_SHA_256")
    if root_pem is None:
        return None, ("ValidationException", "this double has no attestation root configured")
    try:
        raw = base64.b64decode(recipient.get("AttestationDocument", ""), validate=True)
    except (ValueError, binascii.Error):
        return None, ("SerializationException", "AttestationDocument is not base64")
    if not 1 <= len(raw) <= _MAX_DOCUMENT:
        return _invalid("size out of range")
    try:
        cose = cbor2.loads(raw)
        if isinstance(cose, cbor2.CBORTag) and cose.tag == 18:
            cose = cose.value
        doc = cbor2.loads(cose[2])
        problem = _verify_signature(cose, doc) or _verify_chain(doc, root_pem, datetime.datetime.utcnow())
    except Exception as e:  # a test double: any decoding problem is a bad document
        return _invalid("undecodable (%s)" % type(e).__name__)
    if problem:
        return _invalid(problem)
    if not doc.get("public_key"):
        return _invalid("no public_key")
    pcrs = doc.get("pcrs") or {}
    denied = _policy_problem(policy, pcrs)
    if denied:
        return None, denied
    return Recipient(doc["public_key"], pcrs), None


def _recipient_certificate(public_key_der):
    key = serialization.load_der_public_key(public_key_der)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("public_key is not RSA")
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kms-double recipient")])
    now = datetime.datetime.utcnow()
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .sign(_CA_KEY, hashes.SHA256()))


def envelop(recipient, plaintext):
    cert = _recipient_certificate(recipient.public_key_der)
    with tempfile.NamedTemporaryFile(suffix=".pem") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
        f.flush()
        out = subprocess.run(
            ["openssl", "cms", "-encrypt", "-binary", "-aes-256-cbc", "-outform", "DER",
             "-recip", f.name, "-keyopt", "rsa_padding_mode:oaep",
             "-keyopt", "rsa_oaep_md:sha256", "-keyopt", "rsa_mgf1_md:sha256"],
            input=plaintext, capture_output=True, check=True)
    return out.stdout
