#!/usr/bin/env bash
# Lock rules the compiler checks: every source file under src/ is analysed by
# clang with -Wthread-safety as an error (GUARDED_BY / REQUIRES in
# common/mutex.h). Syntax only, using build/'s compile commands, so it costs
# seconds rather than a second full build.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DB="$ROOT/build/compile_commands.json"
[ -f "$DB" ] || bash "$ROOT/scripts/build.sh" >/dev/null
command -v clang++ >/dev/null || bash "$ROOT/scripts/install-deps.sh"
python3 - "$DB" "$ROOT" <<'PY' | xargs -0 -P "$(nproc)" -n 1 bash -c
import json, shlex, sys
db, root = sys.argv[1], sys.argv[2]
for entry in json.load(open(db)):
    f = entry["file"]
    if not f.startswith(root + "/src/") or f.endswith("_test.cc"):
        continue
    args = shlex.split(entry["command"])[1:]
    # Drop the output and dependency-file options; keep defines and includes.
    keep, skip = [], False
    for a in args:
        if skip:
            skip = False
            continue
        if a in ("-o", "-MF", "-MT", "-c"):
            skip = a != "-c"
            continue
        if a in ("-MD",) or a == f:
            continue
        keep.append(a)
    cmd = ["clang++", *keep, "-fsyntax-only", "-Wthread-safety", "-Werror=thread-safety",
           "-Wno-unknown-warning-option", f]
    sys.stdout.write("cd " + shlex.quote(entry["directory"]) + " && " + shlex.join(cmd) + "\0")
PY
echo "thread-safety: clean"
