#!/usr/bin/env python3
"""Resident memory of a replica holding N client tokens (bench/auth.sh, part c).

Starts one server (SQLite, local dev KMS), initializes it KMS-only, creates one
policy and N tokens through the Auth API (one commit each, as operators would),
waits until the replica reports N tokens loaded, and prints VmRSS before and after.
Usage: auth_rss.py BINARY WORKDIR [N]
"""
import http.client
import json
import os
import re
import subprocess
import sys
import time

binary, work = sys.argv[1], sys.argv[2]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
config = os.path.join(work, "rss.yaml")
with open(config, "w") as f:
    f.write(f"""server: {{ listen_address: 127.0.0.1, listen_port: 0 }}
metrics: {{ listen_address: 127.0.0.1, listen_port: 0 }}
signer_state: {{ backend: sqlite, path: {work}/rss.db, refresh_interval_seconds: 1 }}
kms:
  local: {{ key_file: {work}/rss-kms.key }}
""")
log_path = os.path.join(work, "rss.log")
log = open(log_path, "w")
server = subprocess.Popen([binary, "server", "-c", config], stdout=log, stderr=log,
                          env={**os.environ, "CONTAINMENT_LOG": "info"})


def die(msg):
    server.kill()
    sys.exit(f"auth_rss: {msg}\n" + open(log_path).read()[-2000:])


def find(pattern, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        m = re.search(pattern, open(log_path).read())
        if m:
            return m.group(1)
        time.sleep(0.05)
    die(f"no {pattern} in the log")


def rss_kib():
    with open(f"/proc/{server.pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


try:
    port = int(find(r"msg=listening.* http=127\.0\.0\.1:(\d+)"))
    setup = find(r"setup_token=(cc-setup-[A-Za-z0-9_-]+)")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(method, path, token, body=None):
        headers = {"Authorization": f"Bearer {token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        r = conn.getresponse()
        data = r.read()
        return r.status, json.loads(data) if data else {}

    status, out = call("POST", "/api/v1/chamber/init", setup,
                       {"mode": "kms_only", "kms_keys": ["local:a"], "kms_threshold": 1})
    if status != 200:
        die(f"init answered {status}: {out}")
    mgmt = out["management_token"]
    end = time.time() + 10
    while call("GET", "/api/v1/chamber/status", mgmt)[1].get("seal", {}).get("status") != "unsealed":
        if time.time() > end:
            die("not unsealed within 10 s")
        time.sleep(0.05)
    before = rss_kib()
    status, out = call("POST", "/api/v1/chamber/auth/policies", mgmt,
                       {"name": "vc", "rules": [{"effect": "allow", "scopes": ["sign"]}]})
    if status not in (200, 201):
        die(f"policy create answered {status}: {out}")
    started = time.time()
    for i in range(count):
        status, out = call("POST", "/api/v1/chamber/auth/tokens", mgmt, {"policies": ["vc"]})
        if status not in (200, 201) or not out.get("token", "").startswith("cc_token_"):
            die(f"token {i} answered {status}: {out}")
    took = time.time() - started
    end = time.time() + 30
    while call("GET", "/api/v1/chamber/status", mgmt)[1].get("auth", {}).get("tokens", 0) < count + 1:
        if time.time() > end:
            die("the replica did not report every token within 30 s")
        time.sleep(0.1)
    after = rss_kib()
    print(f"tokens created through the API: {count} in {took:.1f} s "
          f"({took / count * 1000:.2f} ms per create, one commit each)")
    print(f"VmRSS unsealed, no runtime tokens: {before / 1024:.1f} MiB")
    print(f"VmRSS holding {count} tokens (+1 management): {after / 1024:.1f} MiB "
          f"(+{(after - before) / 1024:.1f} MiB)")
finally:
    server.terminate()
    server.wait(timeout=20)
