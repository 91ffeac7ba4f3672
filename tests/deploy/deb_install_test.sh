#!/usr/bin/env bash
# Installs the .deb on this machine with dpkg -i, checks what it put where,
# starts the server from the installed example config as the package's user
# on free ports, stops it, purges the package and checks what purge removes
# and what it keeps (the state directory and the user).
# Usage: deb_install_test.sh DEB_DIR     (Package.BuildsDebFromThisTree fills it)
# Exits 77 (skipped) when not root, without dpkg, without a .deb, or when the
# package is already installed here (a real install is never touched).
set -euo pipefail
DEB_DIR="$1"
PKG=containment-chamber
STATE=/var/lib/containment-chamber
CONF=/etc/containment-chamber/config.yaml

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (dpkg -i)"; exit 77; }
command -v dpkg >/dev/null || { echo "SKIP: dpkg not available"; exit 77; }
shopt -s nullglob
debs=("$DEB_DIR"/${PKG}_*.deb)
[ ${#debs[@]} -eq 1 ] || {
  echo "SKIP: expected one ${PKG}_*.deb in $DEB_DIR (from Package.BuildsDebFromThisTree" \
    "or scripts/package.sh --from-build-dir build --out $DEB_DIR), found ${#debs[@]}"
  exit 77
}
deb="${debs[0]}"
version="$(dpkg-deb -f "$deb" Version)"

# One run per machine, whichever worktree or build tree it comes from.
exec 9>/run/lock/containment-chamber-deb-test.lock
flock -w 900 9 || { echo "FAIL: another package test holds the lock"; exit 1; }

if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'ok installed'; then
  echo "SKIP: $PKG is already installed on this machine; not touching it"
  exit 77
fi
had_user=0; getent passwd "$PKG" >/dev/null && had_user=1
had_state=0; [ -e "$STATE" ] && had_state=1
had_etc=0; [ -e /etc/containment-chamber ] && had_etc=1
tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill -9 "$server_pid" 2>/dev/null || true
  if dpkg-query -W -f='${Status}' "$PKG" 2>/dev/null | grep -q 'installed'; then
    dpkg --purge "$PKG" >/dev/null 2>&1 || true
  fi
  # Undo what this test (not the package) leaves: purge keeps both on purpose.
  [ "$had_state" -eq 1 ] || rm -rf "$STATE"
  [ "$had_user" -eq 1 ] || deluser --system --quiet "$PKG" >/dev/null 2>&1 || true
  [ "$had_etc" -eq 1 ] || rm -rf /etc/containment-chamber
  rm -rf "$tmp"
}
trap cleanup EXIT

failed=0
check() {  # check DESCRIPTION COMMAND...
  local what="$1"
  shift
  if "$@"; then
    echo "ok: $what"
  else
    echo "FAIL: $what"
    failed=1
  fi
}

# dpkg takes one frontend lock per machine: wait while apt runs elsewhere.
for attempt in $(seq 60); do
  if dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then break; fi
  if ! grep -q 'lock' "$tmp/dpkg.log" || [ "$attempt" -eq 60 ]; then
    cat "$tmp/dpkg.log"
    echo "FAIL: dpkg -i $deb"
    exit 1
  fi
  sleep 5
done
echo "installed $deb"

check "containment-chamber on PATH is /usr/bin's" \
  test "$(command -v containment-chamber)" = /usr/bin/containment-chamber
check "--version prints 'containment-chamber $version'" \
  test "$(containment-chamber --version)" = "containment-chamber $version"
check "Depends has the shared libraries (dpkg-shlibdeps) and adduser" \
  bash -c "dpkg-deb -f '$deb' Depends | grep -q 'libsodium' && dpkg-deb -f '$deb' Depends | grep -q 'libc6' && dpkg-deb -f '$deb' Depends | grep -q 'adduser'"
check "system user $PKG with no login shell" \
  bash -c "uid=\$(id -u $PKG) && [ \$uid -lt 1000 ] && getent passwd $PKG | grep -q ':/usr/sbin/nologin$'"
check "$STATE is 0700 $PKG:$PKG" test "$(stat -c '%a %U:%G' "$STATE")" = "700 $PKG:$PKG"
check "$CONF is 0640 root:$PKG" test "$(stat -c '%a %U:%G' "$CONF")" = "640 root:$PKG"
check "$CONF is a conffile" bash -c "dpkg-query -W -f='\${Conffiles}' $PKG | grep -q '$CONF '"
unit=/lib/systemd/system/containment-chamber.service
check "the unit and the man page it names are installed" \
  test -f "$unit" -a -f /usr/share/man/man1/containment-chamber.1.gz
if command -v systemd-analyze >/dev/null; then
  check "systemd-analyze verify of the installed unit says nothing" \
    bash -c "out=\$(systemd-analyze verify --man=no '$unit' 2>&1); [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
fi

# Start from the installed config as the package's user, as the unit would
# (setpriv execs, so $! is the server itself).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port="$(free_port)"
metrics_port="$(free_port)"
(cd / && umask 077 && exec env CONTAINMENT_SERVER__LISTEN_PORT="$http_port" \
  CONTAINMENT_METRICS__LISTEN_PORT="$metrics_port" \
  setpriv --reuid="$PKG" --regid="$PKG" --init-groups -- \
  /usr/bin/containment-chamber server -c "$CONF") >"$tmp/server.log" 2>&1 &
server_pid=$!
up=0
for _ in $(seq 150); do
  if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$http_port/upcheck")" = 200 ]; then
    up=1
    break
  fi
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
check "server from $CONF answers /upcheck 200" test "$up" -eq 1
check "it runs as $PKG" test "$(ps -o user= -p "$server_pid" 2>/dev/null)" = "$PKG"
check "it logged a first-boot setup token (fresh SQLite state)" grep -q 'setup_token=cc-setup-' "$tmp/server.log"
check "its SQLite state is in $STATE, owned by $PKG" \
  test "$(stat -c '%U' "$STATE/state.db" 2>/dev/null)" = "$PKG"
check "/metrics shows containment_build_info for $version" \
  bash -c "curl -s http://127.0.0.1:$metrics_port/metrics | grep -qx 'containment_build_info{version=\"$version\"} 1'"
kill -TERM "$server_pid" 2>/dev/null || true
rc=0
wait "$server_pid" || rc=$?
server_pid=""
check "SIGTERM stops it cleanly (exit 0)" test "$rc" -eq 0
[ "$failed" -eq 0 ] || { echo "--- server log"; cat "$tmp/server.log"; }

dpkg --purge "$PKG" >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log"; echo "FAIL: dpkg --purge"; exit 1; }
check "purge removes the binary" bash -c "! command -v containment-chamber >/dev/null && [ ! -e /usr/bin/containment-chamber ]"
check "purge removes the unit and the config" bash -c "[ ! -e '$unit' ] && [ ! -e '$CONF' ]"
check "purge keeps $STATE (wrapped master-key shares) and says so" \
  bash -c "[ -f '$STATE/state.db' ] && grep -q 'kept $STATE' '$tmp/purge.log'"
check "purge keeps the $PKG user that owns it" bash -c "getent passwd $PKG >/dev/null"
exit "$failed"
