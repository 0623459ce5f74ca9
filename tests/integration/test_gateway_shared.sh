#!/usr/bin/env bash
# `sixfour gateway --inside eth-c6` with no pool4 on a gateway whose only IPv4 address is
# 198.51.100.1: DNS64 on the inside address forwarding to the resolver of gw's resolv.conf (NSD),
# NAT64 sharing 198.51.100.1 with the kernel through sixfour's own nftables table. c6 resolves and
# reaches the IPv4-only server by name; s4 sees 198.51.100.1 with a port from the gateway's range
# while gw's own connections keep using the kernel's ephemeral ports. SIGTERM removes the TUN,
# routes and table; after kill -9 the next start works.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
# shellcheck source=../lab/gateway.sh
source "$(dirname "$0")/../lab/gateway.sh"
cleanup() {
  local rc=$?
  gateway_cleanup
  lab_down || true
  exit "$rc"
}
trap cleanup EXIT

lab_up
www=$LAB_DIR/www
mkdir -p "$www"
printf 'hello from the IPv4-only server\n' >"$www/hello.txt"
dns64_nsd_start                      # example.test on 198.51.100.2 (ns.example.test A 198.51.100.2)
gateway_resolv gw "$DNS64_NSD"       # the gateway host's resolver
gateway_resolv c6 2001:db8:6::1      # the client's resolver: the gateway's DNS64
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
lab_wait_port s4 tcp "$LAB_S4" 80
lab_wait_port s4 udp "$LAB_S4" 7000
gateway_tcp_peer_serve
read -r eph_lo eph_hi < <(lab_exec gw cat /proc/sys/net/ipv4/ip_local_port_range)

step "configuration errors: one line, exit 2, nothing changed"
lab_expect_rc "no --inside" 2 gw "$SIXFOUR" gateway
assert_match "names the missing option" "^sixfour gateway: --inside IFACE is required" "$LAB_OUT"
assert_eq "one line" 1 "$(wc -l <<<"$LAB_OUT")"
lab_expect_rc "overlapping ports" 2 gw "$SIXFOUR" gateway --inside eth-c6 --ports "40000-41000"
assert_match "names the range" "ports 40000-41000 overlap the kernel's ephemeral ports $eph_lo-$eph_hi" "$LAB_OUT"

step "--print-config: the effective configuration, and nothing installed"
lab_ok "print-config" gw "$SIXFOUR" gateway --inside eth-c6 --allow-non-global --print-config
cfg=$LAB_OUT
assert_match "pool4: the host's only address" 'pool4 = "198.51.100.1"  # the host.s only IPv4 address \(eth-s4\)' "$cfg"
assert_match "ports: below the kernel's ephemeral range" "ports = \"1024-$((eph_lo - 1))\"  # chosen" "$cfg"
assert_match "internal address" 'internal4 = "192.0.0.6"' "$cfg"
assert_match "DNS64 on the inside address" 'dns-listen = \["\[2001:db8:6::1\]:53"\]' "$cfg"
assert_match "upstream from resolv.conf" 'upstream = \["198.51.100.2:53"\]' "$cfg"
assert_match "ruleset shown" "snat ip to 198.51.100.1:1024-$((eph_lo - 1))" "$cfg"
assert_eq "no TUN after --print-config" "" "$(lab_exec gw ip -o link show dev "$GW_TUN" 2>/dev/null || true)"
assert_eq "no nftables table after --print-config" "" "$(gateway_table)"
ports_hi=$((eph_lo - 1))

step "start: TUN, routes, nftables table"
gateway_start --allow-non-global
assert_match "table installed" "snat ip to 198.51.100.1:1024-$ports_hi" "$(gateway_table)"
assert_match "the internal address is routed into the TUN" "192.0.0.6 dev $GW_TUN" \
  "$(lab_exec gw ip -4 route show 192.0.0.6)"
gateway_wait_log "IPv4 198.51.100.1 ports 1024-$ports_hi shared with the kernel"

step "DNS64 from c6 through the gateway's inside address"
dig6 AAAA ns.example.test
assert_eq "synthesized AAAA" "ns.example.test. 120 AAAA $GW_S4_AS6" "$(dig_answers)"
dig6 AAAA h4.example.test
assert_eq "another IPv4-only name" "h4.example.test. 120 AAAA 64:ff9b::c633:640a" "$(dig_answers)"

step "traffic from c6 by name (resolv.conf -> DNS64 -> NAT64 -> s4)"
lab_ok "curl by name" c6 curl -sS --max-time 10 http://ns.example.test/hello.txt
assert_eq "content" "hello from the IPv4-only server" "$LAB_OUT"
assert_match "s4 saw the host address" "^198.51.100.1 - - .*GET /hello.txt" "$(cat "$LAB_DIR/httpd4.log")"
lab_ok "ping" c6 ping -n -c 3 -i 0.2 -W 2 "$GW_S4_AS6"
assert_eq "echo replies" 3 "$(ping_received "$LAB_OUT")"
lab_ok "UDP echo" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$GW_S4_AS6" 7000 100
lab_ok "TCP to the peer logger" c6 "$LAB_PY" -c '
import socket; s = socket.create_connection(("'"$GW_S4_AS6"'", 7001), timeout=5); print(s.recv(100).decode().strip())'

