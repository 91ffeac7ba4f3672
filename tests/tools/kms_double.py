#!/usr/bin/env python3
"""A TEST DOUBLE for AWS KMS, used only by this project's test suite.

It speaks the KMS JSON 1.1 protocol (TrentService.Encrypt / Decrypt /
DescribeKey) on a loopback port, checks every request's SigV4 signature with
botocore (an independent implementation of the signer under test), refuses a
signature that leaves Host, Content-Type, X-Amz-Date or X-Amz-Target out of
SignedHeaders or whose X-Amz-Date is more than 5 minutes off, and answers
in AWS's JSON shapes, including the error responses. Its "encryption" is an
HMAC-SHA256 keystream with an HMAC tag over the key ARN and the encryption
context: enough to behave like KMS (context must match, key must match), not a
real cipher. It is not AWS KMS and must never hold real secrets.

Control (tests only, unauthenticated): POST /__control with JSON such as
{"throttle_next": 2}, {"fail_next": 1}, {"disable": ARN}, {"enable": ARN},
{"deny": ARN}, {"allow": ARN}, {"pending_deletion": ARN}, {"down": true};
GET /__stats returns request counts.

Nitro Recipient flow (tests/tools/kms_recipient.py): Decrypt with
{"Recipient": {"KeyEncryptionAlgorithm": "RSAES_OAEP_SHA_256",
"AttestationDocument": b64}} verifies the document (COSE_Sign1 ES384, chain to
the test root from --attestation-root or {"attestation_root": PEM}) and answers
CiphertextForRecipient, a CMS EnvelopedData to the document's public key, with
no Plaintext. {"recipient_policy": {"ImageSha384": hex, "PCR8": hex, ...}}
simulates key-policy conditions kms:RecipientAttestation:*; a document whose
PCRs differ is refused with AccessDeniedException. {"recipient_policy": null}
clears them.
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from botocore_clock import signing_at
import kms_recipient

MAGIC = b"KMSD"
# Headers every request must sign (lower-case, as in SignedHeaders).
REQUIRED_SIGNED_HEADERS = ("host", "content-type", "x-amz-date", "x-amz-target")


class State:
    def __init__(self, keys, access_key, secret_key):
        self.lock = threading.Lock()
        self.keys = {arn: "Enabled" for arn in keys}
        self.denied = set()
        self.secrets = {arn: os.urandom(32) for arn in keys}
        self.access_key = access_key
        self.secret_key = secret_key
        self.throttle_next = 0
        self.fail_next = 0
        self.down = False
        self.stats = {"requests": 0, "bad_signatures": 0, "throttled": 0, "by_op": {},
                      "recipient_decrypts": 0}
        self.attestation_root = None  # PEM of the test attestation root
        self.recipient_policy = None  # {"ImageSha384"|"PCR<n>": hex}
        self.recipient_leak_plaintext = False


def canonical_context(ctx):
    return json.dumps(ctx or {}, sort_keys=True, separators=(",", ":")).encode()


def keystream(secret, nonce, n):
    out = b""
    counter = 0
    while len(out) < n:
        out += hmac.new(secret, b"ks" + nonce + counter.to_bytes(4, "big"), hashlib.sha256).digest()
        counter += 1
    return out[:n]


def seal(secret, arn, ctx, plaintext):
    nonce = os.urandom(16)
    ct = bytes(a ^ b for a, b in zip(plaintext, keystream(secret, nonce, len(plaintext))))
    a = arn.encode()
    tag = hmac.new(secret, b"mac" + a + canonical_context(ctx) + nonce + ct, hashlib.sha256).digest()
    return MAGIC + len(a).to_bytes(2, "big") + a + nonce + ct + tag


def parse_blob(blob):
    if not blob.startswith(MAGIC) or len(blob) < 6:
        return None
    n = int.from_bytes(blob[4:6], "big")
    arn = blob[6:6 + n].decode(errors="replace")
    rest = blob[6 + n:]
    if len(rest) < 16 + 32:
        return None
    return arn, rest[:16], rest[16:-32], rest[-32:]


def open_blob(secret, arn, ctx, nonce, ct, tag):
    want = hmac.new(secret, b"mac" + arn.encode() + canonical_context(ctx) + nonce + ct, hashlib.sha256).digest()
    if not hmac.compare_digest(want, tag):
        return None
    return bytes(a ^ b for a, b in zip(ct, keystream(secret, nonce, len(ct))))


def verify_sigv4(state, method, path, headers, body):
    """Returns None when the signature is valid, else (type, message)."""
    auth = headers.get("Authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return ("MissingAuthenticationTokenException", "Request is missing Authentication Token")
    fields = dict(p.strip().split("=", 1) for p in auth[len("AWS4-HMAC-SHA256 "):].split(","))
    cred = fields.get("Credential", "").split("/")
    if len(cred) != 5:
        return ("IncompleteSignatureException", "Malformed Credential")
    access_key, date, region, service, _ = cred
    if access_key != state.access_key:
        return ("UnrecognizedClientException", "The security token included in the request is invalid.")
    amz_date = headers.get("X-Amz-Date", "")
    try:
        when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    except ValueError:
        return ("IncompleteSignatureException", "Missing or malformed X-Amz-Date")
    # As AWS: a signature more than 5 minutes away from the server's clock is refused.
    now = datetime.datetime.utcnow()
    fmt = "%Y%m%dT%H%M%SZ"
    skew = datetime.timedelta(minutes=5)
    if when < now - skew:
        return ("InvalidSignatureException",
                "Signature expired: %s is now earlier than %s (%s - 5 min.)"
                % (amz_date, (now - skew).strftime(fmt), now.strftime(fmt)))
    if when > now + skew:
        return ("InvalidSignatureException",
                "Signature not yet current: %s is still later than %s (%s + 5 min.)"
                % (amz_date, (now + skew).strftime(fmt), now.strftime(fmt)))
    signed = fields.get("SignedHeaders", "").split(";")
    # A header left out of SignedHeaders could be changed in flight without
    # breaking the signature (the operation, the body's type, the date).
    for required in REQUIRED_SIGNED_HEADERS:
        if required not in signed:
            return ("IncompleteSignatureException",
                    "'%s' must be a 'SignedHeader' in the AWS Authorization." % required)
    lower = {k.lower(): v for k, v in headers.items()}
    to_sign = {h: lower[h] for h in signed if h in lower and h not in ("x-amz-date", "x-amz-security-token")}
    url = "http://%s%s" % (lower.get("host", "localhost"), path)
    req = AWSRequest(method=method, url=url, data=body, headers=to_sign)
    token = lower.get("x-amz-security-token")

    with signing_at(when):
        botocore.auth.SigV4Auth(Credentials(access_key, state.secret_key, token), service, region).add_auth(req)
    if not hmac.compare_digest(req.headers["Authorization"], auth):
        return ("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided.")
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, type_, message):
        self.reply(status, {"__type": type_, "message": message})

    def do_GET(self):
        state = self.server.state
        if self.path == "/__stats":
            with state.lock:
                return self.reply(200, state.stats)
        self.error(404, "UnknownOperationException", "no such path")

    def do_POST(self):
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        if self.path == "/__control":
            cmd = json.loads(body or b"{}")
            with state.lock:
                state.throttle_next = cmd.get("throttle_next", state.throttle_next)
                state.fail_next = cmd.get("fail_next", state.fail_next)
                state.down = cmd.get("down", state.down)
                for arn in [cmd.get("disable")] if cmd.get("disable") else []:
                    state.keys[arn] = "Disabled"
                for arn in [cmd.get("enable")] if cmd.get("enable") else []:
                    state.keys[arn] = "Enabled"
                for arn in [cmd.get("pending_deletion")] if cmd.get("pending_deletion") else []:
                    state.keys[arn] = "PendingDeletion"
                if cmd.get("deny"):
                    state.denied.add(cmd["deny"])
                if cmd.get("allow"):
                    state.denied.discard(cmd["allow"])
                if "attestation_root" in cmd:
                    state.attestation_root = cmd["attestation_root"]
                if "recipient_policy" in cmd:
                    state.recipient_policy = cmd["recipient_policy"]
                if "recipient_leak_plaintext" in cmd:  # misbehave: Plaintext beside CiphertextForRecipient
                    state.recipient_leak_plaintext = bool(cmd["recipient_leak_plaintext"])
            return self.reply(200, {"ok": True})

        target = self.headers.get("X-Amz-Target", "")
        op = target.split(".", 1)[-1]
        with state.lock:
            state.stats["requests"] += 1
            state.stats["by_op"][op] = state.stats["by_op"].get(op, 0) + 1
            if state.down:
                return self.error(503, "KMSInternalException", "injected outage")
            if state.throttle_next > 0:
                state.throttle_next -= 1
                state.stats["throttled"] += 1
                return self.error(400, "ThrottlingException", "Rate exceeded")
            if state.fail_next > 0:
                state.fail_next -= 1
                return self.error(500, "KMSInternalException", "injected internal error")
        problem = verify_sigv4(state, "POST", self.path, dict(self.headers.items()), body)
        if problem:
            with state.lock:
                state.stats["bad_signatures"] += 1
            return self.error(400, problem[0], problem[1])
        if not target.startswith("TrentService."):
            return self.error(400, "UnknownOperationException", "unknown target " + target)
        if self.headers.get("Content-Type") != "application/x-amz-json-1.1":
            return self.error(400, "SerializationException", "wrong content type")
        try:
            req = json.loads(body)
        except ValueError:
            return self.error(400, "SerializationException", "body is not JSON")
        handler = {"Encrypt": self.encrypt, "Decrypt": self.decrypt, "DescribeKey": self.describe}.get(op)
        if handler is None:
            return self.error(400, "UnknownOperationException", "unsupported operation " + op)
        return handler(state, req)

    def check_key(self, state, arn, op):
        status = state.keys.get(arn)
        if status is None:
            self.error(400, "NotFoundException", "Key '%s' does not exist" % arn)
            return False
        if arn in state.denied:
            self.error(400, "AccessDeniedException",
                       "User is not authorized to perform: kms:%s on resource: %s" % (op, arn))
            return False
        if status == "Disabled":
            self.error(400, "DisabledException", "%s is disabled." % arn)
            return False
        if status == "PendingDeletion":
            self.error(400, "KMSInvalidStateException", "%s is pending deletion." % arn)
            return False
        return True

    def encrypt(self, state, req):
        arn = req.get("KeyId", "")
        if "Recipient" in req:
            return self.error(400, "ValidationException", "Recipient is not supported for Encrypt")
        if not self.check_key(state, arn, "Encrypt"):
            return
        try:
            plaintext = base64.b64decode(req.get("Plaintext", ""), validate=True)
        except ValueError:
            return self.error(400, "SerializationException", "Plaintext is not base64")
        if not 1 <= len(plaintext) <= 4096:
            return self.error(400, "ValidationException", "Plaintext must be 1 to 4096 bytes")
        blob = seal(state.secrets[arn], arn, req.get("EncryptionContext"), plaintext)
        self.reply(200, {"CiphertextBlob": base64.b64encode(blob).decode(), "KeyId": arn,
                         "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})

    def decrypt(self, state, req):
        try:
            blob = base64.b64decode(req.get("CiphertextBlob", ""), validate=True)
        except ValueError:
            return self.error(400, "SerializationException", "CiphertextBlob is not base64")
        parsed = parse_blob(blob)
        if parsed is None:
            return self.error(400, "InvalidCiphertextException", "")
        arn, nonce, ct, tag = parsed
        if req.get("KeyId") and req["KeyId"] != arn:
            return self.error(400, "IncorrectKeyException",
                              "The key ID in the request does not identify a CMK that can perform this operation.")
        if not self.check_key(state, arn, "Decrypt"):
            return
        recipient = None
        if "Recipient" in req:
            with state.lock:
                root, policy = state.attestation_root, state.recipient_policy
            recipient, problem = kms_recipient.check_recipient(req["Recipient"], root, policy)
            if problem:
                return self.error(400, problem[0], problem[1])
        plaintext = open_blob(state.secrets[arn], arn, req.get("EncryptionContext"), nonce, ct, tag)
        if plaintext is None:
            return self.error(400, "InvalidCiphertextException", "")
        if recipient is not None:
            with state.lock:
                state.stats["recipient_decrypts"] += 1
            envelope = kms_recipient.envelop(recipient, plaintext)
            answer = {"KeyId": arn, "CiphertextForRecipient": base64.b64encode(envelope).decode(),
                      "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}
            if state.recipient_leak_plaintext:
                answer["Plaintext"] = base64.b64encode(plaintext).decode()
            return self.reply(200, answer)
        self.reply(200, {"KeyId": arn, "Plaintext": base64.b64encode(plaintext).decode(),
                         "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"})

    def describe(self, state, req):
        arn = req.get("KeyId", "")
        if arn not in state.keys:
            return self.error(400, "NotFoundException", "Key '%s' does not exist" % arn)
        self.reply(200, {"KeyMetadata": {"Arn": arn, "KeyState": state.keys[arn], "Enabled": state.keys[arn] == "Enabled"}})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--key", action="append", default=[], help="a key ARN this double knows")
    ap.add_argument("--attestation-root", help="PEM file of the test attestation root (Recipient flow)")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True
    server.state = State(args.key, args.access_key, args.secret_key)
    if args.attestation_root:
        with open(args.attestation_root) as f:
            server.state.attestation_root = f.read()
    print("READY %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
