#!/usr/bin/env bash
# Auth figures: one decision with 10,000 tokens and 1,000 policies (Google
# Benchmark), then requests/s of an authorized GET /api/v1/chamber/status on an
# initialized, unsealed chamber against GET /upcheck on the same server: one wrk
# run each, same length, three alternating rounds, the median ratio.
# CC_BENCH_TOKENS=0 skips part c (10,000 token creates take minutes).
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
kms:
  local: { key_file: $WORK/dev-kms.key }
auth_policies:
  ops: { token: "$TOKEN", allowed_scopes: [chamber_status] }
YAML
CONTAINMENT_LOG=info "$ROOT/build/containment-chamber" server -c "$WORK/cc.yaml" >/dev/null 2>"$WORK/cc.log" &
PID=$!
PORT=""
for _ in $(seq 100); do
  PORT=$(sed -n 's/.*msg=listening.* http=127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/cc.log" | head -1)
  [ -n "$PORT" ] && break
  sleep 0.1
done
[ -n "$PORT" ] || { cat "$WORK/cc.log"; exit 1; }
URL="http://127.0.0.1:$PORT"
# What an operator polls: an initialized, unsealed chamber (KMS-only, three
# local keys), so the status document carries the seal, KMS and backend parts.
SETUP=$(grep -o 'cc-setup-[A-Za-z0-9_-]*' "$WORK/cc.log" | head -1)
curl -sf -X POST -H "Content-Type: application/json" -H "Authorization: Bearer $SETUP" \
  -d '{"mode":"kms_only","kms_keys":["local:a","local:b","local:c"],"kms_threshold":2}' \
  "$URL/api/v1/chamber/init" >/dev/null
for _ in $(seq 100); do
  curl -s "$URL/healthcheck" | grep -q '"seal":"unsealed"' && break
  sleep 0.1
done
# Server CPU time (user + system) in microseconds, from /proc.
cpu_us() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) * 1e6 / hz}' "/proc/$PID/stat"; }
# One wrk run; prints "req/s server-CPU-µs-per-request".
run() {
  local before after out
  before=$(cpu_us)
  out=$(wrk -t2 -c32 -d5s "$@")
  after=$(cpu_us)
  echo "$out" | awk -v b="$before" -v a="$after" \
    '/Requests\/sec/ {rps=$2} /requests in/ {n=$1} END {printf "%s %.1f\n", rps, (a-b)/n}'
}
run "$URL/upcheck" >/dev/null  # warm up
echo "== authorized GET /api/v1/chamber/status vs GET /upcheck (wrk -t2 -c32 -d5s, alternating)"
RATIOS=()
for round in 1 2 3; do
  read -r UP UP_CPU < <(run "$URL/upcheck")
  read -r ST ST_CPU < <(run -H "Authorization: Bearer $TOKEN" "$URL/api/v1/chamber/status")
  R=$(python3 -c "print(f'{$ST/$UP:.2f}')")
  RATIOS+=("$R")
  printf 'round %d: upcheck %s req/s (%s µs CPU), status %s req/s (%s µs CPU), ratio %s\n' \
    "$round" "$UP" "$UP_CPU" "$ST" "$ST_CPU" "$R"
done
printf 'median ratio: %s\n' "$(printf '%s\n' "${RATIOS[@]}" | sort -n | sed -n 2p)"
curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v1/chamber/status" | wc -c | sed 's/^/status document bytes: /'

[ "${CC_BENCH_TOKENS:-10000}" = 0 ] && exit 0
kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
echo "== resident memory of a replica holding ${CC_BENCH_TOKENS:-10000} tokens"
python3 "$ROOT/bench/auth_rss.py" "$ROOT/build/containment-chamber" "$WORK" "${CC_BENCH_TOKENS:-10000}"
