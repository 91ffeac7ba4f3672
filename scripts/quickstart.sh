#!/usr/bin/env bash
# Installs, builds and starts the signer on the embedded default: SQLite state
# backend at ./data/state.db and the local development KMS. Ctrl-C stops it.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
bash scripts/install-deps.sh
bash scripts/build.sh containment-chamber
mkdir -p data
chmod 700 data
# An operator token for the quick start, kept in a 0600 file, passed via env:.
if [ ! -s data/ops-token ]; then
  (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/cc-ops-/' > data/ops-token)
fi
if [ ! -f data/quickstart.yaml ]; then
  cat > data/quickstart.yaml <<'YAML'
# Quick-start configuration: embedded SQLite state backend, local dev KMS.
server:       { listen_address: 127.0.0.1, listen_port: 9000 }
metrics:      { listen_address: 127.0.0.1, listen_port: 3000 }
signer_state: { backend: sqlite, path: ./data/state.db, refresh_interval_seconds: 1 }
kms:
  local:      { key_file: ./data/dev-kms.key }   # development only: logged as insecure
auth_policies:
  ops-team:   { token: "env:CC_AUTH_TOKEN", allowed_scopes: [chamber_status, chamber_seal, chamber_rotate, chamber_auth] }
YAML
fi
cat <<MSG

Containment Chamber is starting on http://127.0.0.1:9000 (metrics on :3000).
State backend: SQLite at ./data/state.db; KMS: three local dev keys from ./data/dev-kms.key.
Config: ./data/quickstart.yaml. Your operator token is in ./data/ops-token.

On first start the chamber is 'uninitialized' and logs a one-time setup token
(look for setup_token=cc-setup-... below). In another terminal, initialize it:

  ./build/containment-chamber operator init --setup-token cc-setup-... \\
      --kms-key-arns local:a,local:b,local:c --kms-threshold 2

Then check it (it unseals by itself on every later start):

  CC_AUTH_TOKEN=\$(cat data/ops-token) ./build/containment-chamber operator status --auth-token env:CC_AUTH_TOKEN
  curl -s http://127.0.0.1:9000/healthcheck
  ./build/containment-chamber state doctor -c data/quickstart.yaml

Stop with Ctrl-C.
MSG
CC_AUTH_TOKEN="$(cat data/ops-token)" exec ./build/containment-chamber server -c data/quickstart.yaml
