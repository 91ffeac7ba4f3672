#!/usr/bin/env bash
# promtool check rules + promtool test rules on deploy/prometheus.
# Usage: promtool_rules_test.sh DEPLOY_PROMETHEUS_DIR
set -euo pipefail
command -v promtool >/dev/null || {
  echo "promtool not found: run scripts/install-deps.sh (Debian package 'prometheus')" >&2
  exit 1
}
cd "$1"
promtool check rules alerts.yaml
promtool test rules alerts_test.yaml
