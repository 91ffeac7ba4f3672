#!/usr/bin/env bash
# Installs every system dependency from Debian's packages. Idempotent: packages
# already present are skipped, so re-running costs one dpkg query.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config clang-format git ca-certificates curl
  # libraries
  libssl-dev libsodium-dev libcurl4-openssl-dev libsqlite3-dev
  nlohmann-json3-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libcpp-httplib-dev libboost-dev libcbor-dev libgfshare-dev libykpers-1-dev libp11-kit-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # test peers: SigV4 oracle, HSM, load generator, baseline web server, DynamoDB Local runtime
  python3 python3-botocore softhsm2 opensc wrk nginx-light
  # deploy/ checks: promtool (alert rules, /metrics lint), systemd-analyze, the .deb
  # (dpkg-shlibdeps, lintian), dashboard and rule checks in Python
  prometheus systemd dpkg-dev lintian python3-yaml
  # KMS double: Nitro attestation checks (CBOR) and CMS answers (openssl CLI); fuzzing (clang)
  python3-cbor2 python3-cryptography openssl clang libclang-rt-dev
)
# Java and Node often come preinstalled outside dpkg; only ask apt when absent.
command -v java >/dev/null 2>&1 || PACKAGES+=(openjdk-17-jre-headless)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
