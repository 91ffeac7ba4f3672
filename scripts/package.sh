#!/usr/bin/env bash
# Builds the Debian package containment-chamber_<version>_<arch>.deb and
# prints its path (docs/deploy.md).
#   scripts/package.sh                    Release build (Debian's hardening flags)
#                                         in build-package/, .deb there
#   scripts/package.sh --from-build-dir DIR [--out DIR]
#                                         package an already-built tree as it is
#                                         (the packaging tests use build/)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD_DIR="$ROOT/build-package"
FROM=""
OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --from-build-dir) FROM="$(cd "$2" && pwd)"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    *) echo "usage: $0 [--from-build-dir DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
for tool in cpack dpkg-shlibdeps dpkg-deb; do
  if ! command -v "$tool" >/dev/null; then
    echo "SKIP: $tool not found (Debian packages cmake, dpkg-dev: scripts/install-deps.sh)" >&2
    exit 77
  fi
done

if [ -z "$FROM" ]; then
  # dpkg-buildflags: the flags Debian builds its own packages with (-O2,
  # fortify, stack protector, RELRO, BIND_NOW, CET). Release minus its -O3:
  # GCC 12 at -O3 reports a false -Wrestrict in std::string concatenation.
  export DEB_BUILD_MAINT_OPTIONS="hardening=+all"
  cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_FLAGS_RELEASE="-DNDEBUG" -DCC_WERROR=ON \
    -DCC_BUILD_TESTS=OFF -DCC_BUILD_BENCHMARKS=OFF \
    -DCMAKE_CXX_FLAGS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CXXFLAGS)" \
    -DCMAKE_EXE_LINKER_FLAGS="$(dpkg-buildflags --get LDFLAGS)" >/dev/null
  ninja -C "$BUILD_DIR" -j "$(nproc)" containment-chamber >&2
else
  BUILD_DIR="$FROM"
  [ -x "$BUILD_DIR/containment-chamber" ] || {
    echo "no containment-chamber binary in $BUILD_DIR: build it first (scripts/build.sh)" >&2
    exit 1
  }
fi
OUT="$(mkdir -p "${OUT:-$BUILD_DIR}" && cd "${OUT:-$BUILD_DIR}" && pwd)"

version="$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD_DIR/CMakeCache.txt")"
# Debian tools and users read the version from the changelog too: keep them equal.
if ! head -1 "$ROOT/deploy/debian/changelog" | grep -q "^containment-chamber ($version) "; then
  echo "deploy/debian/changelog has no entry for $version (project VERSION in CMakeLists.txt)" >&2
  exit 1
fi
deb="$OUT/containment-chamber_${version}_$(dpkg --print-architecture).deb"
rm -f "$deb"
if ! (cd "$BUILD_DIR" && cpack -G DEB -B "$OUT" >"$OUT/cpack.log" 2>&1); then
  cat "$OUT/cpack.log" >&2
  exit 1
fi
rm -rf "$OUT/_CPack_Packages"
[ -f "$deb" ] || {
  echo "cpack did not produce $deb:" >&2
  cat "$OUT/cpack.log" >&2
  exit 1
}
echo "$deb"