step "s4 sees 198.51.100.1 with ports from the gateway's range"
port=$(awk '/from 198.51.100.1 port/ { sub(":", "", $4); print $4; exit }' "$LAB_DIR/udp4.log")
assert_ge "UDP source port >= 1024" 1024 "$port"
assert_ge "UDP source port <= $ports_hi" "$port" "$ports_hi"
port=$(awk '$1 == "peer" && $2 == "198.51.100.1" { print $3; exit }' "$LAB_DIR/tcppeer.log")
assert_ge "TCP source port >= 1024" 1024 "$port"
assert_ge "TCP source port <= $ports_hi" "$port" "$ports_hi"

step "the kernel's own IPv4 connections from gw work at the same time, from ephemeral ports"
lab_ok "gw curls s4 itself" gw curl -sS --max-time 5 "http://$LAB_S4/hello.txt"
assert_eq "content" "hello from the IPv4-only server" "$LAB_OUT"
lab_ok "gw TCP" gw "$LAB_PY" -c '
import socket; s = socket.create_connection(("198.51.100.2", 7001), timeout=5); print(s.recv(100).decode().strip())'
port=$(awk '$1 == "peer" && $2 == "198.51.100.1" { p = $3 } END { print p }' "$LAB_DIR/tcppeer.log")
assert_ge "gw's own port >= $eph_lo" "$eph_lo" "$port"
assert_ge "gw's own port <= $eph_hi" "$port" "$eph_hi"

step "control commands"
lab_ok "gateway stats" gw "$SIXFOUR" gateway stats --control "$GW_CTL"
assert_match "shared-mode summary" "gateway: IPv4 198.51.100.1 ports 1024-$ports_hi shared with the kernel" "$LAB_OUT"
assert_match "DNS64 counters" "DNS64:" "$LAB_OUT"
lab_ok "gateway stats --json" gw "$SIXFOUR" gateway stats --json --control "$GW_CTL"
assert_match "JSON has the gateway object" '"gateway":\{"mode":"shared"' "$LAB_OUT"
lab_ok "gateway sessions" gw "$SIXFOUR" gateway sessions --control "$GW_CTL"
assert_match "a TCP session from c6 through the internal address" \
  "tcp +$LAB_C6#[0-9]+ +192.0.0.6#[0-9]+ +198.51.100.2#" "$LAB_OUT"
udp_port=$(awk '/from 198.51.100.1 port/ { sub(":", "", $4); print $4; exit }' "$LAB_DIR/udp4.log")
assert_match "the SNAT kept the NAT64's port (s4 saw $udp_port)" \
  "udp +$LAB_C6#[0-9]+ +192.0.0.6#$udp_port +198.51.100.2#7000 " "$LAB_OUT"
lab_ok "gateway bib" gw "$SIXFOUR" gateway bib --control "$GW_CTL"
assert_match "a UDP BIB entry" "udp +$LAB_C6#[0-9]+ +192.0.0.6#[0-9]+ +dynamic" "$LAB_OUT"

step "SIGTERM: TUN, routes and table removed"
lab_daemon_stop
assert_eq "TUN gone" "" "$(lab_exec gw ip -o link show dev "$GW_TUN" 2>/dev/null || true)"
assert_eq "table gone" "" "$(gateway_table)"
assert_eq "prefix route gone" "" "$(lab_exec gw ip -6 route show "$GW_PREFIX")"
assert_eq "internal route gone" "" "$(lab_exec gw ip -4 route show 192.0.0.6)"
assert_match "stop logged" "table inet sixfour_$GW_TUN deleted" "$(cat "$LAB_DAEMON_LOG")"
lab_ok "gw still reaches s4" gw curl -sS --max-time 5 "http://$LAB_S4/hello.txt"

step "kill -9 leaves the table; the next start replaces it and works"
gateway_start --allow-non-global
kill -KILL "$LAB_DAEMON_PID"
wait "$LAB_DAEMON_PID" 2>/dev/null || true
LAB_DAEMON_PID=
assert_match "stale table left by the crash" "sixfour_$GW_TUN" "$(gateway_table)"
gateway_start --allow-non-global
gateway_wait_log "removed nftables table inet sixfour_$GW_TUN left by an earlier run"
lab_ok "ping after the restart" c6 ping -n -c 2 -i 0.2 -W 2 "$GW_S4_AS6"
assert_eq "echo replies" 2 "$(ping_received "$LAB_OUT")"
lab_daemon_stop
assert_eq "table gone" "" "$(gateway_table)"
echo "PASS"
