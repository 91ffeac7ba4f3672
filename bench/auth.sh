#!/usr/bin/env bash
# Auth figures: one decision with 10,000 tokens and 1,000 policies (Google
# Benchmark), then requests/s of an authorized GET /api/v1/chamber/status
# against GET /upcheck on the same server in one wrk run each, same length.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/build.sh" auth_bench containment-chamber >/dev/null
echo "== load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$ROOT/build/auth_bench" "$@"

WORK="$(mktemp -d)"
trap '[ -n "${PID:-}" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"' EXIT
TOKEN="bench-ops-token-0123456789"
cat > "$WORK/cc.yaml" <<YAML
server: { listen_address: 127.0.0.1, listen_port: 0 }
metrics: { listen_address: 127.0.0.1, listen_port: 0 }
signer_state: { backend: sqlite, path: $WORK/state.db }
auth_policies:
  ops: { token: "$TOKEN", allowed_scopes: [chamber_status] }
YAML
CONTAINMENT_LOG=info "$ROOT/build/containment-chamber" server -c "$WORK/cc.yaml" 2>"$WORK/cc.log" &
PID=$!
PORT=""
for _ in $(seq 100); do
  PORT=$(sed -n 's/.*msg=listening.* http=127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/cc.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$WORK/cc.log"; exit 1; }
run() { wrk -t2 -c32 -d5s "$@" | awk '/Requests\/sec/ {print $2}'; }
run "http://127.0.0.1:$PORT/upcheck" >/dev/null  # warm up
UP=$(run "http://127.0.0.1:$PORT/upcheck")
ST=$(run -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/chamber/status")
printf 'upcheck: %s req/s\nauthorized status: %s req/s\nratio: %s\n' "$UP" "$ST" \
  "$(python3 -c "print(f'{$ST/$UP:.2f}')")"

echo "== resident memory of a replica holding ${CC_BENCH_TOKENS:-10000} tokens"
python3 "$ROOT/bench/auth_rss.py" "$ROOT/build/containment-chamber" "$WORK" "${CC_BENCH_TOKENS:-10000}"
