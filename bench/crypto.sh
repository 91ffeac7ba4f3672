#!/usr/bin/env bash
# Google Benchmark figures for the crypto core (Shamir, AEAD, Argon2id).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/build.sh" crypto_bench >/dev/null
"$ROOT/build/crypto_bench" "$@"
