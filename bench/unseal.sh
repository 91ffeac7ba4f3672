#!/usr/bin/env bash
# bench/unseal: KMS-only start-to-unsealed and quorum unseal propagation, with
# the test KDF and once with production Argon2id (the parameters the servers
# stored are printed).
# Usage: bench/unseal.sh [rounds]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/install-dynamodb-local.sh" >/dev/null
bash "$ROOT/scripts/build.sh" unseal_bench containment-chamber >/dev/null
RUN_DIR="$(mktemp -d)"
trap 'bash "$ROOT/scripts/dynamodb-local.sh" stop "$RUN_DIR"; rm -rf "$RUN_DIR"' EXIT
CC_DYNAMODB_ENDPOINT="$(bash "$ROOT/scripts/dynamodb-local.sh" start "$RUN_DIR")"
export CC_DYNAMODB_ENDPOINT
echo "machine: $(nproc) cores; $(uptime)"
"$ROOT/build/unseal_bench" "${1:-10}"
