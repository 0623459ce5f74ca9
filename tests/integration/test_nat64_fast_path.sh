#!/usr/bin/env bash
# The eBPF fast path of `sixfour nat64` (docs/fast-path.md, "Stateful"): ping, UDP echo on one
# flow, and a TCP download and upload checked by sha256, first with the fast path on (the default,
# auto: at the uplinks' ingress, eth-c6 and eth-s4, and the TUN's egress; after a flow's first
# packets the kernel translates them, as the hit counters show, the echoes at the uplinks one hop
# later), then on the TUN only (--fast-path tun: hits counted in `hit`), then the same checks with
# --fast-path off (no counters, every packet through the daemon).
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

lab_up
www=$LAB_DIR/www
mkdir -p "$www"
head -c 8388608 /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_wait_port s4 udp "$LAB_S4" 7000
lab_wait_port s4 tcp "$LAB_S4" 80

# start_line: the daemon's start line (nat64_start returns once it is written, lab.sh).
start_line() { grep -m 1 "translating on" "$LAB_DAEMON_LOG" || true; }

# fast_path_member KEY: "state" or "reason" of the stats' "fast_path" member.
fast_path_member() {
  nat64_query stats | "$LAB_PY" -c 'import json, sys; print(json.load(sys.stdin)["fast_path"][sys.argv[1]])' "$1"
}

# The nat64_uplink filters at DEVICE's ingress in gw (0 or more).
uplink_filters() {
  tc -n "$(lab_ns gw)" filter show dev "$1" ingress 2>/dev/null | grep -c 'nat64_uplink' || true
}

# share WHAT BEFORE AFTER: prints and returns (in $hits / $punts) the packets between two
# nat64_fast_counts.
hits=0 punts=0
share() {
  local b_h b_p a_h a_p
  read -r b_h b_p <<<"$2"
  read -r a_h a_p <<<"$3"
  hits=$((a_h - b_h)) punts=$((a_p - b_p))
  printf 'fast path, %s: %d translated in the kernel, %d to the daemon (%d%% hits)\n' "$1" "$hits" "$punts" \
    $((hits + punts > 0 ? 100 * hits / (hits + punts) : 0))
}

# checks MODE: the traffic checks, the same for every mode; MODE "on" and "tun" also assert the hit
# shares.
checks() {
  local mode=$1 before
  step "[$mode] ICMP echo c6 -> [$LAB_S4_AS6], 20 requests"
  before=$(nat64_fast_counts)
  lab_ok "ping from c6" c6 ping -n -c 20 -i 0.05 -W 2 "$LAB_S4_AS6"
  assert_eq "echo replies" 20 "$(ping_received "$LAB_OUT")"
  assert_match "one hop: s4's replies arrive with hop limit 63" 'ttl=63' "$LAB_OUT"
  assert_no_match "no other hop limit" 'ttl=6[0-24-9]' "$LAB_OUT"
  share ping "$before" "$(nat64_fast_counts)"
  # The first request creates the session (the daemon), every later packet is the kernel's.
  [[ $mode != off ]] && assert_ge "ping: packets translated in the kernel (of 40)" 36 "$hits"

  step "[$mode] UDP echo c6 -> [$LAB_S4_AS6]:7000, 20 datagrams on one flow"
  before=$(nat64_fast_counts)
  lab_ok "UDP echo" c6 "$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((sys.argv[1], 7000))
for i in range(20):
    data = bytes([i]) * (1 + 60 * i)
    s.send(data)
    assert s.recv(65535) == data, "echo differs"
print("20 echoes match")' "$LAB_S4_AS6"
  share udp "$before" "$(nat64_fast_counts)"
  [[ $mode != off ]] && assert_ge "UDP: packets translated in the kernel (of 40)" 36 "$hits"

  step "[$mode] TCP: GET and POST 8 MiB"
  local curl_opts=(-g -sS --max-time 60)
  before=$(nat64_fast_counts)
  lab_ok "curl big.bin" c6 curl "${curl_opts[@]}" -o "$LAB_DIR/got.bin" -w '%{http_code} %{size_download}\n' \
    "http://[$LAB_S4_AS6]/big.bin"
  assert_eq "HTTP status and size" "200 8388608" "$LAB_OUT"
  assert_eq "sha256 of the download" "$want" "$(sha256sum <"$LAB_DIR/got.bin" | cut -d' ' -f1)"
  share "TCP download" "$before" "$(nat64_fast_counts)"
  [[ $mode != off ]] && assert_ge "TCP download: share translated in the kernel (%)" 80 $((100 * hits / (hits + punts)))
  before=$(nat64_fast_counts)
  lab_ok "curl upload" c6 curl "${curl_opts[@]}" --data-binary "@$www/big.bin" \
    -H 'Content-Type: application/octet-stream' "http://[$LAB_S4_AS6]/upload"
  assert_eq "sha256 and length seen by s4" "$want 8388608" "$LAB_OUT"
  share "TCP upload" "$before" "$(nat64_fast_counts)"
  [[ $mode != off ]] && assert_ge "TCP upload: share translated in the kernel (%)" 80 $((100 * hits / (hits + punts)))
  lab_expect_rc "closed port 81: the RST crosses (connection refused)" 7 c6 curl "${curl_opts[@]}" --max-time 5 \
    "http://[$LAB_S4_AS6]:81/"
  return 0
}

