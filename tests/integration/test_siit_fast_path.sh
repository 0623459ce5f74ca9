#!/usr/bin/env bash
# The eBPF fast path of `sixfour siit` (docs/fast-path.md). By default (auto) at the ingress of the
# uplinks (eth-c6, eth-s4), where echoes are translated and sent straight out the other uplink one
# hop later, and at the egress of the TUN. With --fast-path tun on the TUN only: it translates
# echoes and UDP in the kernel (the daemon never sees them: the hit counter rises, the daemon's own
# do not), hands the unusual packets to the daemon with their reason counted (fragments, hop limit
# 1, hairpinning) and they still work; `stats` shows it. Everything is removed on exit, a stale
# program left by kill -9 is replaced; --fast-path off attaches nothing.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
cleanup() {
  ip -n "$(lab_ns gw)" tuntap del dev "$LAB_TUN" mode tun multi_queue 2>/dev/null || true
  lab_down
}
trap cleanup EXIT

# The eBPF filters at the TUN's egress (0 or more), and whether a clsact qdisc is there.
filters() { tc -n "$(lab_ns gw)" filter show dev "$LAB_TUN" egress 2>/dev/null | grep -c 'siit_tun' || true; }
uplink_filters() {  # DEVICE
  tc -n "$(lab_ns gw)" filter show dev "$1" ingress 2>/dev/null | grep -c 'siit_uplink' || true
}
clsact() { tc -n "$(lab_ns gw)" qdisc show dev "$LAB_TUN" 2>/dev/null | grep -c clsact || true; }
delta() { echo $(($(lab_stat "$1" "$3") - $(lab_stat "$1" "$2"))); }

lab_up
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_wait_port s4 udp "$LAB_S4" 7000

step "default (auto): at the uplinks' ingress and the TUN's egress"
lab_siit_start
assert_match "start line" 'fast path eBPF \(uplinks [a-z0-9, -]*eth-c6' "$(cat "$LAB_DAEMON_LOG")"
assert_match "start line" 'fast path eBPF \(uplinks [a-z0-9, -]*eth-s4' "$(cat "$LAB_DAEMON_LOG")"
assert_eq "filters at the TUN's egress" 1 "$(filters)"
assert_eq "filters at eth-c6's ingress" 1 "$(uplink_filters eth-c6)"
assert_eq "filters at eth-s4's ingress" 1 "$(uplink_filters eth-s4)"
before=$(lab_stats)
lab_ok "20 echoes c6 -> s4" c6 ping -n -c 20 -i 0.05 -W 2 "$LAB_S4_AS6"
assert_eq "replies to c6" 20 "$(ping_received "$LAB_OUT")"
assert_match "one hop: s4's reply arrives with hop limit 63" 'ttl=63' "$LAB_OUT"
lab_ok "20 echoes s4 -> c6" s4 ping -n -c 20 -i 0.05 -W 2 "$LAB_C6_AS4"
assert_eq "replies to s4" 20 "$(ping_received "$LAB_OUT")"
assert_match "one hop: c6's reply arrives with TTL 63" 'ttl=63' "$LAB_OUT"
after=$(lab_stats)
assert_ge "translated at the uplinks (80 echo packets)" 80 "$(delta fast_path.counters.hit_uplink "$before" "$after")"
assert_eq "IPv4 packets the daemon read" 0 "$(delta in4 "$before" "$after")"
lab_ok "UDP echo of 100 bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 100
assert_match "echo (100 bytes)" "sent=100 recv=100 match=yes" "$LAB_OUT"
lab_daemon_stop
assert_eq "uplink filters after SIGTERM" 0 $(($(uplink_filters eth-c6) + $(uplink_filters eth-s4)))
assert_eq "TUN filters after SIGTERM" 0 "$(filters)"

step "--fast-path tun: the program on the TUN only"
lab_siit_start --fast-path tun
assert_match "start line" 'fast path eBPF' "$(cat "$LAB_DAEMON_LOG")"
assert_no_match "start line names no uplink" 'uplinks' "$(cat "$LAB_DAEMON_LOG")"
assert_eq "filters at the TUN's egress" 1 "$(filters)"
assert_eq "filters at eth-c6's ingress" 0 "$(uplink_filters eth-c6)"

step "echoes both ways: translated in the kernel, the daemon sees none"
before=$(lab_stats)
lab_ok "20 echoes c6 -> s4" c6 ping -n -c 20 -i 0.05 -W 2 "$LAB_S4_AS6"
assert_eq "replies to c6" 20 "$(ping_received "$LAB_OUT")"
lab_ok "20 echoes s4 -> c6" s4 ping -n -c 20 -i 0.05 -W 2 "$LAB_C6_AS4"
assert_eq "replies to s4" 20 "$(ping_received "$LAB_OUT")"
after=$(lab_stats)
assert_ge "fast path hits (80 echo packets)" 80 "$(delta fast_path.counters.hit "$before" "$after")"
# The kernel's own IPv6 messages on a freshly started TUN (router solicitation, MLD) still reach
# the daemon, which drops them; the 40 echo packets of each family do not.
assert_ge "IPv6 packets the daemon did not read" 30 $((40 - $(delta in6 "$before" "$after")))
assert_eq "IPv4 packets the daemon read" 0 "$(delta in4 "$before" "$after")"

