#!/usr/bin/env bash
# Starts or stops one DynamoDB Local server for a test run.
#   scripts/dynamodb-local.sh start DIR   -> prints the endpoint; pid in DIR/pid
#   scripts/dynamodb-local.sh stop DIR
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
JAR_DIR="${DYNAMODB_LOCAL_DIR:-$ROOT/.deps/dynamodb-local}"
cmd="$1"; run="$2"
case "$cmd" in
  start)
    mkdir -p "$run"
    # DynamoDB Local cannot bind port 0 and report it: pick a free port, and
    # another one if it was taken before the JVM bound it.
    for _attempt in 1 2 3; do
      port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
      (cd "$JAR_DIR" && exec java -Djava.library.path=./DynamoDBLocal_lib -jar DynamoDBLocal.jar \
          -inMemory -sharedDb -port "$port" >"$run/dynamodb-local.log" 2>&1) &
      echo $! > "$run/pid"
      for _ in $(seq 300); do
        # Any HTTP answer (400 for an unsigned request) means it is listening.
        if curl -s -o /dev/null "http://127.0.0.1:$port/"; then
          echo "http://127.0.0.1:$port"
          exit 0
        fi
        kill -0 "$(cat "$run/pid")" 2>/dev/null || break
        sleep 0.1
      done
      grep -q "Address already in use" "$run/dynamodb-local.log" || break
    done
    echo "DynamoDB Local did not start; log:" >&2
    cat "$run/dynamodb-local.log" >&2
    exit 1
    ;;
  stop)
    [ -f "$run/pid" ] && kill "$(cat "$run/pid")" 2>/dev/null || true
    ;;
esac