step "fast path on (the default, auto): at the uplinks' ingress and the TUN's egress"
nat64_start
line=$(start_line)
assert_match "start line" "; fast path eBPF \\(uplinks [a-z0-9, -]*eth-c6" "$line"
assert_match "start line" "; fast path eBPF \\(uplinks [a-z0-9, -]*eth-s4" "$line"
assert_eq "stats: fast_path.state" on "$(fast_path_member state)"
assert_match "stats: fast_path.uplinks" "eth-c6" "$(fast_path_member uplinks)"
lab_ok "the tc program on the TUN's egress" gw tc filter show dev "$LAB_TUN" egress
assert_match "tc filter" "nat64_tun" "$LAB_OUT"
assert_eq "filters at eth-c6's ingress" 1 "$(uplink_filters eth-c6)"
assert_eq "filters at eth-s4's ingress" 1 "$(uplink_filters eth-s4)"
stats=$(nat64_stats)
before_up=$(nat64_stat fast_path.counters.hit_uplink "$stats")
before_cached=$(nat64_stat fast_path.counters.route_cached "$stats")
checks on
# The echoes: 19 requests (eth-c6) and 19 replies (eth-s4) after the first request at least.
stats=$(nat64_stats)
assert_ge "translated at the uplinks (38 echo packets and more)" 38 \
  $(($(nat64_stat fast_path.counters.hit_uplink "$stats") - before_up))
# A flow's next hop is looked up again every 250 ms at most: the pings 50 ms apart, the UDP echo
# and the transfers find most of theirs in the cache.
assert_ge "sent to a next hop from the cache" 100 \
  $(($(nat64_stat fast_path.counters.route_cached "$stats") - before_cached))

step "the next-hop cache follows a route change at once (RouteWatch)"
# One UDP flow (one session, so the uplinks translate it) whose next hop is cached; then a blackhole
# route to s4 in gw, and 100 ms later, well within the cache's 250 ms, one more datagram: without
# the routing generation's bump the cached hop would still send it to s4 and the echo come back.
lab_ok "UDP echo across a route change" c6 "$LAB_PY" -c '
import socket, subprocess, sys, time
gw, s4, s4_as6 = sys.argv[1:4]
route = ["ip", "-n", gw, "route"]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(1)
s.connect((s4_as6, 7000))
def echo(data):
    s.send(data)
    try:
        return s.recv(65535) == data
    except socket.timeout:
        return False
# Datagrams of one size: a longer one than the cached hop was looked up for misses the cache.
assert all(echo(b"warm%04d" % i) for i in range(5)), "no echo before the route change"
subprocess.run(route + ["add", "blackhole", s4 + "/32"], check=True)
time.sleep(0.1)
blackholed = echo(b"bholed!!")
subprocess.run(route + ["del", "blackhole", s4 + "/32"], check=True)
assert not blackholed, "echoed through the blackholed route: a stale cached next hop"
assert echo(b"back!!!!"), "no echo once the route is back"
print("no echo while blackholed, echoes before and after")' "$(lab_ns gw)" "$LAB_S4" "$LAB_S4_AS6"

step "a device that comes while the daemon runs joins the uplinks, and leaves them when it goes"
# c7, a second IPv6-only client behind gw on a link made after the start. Its echo requests are
# translated at eth-c7's ingress only if the program was attached there, and the replies at
# eth-s4's only if eth-c7 is in the program's array of uplinks (else the TUN takes both).
lab_add_node c7
lab_link c7 gw
lab_v6_if gw eth-c7
ip -n "$(lab_ns gw)" addr add 2001:db8:7::1/64 dev eth-c7 nodad
lab_up_if gw eth-c7
lab_v6_if c7 eth-gw
ip -n "$(lab_ns c7)" addr add 2001:db8:7::2/64 dev eth-gw nodad
lab_up_if c7 eth-gw
ip -n "$(lab_ns c7)" -6 route add default via 2001:db8:7::1 dev eth-gw
for ((i = 0; i < 30; i++)); do
  [[ $(fast_path_member uplinks) == *eth-c7* ]] && break
  sleep 0.1
done
assert_match "stats: fast_path.uplinks" "eth-c7" "$(fast_path_member uplinks)"
assert_eq "filters at eth-c7's ingress" 1 "$(uplink_filters eth-c7)"
assert_match "daemon log" "fast path: eth-c7 added to the uplinks" "$(cat "$LAB_DAEMON_LOG")"
before_up=$(nat64_stat fast_path.counters.hit_uplink "$(nat64_stats)")
lab_ok "ping from c7" c7 ping -n -c 20 -i 0.05 -W 2 "$LAB_S4_AS6"
assert_eq "echo replies to c7" 20 "$(ping_received "$LAB_OUT")"
# The daemon translates the first two requests and replies (it creates the session at the first).
assert_ge "c7's echoes translated at the uplinks (18 requests and 18 replies at least)" 36 \
  $(($(nat64_stat fast_path.counters.hit_uplink "$(nat64_stats)") - before_up))