step "UDP: a small datagram each way in the kernel"
before=$(lab_stats)
lab_ok "UDP echo of 100 bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 100
assert_match "echo (100 bytes)" "sent=100 recv=100 match=yes" "$LAB_OUT"
after=$(lab_stats)
assert_eq "fast path hits" 2 "$(delta fast_path.counters.hit "$before" "$after")"
# udp.py's server answers with DF=0: over 1280 bytes once translated, the daemon fragments it
# (RFC 7915 §4, lowest-ipv6-mtu), so the program leaves it to the daemon.
before=$after
lab_ok "UDP echo of 1400 bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 1400
assert_match "echo (1400 bytes)" "sent=1400 recv=1400 match=yes" "$LAB_OUT"
after=$(lab_stats)
assert_eq "fast path hits (the request)" 1 "$(delta fast_path.counters.hit "$before" "$after")"
assert_eq "too big for the program (the DF=0 reply)" 1 "$(delta fast_path.counters.too_big "$before" "$after")"
assert_eq "IPv6 fragments the daemon sent" 2 "$(delta out6 "$before" "$after")"

step "unusual packets go to the daemon, counted, and still work"
before=$(lab_stats)
lab_ok "UDP echo of 3000 bytes (fragments both ways)" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 3000
assert_match "echo (3000 bytes)" "sent=3000 recv=3000 match=yes" "$LAB_OUT"
lab_ok "ping with hop limit 2 (1 at the translator)" c6 ping -n -c 2 -t 2 -W 2 "$LAB_S4_AS6"
assert_eq "replies" 2 "$(ping_received "$LAB_OUT")"
# RFC 7757 §4: c6 addresses another EAM host (192.0.2.3, nobody) through pool6.
lab_expect_rc "ping to an EAM address through pool6 (hairpin, nobody there)" 1 c6 ping -n -c 1 -W 1 2001:db8:64::c000:203
after=$(lab_stats)
assert_ge "fragment punts" 2 "$(delta fast_path.counters.fragment "$before" "$after")"
assert_ge "hop limit punts" 2 "$(delta fast_path.counters.hop_limit "$before" "$after")"
assert_eq "hairpin punts" 1 "$(delta fast_path.counters.hairpin "$before" "$after")"
assert_eq "hairpinned by the daemon" 1 "$(delta hairpinned "$before" "$after")"
assert_ge "IPv6 packets the daemon read" 5 "$(delta in6 "$before" "$after")"
assert_eq "helper drops" 0 "$(lab_stat fast_path.counters.helper_drop "$after")"

step "stats"
lab_ok "stats (text)" gw "$SIXFOUR" siit stats --control "$LAB_CTL"
assert_match "fast path line" 'fast path: eBPF on the TUN' "$LAB_OUT"
assert_match "hits line" 'translated in kernel +[0-9]+' "$LAB_OUT"
assert_match "punt reasons" 'fragment +[0-9]+' "$LAB_OUT"
assert_match "state in JSON" '"fast_path": ?\{"state": ?"on"' "$(lab_exec gw "$SIXFOUR" siit stats --json --control "$LAB_CTL")"

step "SIGTERM removes the program (and the qdisc it added)"
lab_daemon_stop
ip -n "$(lab_ns gw)" tuntap add dev "$LAB_TUN" mode tun multi_queue  # persistent: outlives the daemon
lab_siit_start --fast-path tun
assert_eq "filters on the persistent TUN" 1 "$(filters)"
lab_daemon_stop
assert_eq "filters after SIGTERM" 0 "$(filters)"
assert_eq "clsact qdiscs after SIGTERM" 0 "$(clsact)"

step "a program left by kill -9 is replaced on start"
LAB_WAIT_POOL6= lab_siit_start --no-routes
for ((i = 0; i < 50; i++)); do grep -q 'fast path eBPF' "$LAB_DAEMON_LOG" && break; sleep 0.1; done
assert_match "start line" 'fast path eBPF' "$(cat "$LAB_DAEMON_LOG")"
kill -KILL "$LAB_DAEMON_PID"
wait "$LAB_DAEMON_PID" 2>/dev/null || true
LAB_DAEMON_PID=
assert_eq "stale filter after kill -9" 1 "$(filters)"
assert_eq "stale uplink filter after kill -9" 1 "$(uplink_filters eth-c6)"
LAB_WAIT_POOL6= lab_siit_start --no-routes
for ((i = 0; i < 50; i++)); do grep -q 'fast path eBPF' "$LAB_DAEMON_LOG" && break; sleep 0.1; done
assert_match "start line after the restart" 'fast path eBPF' "$(cat "$LAB_DAEMON_LOG")"
assert_eq "filters after the restart" 1 "$(filters)"
assert_eq "uplink filters after the restart" 1 "$(uplink_filters eth-c6)"
lab_daemon_stop
ip -n "$(lab_ns gw)" tuntap del dev "$LAB_TUN" mode tun multi_queue

step "--fast-path off: nothing attached, every packet through the daemon"
lab_siit_start --fast-path off
assert_match "start line" 'fast path off \(--fast-path off\)' "$(cat "$LAB_DAEMON_LOG")"
assert_eq "filters" 0 "$(filters)"
before=$(lab_stats)
lab_ok "20 echoes c6 -> s4" c6 ping -n -c 20 -i 0.05 -W 2 "$LAB_S4_AS6"
after=$(lab_stats)
assert_ge "IPv6 packets the daemon read" 20 "$(delta in6 "$before" "$after")"
assert_match "state in JSON" '"fast_path": ?\{"state": ?"off", ?"reason": ?"--fast-path off"' \
  "$(lab_exec gw "$SIXFOUR" siit stats --json --control "$LAB_CTL")"
lab_daemon_stop
echo PASS
