#!/usr/bin/env bash
# GET /upcheck on the signer against nginx answering a fixed 200, in the same
# run and on the same machine: nginx gets one worker per signer I/O thread
# (both default to one per core), both are warmed first, the order of the runs
# alternates, and each point is the median of REPEATS runs. Prints req/s,
# p50/p99 latency, socket errors, non-2xx answers and each server's CPU time
# per request at each connection count.
# Usage: bench/http.sh [duration_seconds] [repeats] [connection counts...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${1:-5}"
REPEATS="${2:-3}"
shift 2 2>/dev/null || shift $#
CONNECTIONS=("${@:-32}")
[ $# -eq 0 ] && CONNECTIONS=(32 256)
THREADS=2
BIN="$ROOT/build/containment-chamber"
[ -x "$BIN" ] || bash "$ROOT/scripts/build.sh" containment-chamber >/dev/null
command -v wrk >/dev/null && command -v nginx >/dev/null || bash "$ROOT/scripts/install-deps.sh"
WORKERS="$(nproc)"

WORK="$(mktemp -d)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
CC_PORT=$(free_port); CC_METRICS=$(free_port); NGINX_PORT=$(free_port)

cleanup() {
  [ -n "${CC_PID:-}" ] && kill "$CC_PID" 2>/dev/null || true
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

cat > "$WORK/cc.yaml" <<YAML
server: { listen_address: 127.0.0.1, listen_port: $CC_PORT, io_threads: $WORKERS }
metrics: { listen_address: 127.0.0.1, listen_port: $CC_METRICS }
signer_state: { backend: sqlite, path: $WORK/state.db }
YAML
CONTAINMENT_LOG=warn "$BIN" server -c "$WORK/cc.yaml" 2>"$WORK/cc.log" &
CC_PID=$!

mkdir -p "$WORK/nginx"
cat > "$WORK/nginx.conf" <<CONF
worker_processes $WORKERS;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$NGINX_PORT; location /upcheck { return 200 "OK"; } }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK" &

for port in "$CC_PORT" "$NGINX_PORT"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/upcheck" >/dev/null && break; sleep 0.1; done
done

# CPU seconds (user + system) used so far by these processes, all threads.
cpu_seconds() {
  python3 - "$@" <<'PY'
import os, sys
t = 0
for pid in sys.argv[1:]:
    for tid in os.listdir(f"/proc/{pid}/task"):
        f = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        t += int(f[11]) + int(f[12])
print(t / os.sysconf("SC_CLK_TCK"))
PY
}

# wrk run → one line: rps p50_ms p99_ms socket_errors non2xx cpu_us_per_request
# (CPU per request is the server's own cost, which other load on a shared
# machine disturbs far less than requests/s).
measure() {
  local port=$1 conns=$2 secs=$3 pids before after
  [ "$port" = "$CC_PORT" ] && pids="$CC_PID" || pids="$(pgrep -f "nginx: worker process" -P "$(cat "$WORK/nginx.pid")" | tr '\n' ' ')"
  before="$(cpu_seconds $pids)"
  wrk -t"$THREADS" -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/upcheck" >"$WORK/wrk.txt" 2>&1 || true
  after="$(cpu_seconds $pids)"
  python3 - "$WORK/wrk.txt" "$before" "$after" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*%s%%\s+([\d.]+)(us|ms|s)\s*$" % label, t, re.M)
    if not m: return float("nan")
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", t)
count = re.search(r"(\d+) requests in", t)
errs = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", t)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
cpu_us = (float(sys.argv[3]) - float(sys.argv[2])) * 1e6 / max(1, int(count.group(1)) if count else 1)
print(rps.group(1) if rps else 0, ms("50"), ms("99"),
      sum(map(int, errs.groups())) if errs else 0, non2xx.group(1) if non2xx else 0,
      f"{cpu_us:.2f}")
PY
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); cores: $(nproc); signer io_threads and nginx workers: $WORKERS" >&2
measure "$CC_PORT" 64 2 >/dev/null; measure "$NGINX_PORT" 64 2 >/dev/null  # warm-up
: >"$WORK/results"
for c in "${CONNECTIONS[@]}"; do
  for r in $(seq "$REPEATS"); do
    order=("cc $CC_PORT" "nginx $NGINX_PORT")
    (( r % 2 == 0 )) && order=("nginx $NGINX_PORT" "cc $CC_PORT")
    for entry in "${order[@]}"; do
      set -- $entry
      line="$(measure "$2" "$c" "$DURATION")"
      echo "$1 $c $line" | tee -a "$WORK/results" >&2
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2

python3 - "$WORK/results" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
print(f"{'server':<20}{'conns':>6}{'req/s':>10}{'p50 ms':>8}{'p99 ms':>8}{'sock err':>9}{'non-2xx':>8}{'CPU us/req':>11}")
for c in sorted({int(r[1]) for r in rows}):
    med = {}
    for name in ("cc", "nginx"):
        rs = [r for r in rows if r[0] == name and int(r[1]) == c]
        col = lambda i: statistics.median(float(r[i]) for r in rs)
        med[name] = (col(2), col(7))
        label = "containment-chamber" if name == "cc" else "nginx fixed 200"
        print(f"{label:<20}{c:>6}{col(2):>10.0f}{col(3):>8.2f}{col(4):>8.2f}"
              f"{sum(int(r[5]) for r in rs):>9}{sum(int(r[6]) for r in rs):>8}{col(7):>11.2f}")
    print(f"{'ratio cc/nginx':<20}{c:>6}{med['cc'][0] / med['nginx'][0]:>10.2f}"
          f"{'':>41}{med['nginx'][1] / med['cc'][1]:>11.2f}  (req/s; nginx CPU/cc CPU)")
PY
