#!/usr/bin/env bash
# Soak: `sixfour dns64` while its upstream flaps (issue 17, docs/hardening.md "Soak and faults").
# A query load from c6 (tests/soak/dnsload.py: SOAK_RATE new names a second, so no answer comes
# from the cache) for SOAK_SECONDS, while s4's firewall drops the upstream's port 53 (NSD, the
# zone's server) for 3 s out of every 6. Checks: the daemon lives; every query is answered (the answer or SERVFAIL, none left
# without a reply); answers come back once the upstream does; file descriptors end where they
# started; memory is flat once warm (the resident size at the end within 10 % + 2 MiB of the one
# after the first two outages: each outage holds up to rate x upstream timeout queries in flight,
# and the allocator keeps the pages they used). Prints the figures.
#
#   tests/soak/dns64_flap.sh /path/to/sixfour        (root)
#   SOAK_SECONDS=600 SOAK_RATE=200 (defaults); SOAK_SHORT=1: 30 s (what CI runs)
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
trap lab_down EXIT

seconds=${SOAK_SECONDS:-600}
rate=${SOAK_RATE:-200}
[[ -n ${SOAK_SHORT:-} ]] && seconds=30

lab_up
# The upstream is the authoritative NSD itself (a recursive Unbound in between, one thread on this
# 2-core machine, fell behind the load and timed out on its own). The cache is held to 1 MiB, so it
# is full within seconds and what grows after that is not the cache.
dns64_nsd_start
DNS64_UNBOUND=$DNS64_NSD
dns64_start --cache-size 1
pid=$DNS64_PID
fds() { find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
dig6 AAAA h4.example.test
assert_eq "answer before the load" NOERROR "$(dig_status)"
fds0=$(fds) rss0=$(rss_kb) rss_warm=

step "query load, $rate new names/s for ${seconds}s; the upstream down 3 s in every 6"
lab_bg c6 load "$LAB_PY" "$(dirname "$0")/dnsload.py" "$DNS64_ADDR" example.test "$rate" "$seconds"
drop=(INPUT -p udp -d "$DNS64_UNBOUND" --dport 53 -j DROP)
flaps=0
for ((t = 0; t + 6 <= seconds; t += 6)); do
  lab_exec s4 iptables -I "${drop[@]}"
  sleep 3
  lab_exec s4 iptables -D "${drop[@]}"
  flaps=$((flaps + 1))
  sleep 3
  ((flaps == 2)) && rss_warm=$(rss_kb)
  kill -0 "$pid" 2>/dev/null || fail "the daemon died while the upstream flapped (log: $LAB_DAEMON_LOG)"
done
wait "$LAB_PID_load" || fail "the load generator failed: $(cat "$LAB_DIR/load.log")"
sleep 6  # the last upstream queries time out
counts=$(tail -n 1 "$LAB_DIR/load.log")
get() { "$LAB_PY" -c 'import json, sys; print(json.loads(sys.argv[1]).get(sys.argv[2], 0))' "$counts" "$1"; }
dig6 AAAA h4.example.test
status_after=$(dig_status)
fds1=$(fds) rss1=$(rss_kb)
printf 'soak dns64: %s queries in %ss, %s upstream outages of 3 s: %s NXDOMAIN, %s NOERROR, %s SERVFAIL, %s unanswered; fds %s -> %s, resident kB %s at the start, %s after two outages, %s at the end\n' \
  "$(get sent)" "$seconds" "$flaps" "$(get NXDOMAIN)" "$(get NOERROR)" "$(get SERVFAIL)" "$(get timeout)" \
  "$fds0" "$fds1" "$rss0" "$rss_warm" "$rss1"

assert_eq "answer after the load" NOERROR "$status_after"
assert_eq "queries left without a reply" 0 "$(get timeout)"
assert_gt "answers from the upstream (NXDOMAIN)" 0 "$(get NXDOMAIN)"
assert_gt "SERVFAIL while it was down" 0 "$(get SERVFAIL)"
assert_eq "file descriptors" "$fds0" "$fds1"
assert_ge "bound on the resident kB at the end (after two outages + 10 % + 2 MiB)" "$rss1" $((rss_warm * 11 / 10 + 2048))
echo "PASS"
