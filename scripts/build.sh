#!/usr/bin/env bash
# Configures and builds into build/ (or build-asan/ with --sanitize).
# Usage: scripts/build.sh [--sanitize] [ninja targets...]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="$ROOT/build"
FLAGS=(-DCC_WERROR=ON)
if [ "${1:-}" = "--sanitize" ]; then
  shift
  BUILD_DIR="$ROOT/build-asan"
  FLAGS+=(-DCC_SANITIZE=ON -DCC_BUILD_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=Debug)
fi
cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja "${FLAGS[@]}" >/dev/null
# 2 cores, 24 GiB: two jobs keep memory and time in check.
ninja -C "$BUILD_DIR" -j "$(nproc)" "$@"
