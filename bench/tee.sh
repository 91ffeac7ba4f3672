#!/usr/bin/env bash
# Attestation verification time per document (real AWS and test-CA documents).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/scripts/build.sh" tee_bench
"$ROOT/build/tee_bench" --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@"
