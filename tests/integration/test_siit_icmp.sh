#!/usr/bin/env bash
# ICMP echo through `sixfour siit`, both ways: the IPv6-only client pings the IPv4-only server at
# its pool6 address, the server pings the client at its EAM address; the counters rise. The daemon's
# own counters: with the eBPF fast path on, echoes never reach it (test_siit_fast_path.sh).
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
lab_siit_start --fast-path off
before=$(lab_stats)
printf '%s\n' "$before"

step "c6 -> s4: ping $LAB_S4_AS6 (= pool6 + $LAB_S4)"
lab_ok "ping from c6" c6 ping -n -c 3 -i 0.2 -W 2 "$LAB_S4_AS6"
assert_eq "echo replies received by c6" 3 "$(ping_received "$LAB_OUT")"
assert_match "c6 ping loss" ' 0% packet loss' "$LAB_OUT"
assert_match "replies come from the server's IPv6 address" "bytes from $LAB_S4_AS6: icmp_seq=" "$LAB_OUT"

step "s4 -> c6: ping $LAB_C6_AS4 (EAM for $LAB_C6)"
lab_ok "ping from s4" s4 ping -n -c 3 -i 0.2 -W 2 "$LAB_C6_AS4"
assert_eq "echo replies received by s4" 3 "$(ping_received "$LAB_OUT")"
assert_match "s4 ping loss" ' 0% packet loss' "$LAB_OUT"
assert_match "replies come from the client's IPv4 address" "bytes from $LAB_C6_AS4: icmp_seq=" "$LAB_OUT"

step "a larger echo (1200 bytes of payload) both ways"
lab_ok "ping -s 1200 from c6" c6 ping -n -c 2 -i 0.2 -W 2 -s 1200 "$LAB_S4_AS6"
assert_eq "large replies received by c6" 2 "$(ping_received "$LAB_OUT")"
lab_ok "ping -s 1200 from s4" s4 ping -n -c 2 -i 0.2 -W 2 -s 1200 "$LAB_C6_AS4"
assert_eq "large replies received by s4" 2 "$(ping_received "$LAB_OUT")"

step "counters"
after=$(lab_stats)
printf '%s\n' "$after"
# Every packet crossed the translator: 5 requests + 5 replies each way.
for c in in6 out4 in4 out6; do
  b=$(lab_stat "$c" "$before")
  a=$(lab_stat "$c" "$after")
  assert_ge "stats $c increase" 10 $((a - b))
done

lab_daemon_stop
echo PASS
