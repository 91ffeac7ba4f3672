#!/usr/bin/env bash
# Installs every dependency, builds, and runs the whole test suite
# (unit + integration, including DynamoDB Local and SoftHSM based tests).
# Usage: scripts/test.sh [--sanitize]   (ASan+UBSan build in build-asan/)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/install-deps.sh"
bash "$ROOT/scripts/install-dynamodb-local.sh"
BUILD_DIR="$ROOT/build"
if [ "${1:-}" = "--sanitize" ]; then
  BUILD_DIR="$ROOT/build-asan"
  bash "$ROOT/scripts/build.sh" --sanitize
  export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
else
  bash "$ROOT/scripts/build.sh"
fi
export DYNAMODB_LOCAL_DIR="$ROOT/.deps/dynamodb-local"
# One DynamoDB Local for the whole run; every test uses its own table.
RUN_DIR="$(mktemp -d)"
trap 'bash "$ROOT/scripts/dynamodb-local.sh" stop "$RUN_DIR"; rm -rf "$RUN_DIR"' EXIT
CC_DYNAMODB_ENDPOINT="$(bash "$ROOT/scripts/dynamodb-local.sh" start "$RUN_DIR")"
export CC_DYNAMODB_ENDPOINT
cd "$BUILD_DIR"
ctest --output-on-failure -j "$(nproc)" --timeout 600
