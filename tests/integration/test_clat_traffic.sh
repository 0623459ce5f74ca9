#!/usr/bin/env bash
# Traffic through `sixfour clat` and the carrier's NAT64 in the hotspot lab (tests/lab/clat.sh),
# IPv4 literals from the IPv6-only laptop: ping (also fragmented), traceroute -4 (the CLAT's own
# hop is invisible, routers on the IPv6 side answer as 192.0.0.8, the last hop is the server),
# TCP both ways over one connection with sha256, UDP (a DF=0 datagram of 4000 bytes, a zero
# checksum), PMTUD across a 1400-byte link beyond the NAT64 (ICMP translated twice) and on the
# uplink (the CLAT's MTU), and a default-drop nft forward chain on the laptop (the CLAT needs no
# forwarding). Counters move.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
LAB_LIB=$(dirname "$0")/../lab
# shellcheck source=../lab/lab.sh
source "$LAB_LIB/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$LAB_LIB/nat64.sh"
# shellcheck source=../lab/clat.sh
source "$LAB_LIB/clat.sh"
trap clat_lab_down EXIT

clat_lab_up --pref64 "$CLAT_PREFIX"
clat_start
stats0=$(clat_stats)

step "ping -4"
lab_run laptop ping -4 -n -c 5 -i 0.2 -W 2 "$CLAT_S4" || true
assert_eq "ping -4 replies" 5 "$(ping_received "$LAB_OUT")"
assert_match "replies come from the server's IPv4 literal" "from $CLAT_S4: icmp_seq=1 ttl=" "$LAB_OUT"
lab_run laptop ping -4 -n -c 3 -i 0.2 -W 2 -s 3000 "$CLAT_S4" || true
assert_eq "ping -4 -s 3000 (fragments) replies" 3 "$(ping_received "$LAB_OUT")"

step "traceroute -4 -n"
lab_run laptop traceroute -4 -n -w 1 -q 1 -m 8 "$CLAT_S4" || true
hops=$(traceroute_hops "$LAB_OUT")
assert_eq "last hop is the server" "$CLAT_S4" "$(tail -n 1 <<<"$hops" | cut -d' ' -f2)"
assert_eq "first hop: the carrier's IPv6 router, as 192.0.0.8 (RFC 7600)" "1 192.0.0.8" "$(head -n 1 <<<"$hops")"
assert_ge "hops" 2 "$(wc -l <<<"$hops")"

step "TCP both ways over one connection (GET a file, POST a body), sha256 compared"
clat_http_both "$CLAT_S4" || fail "HTTP both ways through the CLAT"
assert_match "one connection from 192.0.0.1" 'same_conn=ok local=192\.0\.0\.1$' "$LAB_OUT"
lab_ok "curl -4 the file" laptop curl -4 -sS --max-time 20 -o "$LAB_DIR/got.bin" "http://$CLAT_S4/big.bin"
assert_eq "sha256 of the download" "$(sha256sum <"$LAB_DIR/www/big.bin")" "$(sha256sum <"$LAB_DIR/got.bin")"

step "UDP: small, DF=0 4000 bytes (IPv4 fragments), checksum zero"
lab_ok "UDP 1000 bytes" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4" "$CLAT_UDP_PORT" 1000
lab_ok "UDP 4000 bytes, DF=0" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4" "$CLAT_UDP_PORT" 4000 --df0
assert_match "echoed whole" 'sent=4000 recv=4000 match=yes' "$LAB_OUT"
clat_udp_zero_csum "$CLAT_S4" "$CLAT_UDP_PORT" || fail "zero-checksum UDP through the CLAT"
assert_line "the server saw it from the NAT64's pool4" "^from $CLAT_POOL4 port [0-9]+: 56 bytes$" "$(cat "$LAB_DIR/udp-echo.log")"

step "counters"
stats1=$(clat_stats)
for c in in4 out6 in6 out4; do
  after=$(clat_stat "$c" "$stats1")
  before=$(clat_stat "$c" "$stats0")
  assert_ge "$c moved" 10 $((after - before))
done

step "a default-drop nft forward chain on the laptop breaks nothing"
lab_ok "nft forward policy drop" laptop nft -f - <<'NFT'
table inet labfw {
  chain forward { type filter hook forward priority 0; policy drop; }
}
NFT
lab_run laptop ping -4 -n -c 3 -i 0.2 -W 2 "$CLAT_S4" || true
assert_eq "ping -4 replies with forward drop" 3 "$(ping_received "$LAB_OUT")"
clat_http_both "$CLAT_S4" || fail "HTTP both ways with forward drop"
lab_ok "UDP 4000 bytes DF=0 with forward drop" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4" "$CLAT_UDP_PORT" 4000 --df0
lab_run laptop nft list ruleset
lab_ok "remove the test table" laptop nft delete table inet labfw

