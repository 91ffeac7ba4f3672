#!/usr/bin/env bash
# Measures GET /upcheck requests/s with wrk against the signer and, in the
# same run, against nginx answering a fixed 200 on another port. Prints both
# and the ratio. Usage: bench/http.sh [duration_seconds] [connections]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${1:-10}"
CONNECTIONS="${2:-32}"
THREADS=2
BIN="$ROOT/build/containment-chamber"
[ -x "$BIN" ] || bash "$ROOT/scripts/build.sh" containment-chamber >/dev/null
command -v wrk >/dev/null && command -v nginx >/dev/null || bash "$ROOT/scripts/install-deps.sh"

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
server: { listen_address: 127.0.0.1, listen_port: $CC_PORT }
metrics: { listen_address: 127.0.0.1, listen_port: $CC_METRICS }
signer_state: { backend: sqlite, path: $WORK/state.db }
YAML
CONTAINMENT_LOG=warn "$BIN" server -c "$WORK/cc.yaml" 2>"$WORK/cc.log" &
CC_PID=$!

mkdir -p "$WORK/nginx"
cat > "$WORK/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx; proxy_temp_path $WORK/nginx; fastcgi_temp_path $WORK/nginx;
  uwsgi_temp_path $WORK/nginx; scgi_temp_path $WORK/nginx;
  keepalive_requests 100000;
  server { listen 127.0.0.1:$NGINX_PORT; location /upcheck { return 200 "OK"; } }
}
CONF
nginx -c "$WORK/nginx.conf" -p "$WORK" &

for port in "$CC_PORT" "$NGINX_PORT"; do
  for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/upcheck" >/dev/null && break; sleep 0.1; done
done

run() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$1/upcheck" | tee "$WORK/$2.txt" >&2; awk '/Requests\/sec/ {print $2}' "$WORK/$2.txt"; }
echo "== containment-chamber /upcheck ($CONNECTIONS connections, ${DURATION}s)" >&2
CC_RPS=$(run "$CC_PORT" cc)
echo "== nginx fixed 200 ($CONNECTIONS connections, ${DURATION}s)" >&2
NGINX_RPS=$(run "$NGINX_PORT" nginx)
printf 'containment-chamber: %s req/s\nnginx baseline:      %s req/s\nratio (cc/nginx):    %s\n' \
  "$CC_RPS" "$NGINX_RPS" "$(python3 -c "print(f'{$CC_RPS/$NGINX_RPS:.2f}')")"
