#!/usr/bin/env bash
# `sixfour doctor` on the hotspot lab's laptop (tests/lab/clat.sh), with and without a CLAT:
#   no CLAT                                      -> ipv6_only_nat64 (10), IPv4 literal fails
#   sixfour clat (control socket in /run/sixfour) -> ipv6_only_464xlat (14): the report names the
#       sixfour CLAT, its prefix and source (RFC 7050), address mode, and the IPv4 literal probe
#       left from 192.0.0.1 and worked
#   sixfour clat with its socket elsewhere        -> 14, "a CLAT", not named sixfour's
#   a CLAT-looking link without traffic           -> 10, the CLAT shown, the probe not through it
# Targets are lab addresses: the server's IPv4 literal, the carrier's IPv6 address (port 80 refused
# = reached), the server's name through the DNS64.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
# shellcheck source=../lab/clat.sh
source "$(dirname "$0")/../lab/clat.sh"
# shellcheck source=../lab/doctor.sh
source "$(dirname "$0")/../lab/doctor.sh"
trap clat_lab_down EXIT

DOCTOR_TEXT=(doctor --port 80 --timeout 1500 --pref64-wait 300 --v4-literal "$CLAT_S4"
  --v6-literal "$CLAT_CARRIER6" --v4-name server.clat.test --v6-name '' --ds-name '')
DOCTOR=("${DOCTOR_TEXT[@]}" --json)

clat_lab_up

step "the laptop without a CLAT: IPv6-only with DNS64/NAT64 (10)"
lab_expect_rc "doctor exit code" 10 laptop "$SIXFOUR" "${DOCTOR[@]}"
assert_eq "verdict" ipv6_only_nat64 "$(doctor_json verdict)"
assert_eq "no CLAT" false "$(doctor_json clat.present)"
assert_eq "IPv4 literal" fail "$(doctor_json probes.ipv4_literal.grade)"

step "sixfour clat on the laptop, its control socket where doctor looks: 464XLAT (14)"
CLAT_CTL=/run/sixfour/clat-test-$LAB_PREFIX.sock
clat_start
lab_expect_rc "doctor exit code" 14 laptop "$SIXFOUR" "${DOCTOR[@]}"
assert_eq "verdict" ipv6_only_464xlat "$(doctor_json verdict)"
assert_eq "exit_code field" 14 "$(doctor_json exit_code)"
assert_eq "CLAT interface" "$CLAT_TUN" "$(doctor_json clat.interface)"
assert_eq "it carries the IPv4 default route" true "$(doctor_json clat.default_route)"
assert_eq "it is sixfour's" true "$(doctor_json clat.sixfour)"
assert_eq "control socket" "$CLAT_CTL" "$(doctor_json clat.control)"
assert_eq "state" active "$(doctor_json clat.status.state)"
assert_eq "prefix" "$CLAT_PREFIX" "$(doctor_json clat.status.prefix)"
assert_eq "prefix source" rfc7050 "$(doctor_json clat.status.prefix_source)"
assert_eq "address mode" "$(clat_status address_mode)" "$(doctor_json clat.status.address_mode)"
assert_eq "CLAT IPv4" 192.0.0.1 "$(doctor_json clat.ipv4)"
assert_match "IPv4 literal probe" "^(ok|slow)$" "$(doctor_json clat.ipv4_literal.grade)"
assert_eq "it went through the CLAT" true "$(doctor_json clat.ipv4_literal.via_clat)"
assert_eq "from the CLAT's address" 192.0.0.1 "$(doctor_json clat.ipv4_literal.local)"
assert_match "sentence names it" "\(sixfour clat on $CLAT_TUN, NAT64 prefix 2001:db8:64::/96 from rfc7050\)" \
  "$(doctor_json sentence)"

step "the same as text"
lab_expect_rc "doctor exit code" 14 laptop "$SIXFOUR" "${DOCTOR_TEXT[@]}"
assert_line "which CLAT" "^  sixfour clat on $CLAT_TUN \(carries the IPv4 default route; control $CLAT_CTL\): active " "$LAB_OUT"
assert_line "prefix, source, mode" "^    NAT64 prefix 2001:db8:64::/96 from rfc7050; address mode [a-z]+: IPv4 192\.0\.0\.1 <-> IPv6 2001:db8:6:" "$LAB_OUT"
assert_line "probe through it" "^    IPv4 literal $CLAT_S4: (ok|slow) through the CLAT \(from 192\.0\.0\.1\)$" "$LAB_OUT"
assert_line "verdict" "^Verdict: IPv6-only network with 464XLAT: IPv4 literals work through the CLAT \(sixfour clat" "$LAB_OUT"
clat_stop
clat_leftovers

step "sixfour clat with its control socket elsewhere: 14, a CLAT not known as sixfour's"
CLAT_CTL=$LAB_DIR/clat.sock
clat_start
lab_expect_rc "doctor exit code" 14 laptop "$SIXFOUR" "${DOCTOR[@]}"
assert_eq "CLAT interface" "$CLAT_TUN" "$(doctor_json clat.interface)"
assert_eq "not known as sixfour's" false "$(doctor_json clat.sixfour)"
assert_eq "the probe went through it" true "$(doctor_json clat.ipv4_literal.via_clat)"
assert_match "sentence" "through the CLAT \(on $CLAT_TUN\) and names" "$(doctor_json sentence)"
clat_stop
clat_leftovers

step "a CLAT-looking link (192.0.0.2/29, IPv4 default route) that carries nothing: 10"
lab_ok "a link named clat (a veth: no dummy module needed)" laptop ip link add clat type veth peer name clat-peer
lab_ok "its address" laptop ip addr add 192.0.0.2/29 dev clat
lab_ok "up" laptop ip link set clat up
lab_ok "its peer up" laptop ip link set clat-peer up
lab_ok "the IPv4 default route" laptop ip route add default dev clat
lab_expect_rc "doctor exit code" 10 laptop "$SIXFOUR" "${DOCTOR[@]}"
assert_eq "the CLAT seen" clat "$(doctor_json clat.interface)"
assert_eq "not sixfour's" false "$(doctor_json clat.sixfour)"
assert_eq "IPv4 literal" fail "$(doctor_json clat.ipv4_literal.grade)"
assert_eq "not through it" false "$(doctor_json clat.ipv4_literal.via_clat)"
lab_ok "remove it" laptop ip link del clat
echo PASS
