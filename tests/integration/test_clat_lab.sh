#!/usr/bin/env bash
# The hotspot lab of `sixfour clat` (tests/lab/clat.sh) without a CLAT: the laptop learns its
# address and default route from the carrier's router advertisements, reaches the IPv4-only server
# through the carrier's `sixfour nat64` over IPv6 (ping, HTTP, UDP), resolves through `sixfour
# dns64` (ipv4only.arpa synthesized, RFC 7050), has no IPv4 at all, and follows a renumbering.
# Also checks ra.py's options reach the laptop (RDNSS/PREF64 as seen by a raw ICMPv6 socket).
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
# shellcheck source=../lab/clat.sh
source "$(dirname "$0")/../lab/clat.sh"
trap clat_lab_down EXIT

clat_lab_up --pref64 "$CLAT_PREFIX" --rdnss "$CLAT_DNS64"

step "the laptop: SLAAC address, RA default route, no IPv4, no forwarding"
addr=$(clat_laptop_addr "$CLAT_NET6")
assert_match "SLAAC address in $CLAT_NET6" '^2001:db8:6:' "$addr"
lab_run laptop ip -6 addr show dev eth-carrier scope global
assert_match "address is from the RA (dynamic, mngtmpaddr or valid_lft)" 'valid_lft [0-9]+sec' "$LAB_OUT"
lab_run laptop ip -6 route show default
assert_match "default route via the carrier's link-local address" '^default via fe80::.* dev eth-carrier proto ra' "$LAB_OUT"
assert_eq "no IPv4 default route" "" "$(lab_exec laptop ip -4 route show default)"
assert_eq "IPv6 forwarding off" 0 "$(lab_exec laptop sysctl -n net.ipv6.conf.all.forwarding)"
lab_expect_rc "ping -4 the server: no route" 2 laptop ping -4 -n -c 1 -W 1 "$CLAT_S4"
assert_match "network unreachable" 'unreachable' "$LAB_OUT"

step "ra.py's options on the wire (PIO, RDNSS, PREF64, SLLA)"
lab_ok "an RA received on the laptop" laptop "$LAB_PY" -c '
import socket, struct
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(3)
while True:
    data, peer = s.recvfrom(2048)
    if data[0] == 134:
        break
print("from", peer[0], "router lifetime", struct.unpack("!H", data[6:8])[0])
i = 16
while i + 2 <= len(data):
    t, n = data[i], data[i + 1] * 8
    o = data[i:i + n]
    if t == 3:
        print("pio", socket.inet_ntop(socket.AF_INET6, o[16:32]) + "/" + str(o[2]), "flags", hex(o[3]),
              "valid", struct.unpack("!I", o[4:8])[0], "preferred", struct.unpack("!I", o[8:12])[0])
    elif t == 25:
        print("rdnss", socket.inet_ntop(socket.AF_INET6, o[8:24]), "lifetime", struct.unpack("!I", o[4:8])[0])
    elif t == 38:
        v = struct.unpack("!H", o[2:4])[0]
        print("pref64", socket.inet_ntop(socket.AF_INET6, o[4:16] + bytes(4)), "plc", v & 7, "lifetime", (v >> 3) * 8)
    elif t == 1:
        print("slla", o[2:8].hex(":"))
    i += max(n, 8)'
assert_line "router lifetime" '^from fe80::.* router lifetime 1800$' "$LAB_OUT"
assert_line "PIO" '^pio 2001:db8:6::/64 flags 0xc0 valid 1800 preferred 1800$' "$LAB_OUT"
assert_line "RDNSS" "^rdnss $CLAT_DNS64 lifetime 600$" "$LAB_OUT"
assert_line "PREF64" '^pref64 2001:db8:64:: plc 0 lifetime 600$' "$LAB_OUT"
assert_line "SLLA" '^slla ([0-9a-f]{2}:){5}[0-9a-f]{2}$' "$LAB_OUT"

