#!/usr/bin/env bash
# Builds every libFuzzer target fuzz/<name>_fuzz.cc with clang + ASan/UBSan
# into build-fuzz/ and runs each for a bounded time, starting from its seed
# corpus fuzz/corpus/<name>/ (new inputs go to build-fuzz/corpus/, never into
# the repository). Any crash, leak, UB or timeout fails the script; the
# reproducer is left in build-fuzz/artifacts/.
# A target may name extra libFuzzer flags in a "// fuzz-flags: ..." line.
# Usage: scripts/fuzz.sh [seconds per target, default 30]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_PER_TARGET="${1:-30}"
BUILD_DIR="$ROOT/build-fuzz"
shopt -s nullglob
sources=("$ROOT"/fuzz/*_fuzz.cc)
if [ ${#sources[@]} -eq 0 ]; then
  echo "fuzz: no targets under fuzz/"
  exit 0
fi
CC=clang CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCC_FUZZ=ON -DCC_WERROR=ON \
  -DCC_BUILD_TESTS=OFF -DCC_BUILD_BENCHMARKS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
ninja -C "$BUILD_DIR" -j "$(nproc)" fuzzers
mkdir -p "$BUILD_DIR/artifacts"
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
failed=0
passed=0
for src in "${sources[@]}"; do
  name="$(basename "$src" .cc)"
  seeds="$ROOT/fuzz/corpus/${name%_fuzz}"
  work="$BUILD_DIR/corpus/${name%_fuzz}"
  mkdir -p "$work"
  read -r -a flags <<<"$(sed -n 's#^// fuzz-flags: ##p' "$src" | head -1)"
  echo "== fuzz $name for ${SECONDS_PER_TARGET}s"
  if ! "$BUILD_DIR/$name" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -artifact_prefix="$BUILD_DIR/artifacts/$name-" "${flags[@]}" \
      "$work" $([ -d "$seeds" ] && echo "$seeds") 2>"$BUILD_DIR/$name.log"; then
    tail -n 60 "$BUILD_DIR/$name.log"
    echo "fuzz: $name FAILED (reproducer in $BUILD_DIR/artifacts/)"
    failed=$((failed + 1))
  else
    passed=$((passed + 1))
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
      "$BUILD_DIR/$name.log" || true
  fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