ip -n "$(lab_ns gw)" link del eth-c7
for ((i = 0; i < 30; i++)); do
  [[ $(fast_path_member uplinks) != *eth-c7* ]] && break
  sleep 0.1
done
assert_no_match "stats: fast_path.uplinks without eth-c7" "eth-c7" "$(fast_path_member uplinks)"
assert_match "daemon log" "fast path: eth-c7 gone from the uplinks" "$(cat "$LAB_DAEMON_LOG")"
before_up=$(nat64_stat fast_path.counters.hit_uplink "$(nat64_stats)")
lab_ok "ping from c6 after eth-c7 went" c6 ping -n -c 10 -i 0.05 -W 2 "$LAB_S4_AS6"
assert_ge "c6's echoes still translated at the uplinks (8 requests and 8 replies at least)" 16 \
  $(($(nat64_stat fast_path.counters.hit_uplink "$(nat64_stats)") - before_up))

# The TCP segments reach the program with CHECKSUM_PARTIAL (GSO super-packets from the TUN's
# offloads): only the pseudo-header part of the checksum is updated, the device completes the
# rest. Veths trust such packets, so the checksum is finished in software here (tx checksumming
# off on gw's links) and verified by the receivers: a wrong seed would stall the transfer.
step "[on] TCP with the checksums finished in software on gw's links"
for dev in eth-c6 eth-s4; do lab_ok "tx checksumming off on gw's $dev" gw ethtool -K "$dev" tx off; done
before=$(nat64_fast_counts)
lab_ok "curl big.bin" c6 curl -g -sS --max-time 60 -o "$LAB_DIR/got2.bin" "http://[$LAB_S4_AS6]/big.bin"
assert_eq "sha256 of the download" "$want" "$(sha256sum <"$LAB_DIR/got2.bin" | cut -d' ' -f1)"
lab_ok "curl upload" c6 curl -g -sS --max-time 60 --data-binary "@$www/big.bin" \
  -H 'Content-Type: application/octet-stream' "http://[$LAB_S4_AS6]/upload"
assert_eq "sha256 and length seen by s4" "$want 8388608" "$LAB_OUT"
share "TCP, software checksums" "$before" "$(nat64_fast_counts)"
assert_ge "TCP, software checksums: share translated in the kernel (%)" 80 $((100 * hits / (hits + punts)))
for dev in eth-c6 eth-s4; do lab_ok "tx checksumming on again" gw ethtool -K "$dev" tx on; done
stats=$(nat64_stats)
read -r total_hits _ <<<"$(nat64_fast_counts "$stats")"
assert_gt "stats: fast_path.counters.hit" 100 "$total_hits"
assert_ge "the daemon still made the sessions (UDP)" 1 "$(nat64_stat sessions.udp "$stats")"
assert_ge "the daemon saw the TCP handshakes (in6)" 10 "$(nat64_stat in6 "$stats")"
lab_ok "sixfour nat64 stats" gw "$SIXFOUR" nat64 stats --control "$LAB_CTL"
assert_match "text stats: the fast path" "fast path: eBPF on the TUN" "$LAB_OUT"
assert_match "text stats: the TUN's hits" "translated in kernel +$(nat64_stat fast_path.counters.hit "$stats")" \
  "$LAB_OUT"
assert_match "text stats: the uplinks' hits" \
  "translated at uplinks +$(nat64_stat fast_path.counters.hit_uplink "$stats")" "$LAB_OUT"
lab_daemon_stop
assert_eq "uplink filters after SIGTERM" 0 $(($(uplink_filters eth-c6) + $(uplink_filters eth-s4)))

step "--fast-path tun: the program on the TUN only"
nat64_start --fast-path tun
line=$(start_line)
assert_match "start line" "; fast path eBPF" "$line"
assert_no_match "start line names no uplink" "uplinks" "$line"
assert_eq "filters at eth-c6's ingress" 0 "$(uplink_filters eth-c6)"
assert_eq "filters at eth-s4's ingress" 0 "$(uplink_filters eth-s4)"
checks tun
stats=$(nat64_stats)
assert_eq "stats: nothing translated at the uplinks" 0 "$(nat64_stat fast_path.counters.hit_uplink "$stats")"
assert_gt "stats: fast_path.counters.hit" 100 "$(nat64_stat fast_path.counters.hit "$stats")"
lab_daemon_stop

step "fast path off"
nat64_start --fast-path off
assert_match "start line" "; fast path off \\(--fast-path off\\)" "$(start_line)"
lab_ok "no tc program on the TUN" gw tc filter show dev "$LAB_TUN" egress
assert_eq "tc filter" "" "$LAB_OUT"
checks off
assert_eq "stats: fast_path.state" off "$(fast_path_member state)"
assert_eq "stats: fast_path.reason" "--fast-path off" "$(fast_path_member reason)"
stats=$(nat64_stats)
assert_eq "stats: no fast path counters" "0 0" "$(nat64_fast_counts "$stats")"
lab_daemon_stop
echo PASS
