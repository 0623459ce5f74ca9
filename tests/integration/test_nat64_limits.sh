#!/usr/bin/env bash
# `sixfour nat64` at its limits: a pool4 of two ports (203.0.113.1:2000-2001) serves two UDP flows;
# the third is dropped with an ICMPv6 error back to the client (RFC 6146 §3.5.1.1) and counted
# as pool4-exhausted, and the daemon keeps running. Restarted with --udp-timeout 2, the sessions
# (and their BIB entries) expire (RFC 6146 §3.5.1), after which the ports serve new flows again.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

lab_up
nat64_start_small() {  # [EXTRA...]
  lab_daemon_start nat64 --tun "$LAB_TUN" --prefix "$N64_PREFIX" --pool4 "$N64_POOL4:2000-2001" \
    --control "$LAB_CTL" "$@"
}
nat64_start_small
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_wait_port s4 udp "$LAB_S4" 7000

step "two ports, two UDP flows"
exhausted=$(nat64_stat pool4-exhausted)
udp_probe c6 "$LAB_S4_AS6" 7000 || fail "first flow"
assert_eq "first flow" "reply 10" "$LAB_OUT"
udp_probe c6 "$LAB_S4_AS6" 7000 || fail "second flow"
assert_eq "second flow" "reply 10" "$LAB_OUT"
rows=$(nat64_rows sessions)
printf '%s\n' "$rows"
assert_eq "UDP sessions" 2 "$(grep -c '^udp ' <<<"$rows")"
assert_line "ports from the range" "^udp $LAB_C6 [0-9]+ $LAB_S4_AS6 7000 $N64_POOL4 200[01] $LAB_S4 7000 " "$rows"

step "the third flow finds no port: dropped, counted, ICMPv6 error to the client"
if udp_probe c6 "$LAB_S4_AS6" 7000; then fail "third flow got a reply with the pool4 exhausted"; fi
# RFC 6146 §3.5.1.1: Destination Unreachable, code 3 (address unreachable) = EHOSTUNREACH.
assert_eq "the client hears an ICMPv6 error, not silence" "error EHOSTUNREACH" "$LAB_OUT"
assert_gt "pool4-exhausted counter" "$exhausted" "$(nat64_stat pool4-exhausted)"
assert_eq "still two sessions" 2 "$(nat64_rows sessions | grep -c '^udp ')"
lab_ok "the daemon is alive and answers" gw "$SIXFOUR" nat64 stats --control "$LAB_CTL"
kill -0 "$LAB_DAEMON_PID" || fail "daemon died"

lab_daemon_stop

step "--udp-timeout 2: sessions and BIB entries expire"
nat64_start_small --udp-timeout 2
assert_match "start line notes the timeout below RFC 6146's minimum" "udp-timeout 2 s is below" \
  "$(cat "$LAB_DAEMON_LOG")"
udp_probe c6 "$LAB_S4_AS6" 7000 || fail "a flow"
udp_probe c6 "$LAB_S4_AS6" 7000 || fail "a second flow"
rows=$(nat64_rows sessions)
printf '%s\n' "$rows"
assert_ge "sessions listed right after the flows" 1 "$(grep -c '^udp ' <<<"$rows")"
for ((i = 0; i < 80; i++)); do
  [[ -z $(nat64_rows sessions) ]] && break
  sleep 0.1
done
lab_ok "sixfour nat64 sessions" gw "$SIXFOUR" nat64 sessions --control "$LAB_CTL"
assert_match "no sessions left" "^0 sessions$" "$(tail -n 1 <<<"$LAB_OUT")"
printf 'info: expired after about %s s more\n' "$((i / 10))"
lab_ok "sixfour nat64 bib" gw "$SIXFOUR" nat64 bib --control "$LAB_CTL"
assert_match "no BIB entries left" "^0 BIB entries$" "$(tail -n 1 <<<"$LAB_OUT")"
udp_probe c6 "$LAB_S4_AS6" 7000 || fail "a new flow after expiry"
assert_eq "a new flow gets a reclaimed port" "reply 10" "$LAB_OUT"

lab_daemon_stop
echo PASS
