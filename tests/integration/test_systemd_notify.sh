#!/usr/bin/env bash
# The daemons speak systemd's notification protocol (sd_notify(3), io/sys/service_notify.hpp). No
# systemd runs as PID 1 on the CI machine, so tests/lab/notify_listen.py stands in for it: a unix
# datagram socket passed in NOTIFY_SOCKET, as systemd passes its own to a Type=notify unit.
#   - nat64 says READY=1 only once its TUN and route exist (the listener looks when it arrives),
#     with a STATUS= summary whose session count follows the traffic;
#   - with WATCHDOG_USEC it sends WATCHDOG=1 at half that interval, none while it is stopped with
#     SIGSTOP (what makes systemd's watchdog restart a hung daemon), and again after SIGCONT;
#   - SIGTERM: STOPPING=1, exit 0, and the TUN is gone;
#   - a start-up failure is told in STATUS= (and exit 1), never READY=1;
#   - dns64 and socks say READY=1 with their own summaries.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap lab_down EXIT

lab_up
SOCK=$LAB_DIR/notify.sock
NOTES=$LAB_DIR/notify.log

# listen [ARGS...]: a fresh listener on $SOCK in gw (what it hears goes to $NOTES).
listen() {
  [[ -z ${LAB_PID_notify:-} ]] || { kill "$LAB_PID_notify" 2>/dev/null || true; wait "$LAB_PID_notify" 2>/dev/null || true; }
  # The old log must not answer the wait below before the new listener has bound the socket.
  rm -f "$NOTES" "$SOCK"
  lab_bg gw notify "$LAB_PY" "$LAB_HOME/notify_listen.py" "$SOCK" "$@"
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q '^listening' "$NOTES" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "the notify listener did not start"
}
notes() { cat "$NOTES"; }
count() { grep -c -- "$1" "$NOTES" || true; }
# wait_note PATTERN: until a message matching PATTERN arrived (5 s).
wait_note() {
  local i
  for ((i = 0; i < 50; i++)); do
    grep -qE -- "$1" "$NOTES" && return 0
    sleep 0.1
  done
  notes
  fail "no notification matching /$1/"
}

step "nat64 under a watchdog of 400 ms: READY=1 once the TUN and its route exist"
listen --check-link "$LAB_TUN" --check-route6 "$N64_PREFIX"
export NOTIFY_SOCKET=$SOCK WATCHDOG_USEC=400000
nat64_start
unset NOTIFY_SOCKET WATCHDOG_USEC
wait_note 'READY=1'
notes | head -n 3
assert_eq "READY=1 comes once" 1 "$(count 'READY=1')"
assert_match "the TUN and the route were there when READY=1 came" "READY=1.* link=yes route6=yes" "$(grep 'READY=1' "$NOTES")"
assert_match "STATUS= names the prefix and pool4 and counts" \
  "STATUS=prefix $N64_PREFIX, pool4 $N64_POOL4/32: sessions 0, packets translated 0, dropped [0-9]+" "$(grep 'READY=1' "$NOTES")"

step "STATUS= follows the sessions"
lab_ok "ping through the NAT64" c6 ping -n -c 2 -i 0.2 -W 2 "$LAB_S4_AS6"
wait_note 'STATUS=prefix .*: sessions 1, packets translated [1-9]'

step "WATCHDOG=1 every 200 ms; none while SIGSTOPped; again after SIGCONT"
sleep 1
n1=$(count 'WATCHDOG=1')
sleep 1
n2=$(count 'WATCHDOG=1')
echo "watchdog pings: $n1 after ~1.5 s, $n2 a second later"
assert_ge "about 5 a second" 3 $((n2 - n1))
kill -STOP "$LAB_DAEMON_PID"
sleep 0.3
n3=$(count 'WATCHDOG=1')
sleep 1.2
n4=$(count 'WATCHDOG=1')
assert_eq "none while stopped (systemd would restart it after 400 ms)" "$n3" "$n4"
kill -CONT "$LAB_DAEMON_PID"
sleep 1
assert_ge "pings again after SIGCONT" 3 $(($(count 'WATCHDOG=1') - n4))

step "SIGTERM: STOPPING=1, exit 0, no TUN left"
lab_daemon_stop
wait_note 'STOPPING=1'
assert_match "STOPPING=1 says why" "STOPPING=1[|]STATUS=stopping on Terminated" "$(grep 'STOPPING=1' "$NOTES")"
if ip -n "$(lab_ns gw)" link show "$LAB_TUN" >/dev/null 2>&1; then fail "$LAB_TUN is still there"; fi
echo "ok: $LAB_TUN removed"

step "a start-up failure is told in STATUS=, never READY=1"
listen
ip -n "$(lab_ns gw)" -6 route add "$N64_PREFIX" dev lo
lab_expect_rc "nat64 with its prefix already routed" 1 gw env NOTIFY_SOCKET="$SOCK" "$SIXFOUR" nat64 --tun "$LAB_TUN" \
  --prefix "$N64_PREFIX" --pool4 "$N64_POOL4" --control "$LAB_CTL"
wait_note 'STATUS=.*conflicting route'
assert_eq "no READY=1" 0 "$(count 'READY=1')"
ip -n "$(lab_ns gw)" -6 route del "$N64_PREFIX" dev lo

step "dns64 and socks: READY=1 with their summaries"
listen
export NOTIFY_SOCKET=$SOCK
dns64_start
wait_note 'READY=1'
assert_match "dns64 STATUS=" "READY=1[|]STATUS=prefix .*: queries 0, synthesized 0, upstream timeouts 0" "$(grep 'READY=1' "$NOTES")"
dns64_stop
listen
socks_start gw --listen "[$LAB_GW6]:1080"
unset NOTIFY_SOCKET
wait_note 'READY=1'
assert_match "socks STATUS=" "READY=1[|]STATUS=clients 0, connects 0" "$(grep 'READY=1' "$NOTES")"
socks_stop
echo PASS
