#!/usr/bin/env bash
# bench/refresh: poll cost with 10,000 token records, and propagation latency
# between three server processes, on SQLite and DynamoDB Local. Prints numbers.
# Usage: bench/refresh.sh [records] [changes]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/install-dynamodb-local.sh" >/dev/null
bash "$ROOT/scripts/build.sh" refresh_bench containment-chamber >/dev/null
RUN_DIR="$(mktemp -d)"
trap 'bash "$ROOT/scripts/dynamodb-local.sh" stop "$RUN_DIR"; rm -rf "$RUN_DIR"' EXIT
CC_DYNAMODB_ENDPOINT="$(bash "$ROOT/scripts/dynamodb-local.sh" start "$RUN_DIR")"
export CC_DYNAMODB_ENDPOINT
echo "machine: $(nproc) cores; $(uptime)"
"$ROOT/build/refresh_bench" "${1:-10000}" "${2:-30}"
