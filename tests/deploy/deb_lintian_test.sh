#!/usr/bin/env bash
# lintian on the .deb: no errors. Warnings and info are printed, not fatal
# (docs/deploy.md lists the accepted ones).
# Usage: deb_lintian_test.sh DEB_DIR
set -euo pipefail
command -v lintian >/dev/null || {
  echo "lintian not found: run scripts/install-deps.sh (Debian package 'lintian')" >&2
  exit 1
}
shopt -s nullglob
debs=("$1"/containment-chamber_*.deb)
[ ${#debs[@]} -eq 1 ] || { echo "SKIP: expected one containment-chamber_*.deb in $1"; exit 77; }
lintian --fail-on error --display-info "${debs[0]}"
