#!/usr/bin/env bash
# `sixfour clat` finds the NAT64 prefix (issue 14, RFC 6877 / RFC 8781 / RFC 7050) in the hotspot
# lab (tests/lab/clat.sh), and the host's IPv4 works through whatever it found:
#   PREF64 only (the resolver has no DNS64)              -> pref64
#   RFC 7050 only (no PREF64 in the RAs)                 -> rfc7050
#   PREF64 and RFC 7050 with different prefixes          -> PREF64 wins; its withdrawal -> rfc7050
#   RFC 7050 with two prefixes, the first not working    -> the working one, after its probe
#   --prefix                                             -> configured
#   --prefix 64:ff9b::/96 and a non-global destination   -> ICMP unreachable at once
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

step "PREF64 only: the RAs carry $CLAT_PREFIX, the resolver has no DNS64"
clat_plain_dns # ipv4only.arpa without AAAA: RFC 7050 finds nothing
clat_start
assert_eq "state" active "$(clat_status state)"
assert_eq "prefix" "$CLAT_PREFIX" "$(clat_status prefix)"
assert_eq "prefix_source" pref64 "$(clat_status prefix_source)"
assert_eq "uplink" eth-carrier "$(clat_status uplink)"
assert_eq "ipv4" 192.0.0.1 "$(clat_status ipv4)"
assert_eq "address_mode" dedicated "$(clat_status address_mode)"
assert_eq "mtu (uplink 1500 - 28)" 1472 "$(clat_status mtu)"
clat6=$(clat_status ipv6)
assert_match "CLAT IPv6 address in the laptop's /64" '^2001:db8:6:' "$clat6"
assert_ne "CLAT IPv6 address is not the laptop's own" "$(clat_laptop_addr "$CLAT_NET6")" "$clat6"
lab_run laptop ip -6 addr show
assert_no_match "the CLAT address is not on the kernel" "$clat6/" "$LAB_OUT"
lab_run laptop ip -4 addr show dev "$CLAT_TUN"
assert_match "192.0.0.1/32 on $CLAT_TUN (the host side only; the rest of 192.0.0.0/29 is not claimed)" 'inet 192\.0\.0\.1/32' "$LAB_OUT"
lab_run laptop ip -4 route show default
assert_match "IPv4 default route through $CLAT_TUN, metric 2048" "^default .*dev $CLAT_TUN.* metric 2048" "$LAB_OUT"
assert_eq "IPv6 forwarding still off" 0 "$(lab_exec laptop sysctl -n net.ipv6.conf.all.forwarding)"
clat_ping4_ok "PREF64"
lab_run carrier ip -6 neigh show "$clat6"
assert_match "the carrier resolved the CLAT address (the CLAT answers neighbour discovery)" 'lladdr ' "$LAB_OUT"
lab_run carrier "$SIXFOUR" nat64 sessions --json --control "$LAB_DIR/nat64a.sock"
assert_match "the NAT64 session comes from the CLAT address" "\"$clat6\"" "$LAB_OUT"
clat_stop
clat_leftovers

step "RFC 7050 only: no PREF64, the resolver is the carrier's DNS64"
clat_ra_start
clat_resolv "$CLAT_DNS64"
sleep 1
clat_start
assert_eq "prefix" "$CLAT_PREFIX" "$(clat_status prefix)"
assert_eq "prefix_source" rfc7050 "$(clat_status prefix_source)"
clat_ping4_ok "RFC 7050"
clat_stop
clat_leftovers

step "PREF64 $CLAT_PREFIX_B and RFC 7050 $CLAT_PREFIX: PREF64 wins"
clat_nat64_b_start
clat_ra_start --pref64 "$CLAT_PREFIX_B"
b_before=$(clat_nat64_translated nat64b)
clat_start
assert_eq "prefix" "$CLAT_PREFIX_B" "$(clat_status prefix)"
assert_eq "prefix_source" pref64 "$(clat_status prefix_source)"
clat_ping4_ok "PREF64 over RFC 7050"
assert_ge "the pings went through the second NAT64" 3 $(($(clat_nat64_translated nat64b) - b_before))
step "the router withdraws PREF64 (lifetime 0): back to RFC 7050, no restart"
pid=$CLAT_PID
clat_ra_start --pref64 "$CLAT_PREFIX_B,0"
clat_wait_field prefix_source '^rfc7050$'
assert_eq "prefix" "$CLAT_PREFIX" "$(clat_status prefix)"
assert_eq "same process" "$pid" "$CLAT_PID"
clat_ping4_ok "after the PREF64 withdrawal"
clat_stop
clat_leftovers

CLAT_PREFIX_C=2001:db8:99::/96
step "RFC 7050 with two prefixes, the first ($CLAT_PREFIX_C) without a NAT64 behind it"
clat_ra_start
clat_plain_dns "$CLAT_PREFIX_C" "$CLAT_PREFIX"
clat_start
assert_eq "prefix: the one whose probe worked" "$CLAT_PREFIX" "$(clat_status prefix)"
assert_eq "prefix_source" rfc7050 "$(clat_status prefix_source)"
clat_ping4_ok "the working RFC 7050 prefix"
clat_stop
clat_leftovers
clat_resolv "$CLAT_DNS64"

step "--prefix $CLAT_PREFIX_B overrides discovery"
clat_start --prefix "$CLAT_PREFIX_B"
assert_eq "prefix" "$CLAT_PREFIX_B" "$(clat_status prefix)"
assert_eq "prefix_source" configured "$(clat_status prefix_source)"
clat_ping4_ok "--prefix"
clat_stop
clat_leftovers

step "--prefix 64:ff9b::/96: a non-global IPv4 destination gets an ICMP unreachable at once"
clat_start --prefix 64:ff9b::/96
assert_eq "prefix" 64:ff9b::/96 "$(clat_status prefix)"
errors_before=$(clat_stat icmp_errors_sent)
for dst in 10.1.2.3 192.168.1.1 172.16.0.1; do
  t0=$(date +%s%N)
  lab_expect_rc "ping -4 $dst" 1 laptop ping -4 -n -c 1 -W 3 "$dst"
  ms=$((($(date +%s%N) - t0) / 1000000))
  # The error itself is the check (a lost request would print no "Unreachable" in -W 3); the
  # time is printed, not asserted: a loaded machine may take longer.
  assert_match "$dst: unreachable" '[Uu]nreachable' "$LAB_OUT"
  printf 'ok: %s answered in %d ms\n' "$dst" "$ms"
done
# IP_RECVERR: without it Linux reports only "hard" ICMP errors (port unreachable) to UDP sockets.
lab_run laptop "$LAB_PY" -c '
import errno, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, getattr(socket, "IP_RECVERR", 11), 1)
s.settimeout(2)
s.connect(("10.1.2.3", 53))
try:
    s.send(b"x" * 10)
    s.recv(100)
    print("reply")
except socket.timeout:
    print("timeout")
except OSError as e:
    print("error", errno.errorcode.get(e.errno, e.errno))' || true
assert_eq "UDP to 10.1.2.3" "error EHOSTUNREACH" "$LAB_OUT"
assert_ge "ICMP errors the CLAT sent itself" 4 $(($(clat_stat icmp_errors_sent) - errors_before))
clat_stop
clat_leftovers
echo "PASS"
