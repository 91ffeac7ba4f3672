#!/usr/bin/env bash
# Installs, builds and starts the signer on the embedded default: SQLite state
# backend at ./data/state.db and the local development KMS. It waits for the
# server, then prints the exact next command: on a new chamber, `operator
# init` with the real setup token filled in; on an initialized one, its
# status. Then it follows the server log (./data/server.log). Ctrl-C stops it.
#
# Ports: CONTAINMENT_SERVER__LISTEN_PORT (default 9000) and
# CONTAINMENT_METRICS__LISTEN_PORT (default 3000), e.g.
#   CONTAINMENT_SERVER__LISTEN_PORT=9100 CONTAINMENT_METRICS__LISTEN_PORT=3100 bash scripts/quickstart.sh
# --skip-build: use the binary already in build/ (no apt, no compile).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
if [ "${1:-}" != "--skip-build" ]; then
  bash scripts/install-deps.sh
  bash scripts/build.sh containment-chamber
fi
BIN=./build/containment-chamber
PORT="${CONTAINMENT_SERVER__LISTEN_PORT:-9000}"
METRICS_PORT="${CONTAINMENT_METRICS__LISTEN_PORT:-3000}"
export CONTAINMENT_SERVER__LISTEN_PORT="$PORT" CONTAINMENT_METRICS__LISTEN_PORT="$METRICS_PORT"
URL="http://127.0.0.1:$PORT"
URL_FLAG=""
[ "$PORT" = 9000 ] || URL_FLAG=" --signer-url $URL"

mkdir -p data
chmod 700 data
# An operator token for the quick start, kept in a 0600 file, passed via env:.
if [ ! -s data/ops-token ]; then
  (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/cc-ops-/' > data/ops-token)
fi
if [ ! -f data/quickstart.yaml ]; then
  cat > data/quickstart.yaml <<'YAML'
# Quick-start configuration: embedded SQLite state backend, local dev KMS.
# CONTAINMENT_SERVER__LISTEN_PORT / CONTAINMENT_METRICS__LISTEN_PORT override the ports.
server:       { listen_address: 127.0.0.1, listen_port: 9000 }
metrics:      { listen_address: 127.0.0.1, listen_port: 3000 }
signer_state: { backend: sqlite, path: ./data/state.db, refresh_interval_seconds: 1 }
kms:
  local:      { key_file: ./data/dev-kms.key }   # development only: logged as insecure
auth_policies:
  ops-team:   { token: "env:CC_AUTH_TOKEN", allowed_scopes: [chamber_status, chamber_seal, chamber_rotate, chamber_auth] }
YAML
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$PORT" "$METRICS_PORT"; do
  if port_in_use "$p"; then
    echo "quickstart: port $p on 127.0.0.1 is already in use (another signer or test?)." >&2
    echo "Pick free ports, e.g.:" >&2
    echo "  CONTAINMENT_SERVER__LISTEN_PORT=9100 CONTAINMENT_METRICS__LISTEN_PORT=3100 bash scripts/quickstart.sh" >&2
    exit 1
  fi
done

# A fresh log per start, so `grep setup_token=` finds only this start's token.
if [ -f data/server.log ]; then mv -f data/server.log data/server.log.1; fi
CC_AUTH_TOKEN="$(cat data/ops-token)" "$BIN" server -c data/quickstart.yaml >data/server.log 2>&1 &
SERVER=$!
echo "$SERVER" > data/server.pid
TAIL=""
stop() {
  kill -TERM "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  [ -z "$TAIL" ] || kill "$TAIL" 2>/dev/null || true
  rm -f data/server.pid
  exit "${1:-0}"
}
trap 'stop 0' INT TERM

# Waits for the server; the seal state from /healthcheck (no token needed).
seal_state() { curl -s "$URL/healthcheck" | sed -n 's/.*"seal":"\([a-z_]*\)".*/\1/p'; }
STATE=""
for _ in $(seq 1 150); do
  if ! kill -0 "$SERVER" 2>/dev/null; then
    cat data/server.log
    echo "quickstart: the server did not start; its log is above (data/server.log)." >&2
    exit 1
  fi
  STATE="$(seal_state || true)"
  [ -n "$STATE" ] && break
  sleep 0.2
done
[ -n "$STATE" ] || { cat data/server.log; echo "quickstart: no answer on $URL" >&2; stop 1; }

SETUP_TOKEN=""
if [ "$STATE" = uninitialized ]; then
  for _ in $(seq 1 50); do
    SETUP_TOKEN="$(grep -o 'setup_token=cc-setup-[A-Za-z0-9_-]*' data/server.log | tail -n 1 | cut -d= -f2 || true)"
    [ -n "$SETUP_TOKEN" ] && break
    sleep 0.2
  done
else
  # A KMS-only restart unseals by itself within a moment: show the settled state.
  for _ in $(seq 1 25); do
    [ "$(seal_state || true)" = sealed ] || break
    sleep 0.2
  done
fi

cat data/server.log
OFFSET="$(stat -c %s data/server.log)"
cat <<MSG

================================================================================
Containment Chamber is running on $URL (metrics on :$METRICS_PORT), pid $SERVER.
State backend: SQLite at ./data/state.db; KMS: local development keys from ./data/dev-kms.key.
Config: ./data/quickstart.yaml   Server log: ./data/server.log   Operator token: ./data/ops-token
MSG
if [ -n "$SETUP_TOKEN" ]; then
  cat <<MSG

The chamber is new (uninitialized). In another terminal, in $ROOT, initialize it
with three local KMS keys, any two of which unseal it (the setup token below is the
one-time token this server just logged):

  ./build/containment-chamber operator init$URL_FLAG --setup-token $SETUP_TOKEN \\
      --kms-key-arns local:a,local:b,local:c --kms-threshold 2

It prints a management token: store it. Then check the chamber with the operator token:

  export CC_AUTH_TOKEN=\$(cat data/ops-token)
  ./build/containment-chamber operator status$URL_FLAG --auth-token env:CC_AUTH_TOKEN
  ./build/containment-chamber state doctor -c data/quickstart.yaml
MSG
elif [ "$STATE" = uninitialized ]; then
  echo
  echo "The chamber is new, but no setup token showed up in data/server.log; look for setup_token= there."
else
  echo
  echo "The chamber is already initialized; this is a restart. Its status:"
  echo
  CC_AUTH_TOKEN="$(cat data/ops-token)" "$BIN" operator status --signer-url "$URL" --auth-token env:CC_AUTH_TOKEN || true
  cat <<MSG

Check it again, or stop every replica in an emergency, in another terminal in $ROOT:

  export CC_AUTH_TOKEN=\$(cat data/ops-token)
  ./build/containment-chamber operator status$URL_FLAG --auth-token env:CC_AUTH_TOKEN
  ./build/containment-chamber operator seal$URL_FLAG --auth-token env:CC_AUTH_TOKEN
  ./build/containment-chamber operator unseal$URL_FLAG --resume --auth-token env:CC_AUTH_TOKEN
MSG
fi
cat <<MSG

Everyday tasks (restart, emergency seal and resume, new management token): docs/operations.md
Following the server log below; Ctrl-C stops the server.
================================================================================
MSG
tail -c +"$((OFFSET + 1))" -f --pid="$SERVER" data/server.log &
TAIL=$!
RC=0
wait "$SERVER" || RC=$?
kill "$TAIL" 2>/dev/null || true
rm -f data/server.pid
exit "$RC"