step "IPv6 to the server through the carrier's sixfour nat64"
lab_run laptop ping -6 -n -c 3 -i 0.2 -W 2 "$CLAT_S4_AS6" || true
assert_eq "ping -6 replies" 3 "$(ping_received "$LAB_OUT")"
lab_ok "curl -6 the server's file" laptop curl -6 -sS --max-time 10 -o "$LAB_DIR/got.bin" "http://[$CLAT_S4_AS6]/big.bin"
assert_eq "sha256 of the download" "$(sha256sum <"$LAB_DIR/www/big.bin")" "$(sha256sum <"$LAB_DIR/got.bin")"
lab_ok "UDP echo over IPv6" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4_AS6" "$CLAT_UDP_PORT" 1000
assert_ge "NAT64 packets translated (daemon or fast path)" 5 "$(clat_nat64_translated nat64a)"

step "DNS64 on the carrier, named by the laptop's resolv.conf"
lab_run laptop cat /etc/resolv.conf
assert_line "resolv.conf of the laptop" "^nameserver $CLAT_DNS64\$" "$LAB_OUT"
lab_ok "dig AAAA ipv4only.arpa" laptop dig +time=2 +tries=1 +short AAAA ipv4only.arpa
assert_eq "RFC 7050 answers" "2001:db8:64::c000:aa 2001:db8:64::c000:ab" "$(xargs -n1 <<<"$LAB_OUT" | sort | xargs)"
lab_ok "dig @dns64 AAAA server.clat.test" laptop dig @"$CLAT_DNS64" +time=2 +tries=1 +short AAAA server.clat.test
assert_eq "synthesized AAAA of the server" "$CLAT_S4_AS6" "$LAB_OUT"
lab_ok "curl -6 by name" laptop curl -6 -sS --max-time 10 http://server.clat.test/index.html
assert_eq "page" hello "$LAB_OUT"

step "a plain resolver with two prefixes (clat_plain_dns)"
clat_plain_dns 2001:db8:99::/96 "$CLAT_PREFIX"
lab_ok "dig AAAA ipv4only.arpa (plain)" laptop dig +time=2 +tries=1 +short AAAA ipv4only.arpa
assert_eq "both prefixes" "2001:db8:64::c000:aa 2001:db8:64::c000:ab 2001:db8:99::c000:aa 2001:db8:99::c000:ab" \
  "$(xargs -n1 <<<"$LAB_OUT" | sort | xargs)"
clat_resolv "$CLAT_DNS64"

step "native IPv4 appears and goes"
clat_native4_up
lab_ok "ping -4 natively" laptop ping -4 -n -c 1 -W 2 "$CLAT_S4"
clat_native4_down
assert_eq "no IPv4 default route again" "" "$(lab_exec laptop ip -4 route show default)"

step "a second NAT64 with another prefix"
clat_nat64_b_start
lab_run laptop ping -6 -n -c 2 -i 0.2 -W 2 "$CLAT_S4_AS6_B" || true
assert_eq "ping -6 through the second prefix" 2 "$(ping_received "$LAB_OUT")"

step "renumbering: the carrier withdraws 2001:db8:6::/64 and advertises 2001:db8:7::/64"
clat_renumber
new=$(clat_laptop_addr "$CLAT_NET6_B")
assert_match "new SLAAC address" '^2001:db8:7:' "$new"
lab_run laptop ip -6 addr show dev eth-carrier scope global
assert_match "the old address is deprecated" "$addr/64 .*deprecated" "$(tr '\n' ' ' <<<"$LAB_OUT")"
lab_run laptop ping -6 -n -c 2 -i 0.2 -W 2 "$CLAT_S4_AS6" || true
assert_eq "ping -6 from the new address" 2 "$(ping_received "$LAB_OUT")"
lab_ok "curl -6 from the new address" laptop curl -6 -sS --max-time 10 "http://[$CLAT_S4_AS6]/index.html"

step "clat_leftovers holds on a laptop that never ran a CLAT"
clat_leftovers
echo "PASS"
