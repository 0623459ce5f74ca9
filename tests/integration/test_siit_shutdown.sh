#!/usr/bin/env bash
# `sixfour siit` owns its TUN device and routes: it adds them at start (pool6 and the EAM sides
# the kernel has no specific route for), logs one start line, and on SIGTERM exits 0 leaving
# neither the TUN nor any route behind. --no-routes adds none.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
# A TUN name of our own, so the default control socket path (/run/sixfour/siit-<tun>.sock) is
# this run's alone.
LAB_TUN=sfx$$
LAB_TUN=${LAB_TUN:0:15}

step "start: TUN up, routes added"
lab_daemon_start siit --tun "$LAB_TUN" --pool6 "$LAB_POOL6" --eam "$LAB_EAM"
lab_run gw ip -6 route show "$LAB_POOL6"
assert_match "pool6 routed to the TUN" "^$LAB_POOL6 dev $LAB_TUN" "$LAB_OUT"
lab_run gw ip -4 route show 192.0.2.0/24
assert_match "EAM IPv4 side routed to the TUN" "^192.0.2.0/24 dev $LAB_TUN" "$LAB_OUT"
lab_run gw ip -6 route show dev "$LAB_TUN"
assert_no_match "EAM IPv6 side not routed to the TUN (eth-c6 already reaches it)" '2001:db8:6::' "$LAB_OUT"
lab_run gw ip -6 route get "$LAB_C6"
assert_match "c6 still reached through eth-c6" "dev eth-c6" "$LAB_OUT"
lab_ok "ping through the translator" c6 ping -n -c 1 -W 2 "$LAB_S4_AS6"
assert_eq "lines logged by the daemon so far" 1 "$(grep -c . "$LAB_DAEMON_LOG")"
cat "$LAB_DAEMON_LOG"

step "stats through the default control socket (--tun)"
lab_ok "sixfour siit stats --tun" gw "$SIXFOUR" siit stats --tun "$LAB_TUN"
lab_ok "sixfour siit stats --json --tun" gw "$SIXFOUR" siit stats --json --tun "$LAB_TUN"
"$LAB_PY" "$LAB_HOME/flatjson.py" <<<"$LAB_OUT" >/dev/null || fail "stats --json is not JSON: $LAB_OUT"

step "SIGTERM: exit 0, TUN and routes gone"
lab_daemon_stop
lab_run gw ip -o link show
assert_no_match "TUN device gone" "$LAB_TUN" "$LAB_OUT"
lab_run gw ip -6 route show "$LAB_POOL6"
assert_eq "pool6 route gone" "" "$LAB_OUT"
lab_run gw ip -4 route show 192.0.2.0/24
assert_eq "EAM route gone" "" "$LAB_OUT"
lab_run gw ip -6 route show
assert_no_match "no IPv6 route mentions the TUN" "$LAB_TUN" "$LAB_OUT"
lab_run gw ip -4 route show
assert_no_match "no IPv4 route mentions the TUN" "$LAB_TUN" "$LAB_OUT"
lab_expect_rc "ping with the translator stopped" 1 c6 ping -n -c 1 -W 1 "$LAB_S4_AS6"
if lab_run gw "$SIXFOUR" siit stats --tun "$LAB_TUN"; then
  fail "stats still answers after shutdown"
fi
printf 'ok: stats fails once the daemon is gone\n'

step "restart with the same TUN name works (nothing stale left)"
lab_daemon_start siit --tun "$LAB_TUN" --pool6 "$LAB_POOL6" --eam "$LAB_EAM"
lab_ok "ping after restart" c6 ping -n -c 1 -W 2 "$LAB_S4_AS6"
lab_daemon_stop

step "--no-routes: the TUN comes up, no route is added"
LAB_WAIT_POOL6='' lab_daemon_start siit --tun "$LAB_TUN" --pool6 "$LAB_POOL6" --eam "$LAB_EAM" --no-routes
sleep 0.5
lab_run gw ip -6 route show dev "$LAB_TUN"
assert_no_match "no IPv6 route via the TUN" '2001:db8' "$LAB_OUT"
lab_run gw ip -4 route show dev "$LAB_TUN"
assert_eq "no IPv4 route via the TUN" "" "$LAB_OUT"
lab_daemon_stop
lab_run gw ip -o link show
assert_no_match "TUN device gone" "$LAB_TUN" "$LAB_OUT"
echo PASS
