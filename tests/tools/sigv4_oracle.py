#!/usr/bin/env python3
"""SigV4 oracle: signs the request described on stdin with botocore and prints
the Authorization header botocore computes. Used by src/aws/sigv4_test.cc to
check our signer against an independent implementation.

stdin: {"method","url","headers":[[name,value],...],"body","access_key",
        "secret_key","token","service","region","timestamp"}
"""
import datetime
import json
import sys

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from botocore_clock import signing_at

req = json.load(sys.stdin)
fixed = datetime.datetime.fromtimestamp(req["timestamp"], datetime.timezone.utc).replace(tzinfo=None)

aws_request = AWSRequest(method=req["method"], url=req["url"], data=req["body"].encode(),
                         headers=dict(req["headers"]))
creds = Credentials(req["access_key"], req["secret_key"], req.get("token") or None)
with signing_at(fixed):
    botocore.auth.SigV4Auth(creds, req["service"], req["region"]).add_auth(aws_request)
print(json.dumps({
    "authorization": aws_request.headers["Authorization"],
    "amz_date": aws_request.headers["X-Amz-Date"],
    "security_token": aws_request.headers.get("X-Amz-Security-Token", ""),
}))
