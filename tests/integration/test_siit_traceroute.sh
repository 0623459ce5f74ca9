#!/usr/bin/env bash
# traceroute across `sixfour siit` both ways: TTL / Hop Limit expiry inside and behind the
# translator comes back as translated ICMP errors, and the last hop is the destination.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
lab_siit_start
errors_before=$(lab_stat icmp_errors_sent)

step "c6: traceroute6 to $LAB_S4_AS6"
lab_ok "traceroute6 from c6" c6 traceroute -6 -n -q 1 -w 1 -m 8 "$LAB_S4_AS6"
hops=$(traceroute_hops "$LAB_OUT")
printf 'answered hops:\n%s\n' "$hops"
assert_ge "answered hops" 2 "$(grep -c . <<<"$hops")"
assert_eq "first hop (gw)" "1 $LAB_GW6" "$(head -n 1 <<<"$hops")"
# The translator is a router too (RFC 7915 §5.1): its Hop Limit expiry comes from 192.0.0.8
# (RFC 7600) embedded in pool6.
assert_eq "second hop (the translator)" "2 2001:db8:64::c000:8" "$(sed -n 2p <<<"$hops")"
assert_eq "last hop is the destination" "$LAB_S4_AS6" "$(tail -n 1 <<<"$hops" | cut -d' ' -f2)"

step "s4: traceroute to $LAB_C6_AS4"
lab_ok "traceroute from s4" s4 traceroute -4 -n -q 1 -w 1 -m 8 "$LAB_C6_AS4"
hops=$(traceroute_hops "$LAB_OUT")
printf 'answered hops:\n%s\n' "$hops"
assert_ge "answered hops" 2 "$(grep -c . <<<"$hops")"
assert_eq "first hop (gw)" "1 $LAB_GW4" "$(head -n 1 <<<"$hops")"
assert_eq "second hop (the translator)" "2 192.0.0.8" "$(sed -n 2p <<<"$hops")"
assert_eq "last hop is the destination" "$LAB_C6_AS4" "$(tail -n 1 <<<"$hops" | cut -d' ' -f2)"

assert_ge "ICMP errors the translator sent itself" 2 $(($(lab_stat icmp_errors_sent) - errors_before))

lab_daemon_stop
echo PASS
