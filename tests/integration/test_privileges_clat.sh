#!/usr/bin/env bash
# Least privilege for `sixfour clat` (docs/hardening.md): after set-up every thread has exactly
# cap_net_admin and cap_net_raw (bounding, inheritable, ambient empty), NoNewPrivs, and the
# --user given (a system user this test creates) or uid 0 without one. With only those it still
# follows the network at run time (steps aside for native IPv4, comes back: route, addresses,
# nftables, raw sockets again) and on SIGTERM leaves nothing behind (tests/lab/clat.sh).
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
LAB_LIB=$(dirname "$0")/../lab
# shellcheck source=../lab/lab.sh
source "$LAB_LIB/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$LAB_LIB/nat64.sh"
# shellcheck source=../lab/clat.sh
source "$LAB_LIB/clat.sh"
# shellcheck source=../lab/privs.sh
source "$LAB_LIB/privs.sh"

TUSER=sixfour-priv-$$
cleanup() {
  local rc=$?
  id "$TUSER" >/dev/null 2>&1 && userdel "$TUSER" 2>/dev/null
  clat_lab_down || true
  exit "$rc"
}
trap cleanup EXIT

id sixfour >/dev/null 2>&1 && { echo "SKIP: a user 'sixfour' exists on this host (the uid 0 case needs it absent)"; exit 0; }
useradd --system --no-create-home --shell /usr/sbin/nologin "$TUSER"

clat_lab_up --pref64 "$CLAT_PREFIX"

# one_run WHO UID GID [ARGS...]
one_run() {
  local who=$1 uid=$2 gid=$3
  shift 3
  step "clat ($who)"
  clat_start "$@"
  wait_start_line
  assert_match "clat start line" "privileges: $who, capabilities cap_net_admin, cap_net_raw\$" \
    "$(grep privileges: "$LAB_DAEMON_LOG" | tail -n 1)"
  assert_privs clat "$CLAT_PID" "$NET_ADMIN_RAW" "$uid" "$gid"
  clat_ping4_ok "active"
  clat_native4_up
  clat_wait_state inactive
  clat_native4_down
  clat_wait_state active
  clat_ping4_ok "active again after native IPv4 went away"
  clat_stop
  clat_leftovers
}

one_run "uid 0 \\(no user sixfour\\)" 0 0
: >"$CLAT_LOG"
one_run "user $TUSER" "$(id -u "$TUSER")" "$(id -g "$TUSER")" --user "$TUSER"
echo "PASS: test_privileges_clat"
