#!/usr/bin/env bash
# Soak: UDP session churn through `sixfour nat64` (issue 17, docs/hardening.md "Soak and faults").
# A raw-socket generator in c6 (tests/soak/churn.py) opens SOAK_RATE new UDP sessions a second for
# SOAK_SECONDS, each a new (source port, destination port) pair; s4 drops them silently. Sessions
# live the RFC 6146 minimum (udp-timeout 120 s), so after two minutes as many expire as are made.
# Meanwhile an established ping flow (every 20 ms) and a TCP flow at 100 Mbit/s cross the same
# translator. Checks: the daemon lives; no echo is lost; no TCP interval falls below half its rate;
# no session creation is refused; memory is flat once the churn is steady (the peak resident size
# in the last third is within 10 % + 2 MiB of the one in the middle third). Prints the figures.
#
#   tests/soak/nat64_churn.sh /path/to/sixfour        (root)
#   SOAK_SECONDS=600 SOAK_RATE=2000 (defaults): 1.2 million sessions, 240 000 alive at a time
#   SOAK_SHORT=1: 30 s (what CI runs): everything but the flatness check, which needs the churn
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

seconds=${SOAK_SECONDS:-600}
rate=${SOAK_RATE:-2000}
[[ -n ${SOAK_SHORT:-} ]] && seconds=30
udp_timeout=120

lab_up
lab_exec s4 iptables -A INPUT -p udp --dport 10000:10999 -j DROP
lab_bg s4 iperf3 iperf3 -s -B "$LAB_S4"
lab_wait_port s4 tcp "$LAB_S4" 5201
nat64_start --udp-timeout "$udp_timeout"
pid=$LAB_DAEMON_PID

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }

step "churn: $rate new sessions/s for ${seconds}s, with a ping flow and a 100 Mbit/s TCP flow"
lab_bg c6 ping ping -n -i 0.02 -w "$seconds" "$LAB_S4_AS6"
lab_bg c6 tcp iperf3 -c "$LAB_S4_AS6" -t "$seconds" -b 100M -i 5 -J
lab_bg c6 churn "$LAB_PY" "$(dirname "$0")/churn.py" 2001:db8:64::c633:6402 "$rate" "$seconds"
samples=$LAB_DIR/samples.txt
: >"$samples"
t0=$SECONDS
while ((SECONDS - t0 < seconds)); do
  sleep 5
  kill -0 "$pid" 2>/dev/null || fail "the daemon died during the churn (log: $LAB_DAEMON_LOG)"
  printf '%d %s %s\n' $((SECONDS - t0)) "$(rss_kb)" "$(nat64_stat sessions.udp)" >>"$samples"
done
wait "$LAB_PID_churn" "$LAB_PID_ping" "$LAB_PID_tcp" || true
sleep 1

sent=$(tail -n 1 "$LAB_DIR/churn.log")
stats=$(nat64_stats)
exhausted=$(nat64_stat pool4-exhausted "$stats")
limited=$(nat64_stat session-limit "$stats")
read -r tx rx < <(sed -nE 's/^([0-9]+) packets transmitted, ([0-9]+) received.*/\1 \2/p' "$LAB_DIR/ping.log")
read -r tcp_min tcp_med < <("$LAB_PY" -c '
import json, sys
j = json.load(open(sys.argv[1]))
r = sorted(i["sum"]["bits_per_second"] / 1e6 for i in j["intervals"] if i["sum"]["seconds"] > 1)
print(round(r[0], 1), round(r[len(r) // 2], 1)) if r else print(0, 0)' "$LAB_DIR/tcp.log")
read -r peak_sessions rss_first rss_mid rss_last < <(awk -v n="$seconds" '
  { s = $3 > s ? $3 : s; if (NR == 1) f = $2
    if ($1 > n / 3 && $1 <= 2 * n / 3 && $2 > m) m = $2
    if ($1 > 2 * n / 3 && $2 > l) l = $2 }
  END { print s + 0, f + 0, m + 0, l + 0 }' "$samples")
printf 'soak nat64: %s sessions created in %ss (%s/s), at most %s alive; resident kB: %s after 5 s, peak %s in the middle third, %s in the last; echoes %s/%s; TCP Mbit/s per 5 s: min %s, median %s\n' \
  "$sent" "$seconds" "$rate" "$peak_sessions" "$rss_first" "$rss_mid" "$rss_last" "$rx" "$tx" "$tcp_min" "$tcp_med"
cp "$samples" "${SOAK_SAMPLES:-/dev/null}" 2>/dev/null || true

assert_eq "sessions refused for want of pool4 ports" 0 "$exhausted"
assert_eq "sessions refused by the session limit" 0 "$limited"
assert_ge "sessions created (datagrams sent)" $((rate * seconds * 9 / 10)) "$sent"
assert_eq "echoes lost" "$tx" "$rx"
assert_ge "slowest 5 s of the TCP flow, Mbit/s" 50 "${tcp_min%.*}"
if [[ -z ${SOAK_SHORT:-} ]]; then
  ((seconds >= 3 * udp_timeout)) || fail "SOAK_SECONDS must be at least $((3 * udp_timeout)) for the flatness check"
  assert_ge "bound on the last third's peak kB (the middle third's + 10 % + 2 MiB)" "$rss_last" \
    $((rss_mid * 11 / 10 + 2048))
fi
echo "PASS"