step "PMTUD: a 1400-byte link between the carrier and the server"
lab_link_mtu carrier server 1400
# The server advertises MSS 1460 as if its path were 1500 bytes, so the laptop's uploads are sent
# in 1500-byte packets and must learn 1400 from the carrier's ICMP, through the NAT64 (as a Packet
# Too Big) and the CLAT (back to a Fragmentation Needed).
lab_exec server ip route add "${CLAT_POOL4%.*}.0/24" via "$CLAT_CARRIER4" advmss 1460
lab_expect_rc "ping -4 -M do, 1428 bytes: too big for the 1400-byte link" 1 laptop ping -4 -n -c 1 -W 2 -M "do" -s 1400 "$CLAT_S4"
assert_match "the laptop is told the MTU" '[Ff]rag(mentation)? needed.*mtu ?= ?1400|mtu=1400' "$LAB_OUT"
clat_http_both "$CLAT_S4" || fail "HTTP both ways across a 1400-byte IPv4 link"
lab_run laptop ip -4 route get "$CLAT_S4"
assert_match "the laptop learned path MTU 1400 to the server" 'mtu 1400' "$LAB_OUT"
lab_ok "ping -4 -M do, 1400 bytes fit" laptop ping -4 -n -c 1 -W 2 -M "do" -s 1372 "$CLAT_S4"
lab_ok "UDP 4000 bytes DF=0 across 1400" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4" "$CLAT_UDP_PORT" 4000 --df0
lab_exec server ip route del "${CLAT_POOL4%.*}.0/24"
lab_link_mtu carrier server 1500
lab_exec laptop ip -4 route flush cache || true
clat_stop
clat_leftovers

step "PMTUD: a 1400-byte uplink (laptop <-> carrier): the CLAT's MTU is 1372"
lab_link_mtu laptop carrier 1400
clat_start
assert_eq "status mtu" 1372 "$(clat_status mtu)"
lab_run laptop ip -4 route show default
assert_match "IPv4 route MTU 1372 (link or route)" "dev $CLAT_TUN" "$LAB_OUT"
route_mtu=$(sed -nE 's/.* mtu ([0-9]+).*/\1/p' <<<"$LAB_OUT")
link_mtu=$(lab_exec laptop cat "/sys/class/net/$CLAT_TUN/mtu")
assert_eq "effective IPv4 MTU" 1372 "${route_mtu:-$link_mtu}"
lab_ok "ping -4 -M do, 1372-byte packets fit" laptop ping -4 -n -c 1 -W 2 -M "do" -s 1344 "$CLAT_S4"
lab_expect_rc "ping -4 -M do, 1373 bytes do not" 1 laptop ping -4 -n -c 1 -W 2 -M "do" -s 1345 "$CLAT_S4"
clat_http_both "$CLAT_S4" || fail "HTTP both ways across a 1400-byte uplink"
lab_ok "UDP 4000 bytes DF=0 across a 1400 uplink" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4" "$CLAT_UDP_PORT" 4000 --df0
clat_stop
clat_leftovers
lab_link_mtu laptop carrier 1500

step "a narrower IPv6 path to the NAT64 (the carrier's TUN at 1400): Packet Too Big lowers the route MTU"
clat_start
assert_eq "status mtu before" 1472 "$(clat_status mtu)"
lab_exec carrier ip link set dev nat64a mtu 1400
# 1472 bytes of IPv4 make 1492 of IPv6: the carrier, an IPv6 router between the CLAT and the NAT64,
# answers Packet Too Big (MTU 1400) to the CLAT's address. The host hears Fragmentation Needed for
# this destination, and the CLAT lowers its route for every destination: 1400 - 28.
lab_run laptop ping -4 -n -c 1 -W 2 -M "do" -s 1444 "$CLAT_S4" || true
clat_wait_field mtu '^1372$'
lab_run laptop ip -4 route show default
assert_match "the IPv4 default route follows" "dev $CLAT_TUN .*mtu 1372 advmss 1332" "$LAB_OUT"
lab_ok "ping -4 -M do, 1372-byte packets fit now" laptop ping -4 -n -c 1 -W 2 -M "do" -s 1344 "$CLAT_S4"
clat_http_both "$CLAT_S4" || fail "HTTP both ways across the narrower path"
clat_stop
clat_leftovers
echo "PASS"
