#!/usr/bin/env bash
# `sixfour clat` follows the network and leaves the host as it found it (issue 14), in the hotspot
# lab (tests/lab/clat.sh):
#   native IPv4 appears on the laptop -> the CLAT steps aside (its route goes, status inactive);
#   it goes away -> the CLAT comes back, same process;
#   the /64 changes (renumbering) -> a new dedicated address in the new /64, traffic works;
#   SIGTERM -> nothing left; kill -9, then a restart -> it starts, and after SIGTERM nothing left;
#   a DHCPv6-style /128 and no SLAAC /64 -> shared mode (the laptop's own address), the laptop's
#   own IPv6 connections unharmed.
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
pid=$CLAT_PID
act0=$(clat_status activations)
clat_ping4_ok "active"

step "native IPv4 appears: the CLAT steps aside"
clat_native4_up
clat_wait_state inactive
assert_match "reason names the native route" '[Nn]ative|IPv4' "$(clat_status reason)"
lab_run laptop ip -4 route show default
assert_no_match "no IPv4 route through $CLAT_TUN" "dev $CLAT_TUN" "$LAB_OUT"
assert_match "the native default route" "^default via $CLAT_NATIVE4_GW dev eth-carrier" "$LAB_OUT"
lab_run laptop ip -4 route get "$CLAT_S4"
assert_match "IPv4 goes natively" "dev eth-carrier src $CLAT_NATIVE4" "$LAB_OUT"
clat_ping4_ok "native IPv4"

step "native IPv4 goes: the CLAT comes back, same process"
clat_native4_down
clat_wait_state active
assert_eq "same process" "$pid" "$CLAT_PID"
lab_run laptop ip -4 route show default
assert_match "IPv4 default route through $CLAT_TUN again" "^default .*dev $CLAT_TUN" "$LAB_OUT"
clat_ping4_ok "back through the CLAT"
assert_ge "activations" $((act0 + 1)) "$(clat_status activations)"

step "the /64 changes: a new dedicated address"
old6=$(clat_status ipv6)
assert_match "CLAT address in the old /64" '^2001:db8:6:' "$old6"
clat_renumber "$CLAT_NET6_B"
clat_wait_field ipv6 '^2001:db8:7:'
new6=$(clat_status ipv6)
assert_ne "the CLAT address changed" "$old6" "$new6"
assert_ne "and is not the laptop's own" "$(clat_laptop_addr "$CLAT_NET6_B")" "$new6"
assert_eq "state" active "$(clat_status state)"
clat_ping4_ok "after renumbering"
clat_http_both "$CLAT_S4" || fail "HTTP both ways after renumbering"
lab_run carrier "$SIXFOUR" nat64 sessions --json --control "$LAB_DIR/nat64a.sock"
assert_match "NAT64 sessions from the new CLAT address" "\"$new6\"" "$LAB_OUT"
assert_eq "same process" "$pid" "$CLAT_PID"

step "SIGTERM: nothing left"
clat_stop
clat_leftovers
lab_run laptop ping -6 -n -c 2 -i 0.2 -W 2 "$CLAT_S4_AS6" || true
assert_eq "the laptop's own IPv6 still works" 2 "$(ping_received "$LAB_OUT")"

step "kill -9, then a restart: it starts, and SIGTERM leaves nothing"
clat_start
clat_ping4_ok "before the crash"
clat_kill9
sleep 0.5
clat_start
clat_ping4_ok "after the restart"
clat_stop
clat_leftovers

step "--force beside native IPv4: the CLAT's route sits behind the native one"
clat_native4_up
clat_start_bg --force
clat_wait_state active-behind-native
lab_run laptop ip -4 route show default
assert_match "the CLAT's default route, metric 2048 (above the native 100)" 'default dev clat0 .*metric 2048' "$LAB_OUT"
assert_match "the native default route stays" 'default via 203\.0\.113\.1 dev eth-carrier' "$LAB_OUT"
lab_run laptop ip -4 route get "$CLAT_S4"
assert_match "IPv4 still goes natively" 'dev eth-carrier src 203\.0\.113\.2' "$LAB_OUT"
clat_stop
clat_native4_down
clat_leftovers

step "a DHCPv6-style /128 and no SLAAC /64: shared mode"
clat_ra_prefixes "$CLAT_NET6_B,1800,1800,L" # on-link only: no SLAAC
clat_ra_start --pref64 "$CLAT_PREFIX"
ip -n "$(lab_ns laptop)" -6 addr flush dev eth-carrier scope global
ip -n "$(lab_ns laptop)" -6 addr add 2001:db8:7::100/128 dev eth-carrier nodad
lab_ok "the laptop reaches the server over IPv6 from its /128" laptop ping -6 -n -c 1 -W 2 "$CLAT_S4_AS6"
clat_start
assert_eq "address_mode" shared "$(clat_status address_mode)"
assert_eq "CLAT IPv6 address = the laptop's /128" 2001:db8:7::100 "$(clat_status ipv6)"
clat_ping4_ok "shared mode"
clat_http_both "$CLAT_S4" || fail "HTTP both ways in shared mode"
lab_ok "UDP 4000 bytes, DF=0 (fragments to the shared address)" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4" "$CLAT_UDP_PORT" 4000 --df0
assert_match "echoed whole" 'sent=4000 recv=4000 match=yes' "$LAB_OUT"
assert_eq "the CLAT's ports are reserved from the kernel" 61000-65535 \
  "$(lab_exec laptop sysctl -n net.ipv4.ip_local_reserved_ports)"
lab_run laptop nft list table inet sixfour_clat0
assert_match "sixfour's table drops the CLAT's ports before the kernel's stack" 'tcp dport 61000-65535 drop' "$LAB_OUT"
lab_ok "the laptop's own IPv6 HTTP meanwhile" laptop curl -6 -sS --max-time 10 -o "$LAB_DIR/own.bin" "http://[$CLAT_S4_AS6]/big.bin"
assert_eq "sha256 of the laptop's own download" "$(sha256sum <"$LAB_DIR/www/big.bin")" "$(sha256sum <"$LAB_DIR/own.bin")"
lab_ok "the laptop's own UDP meanwhile" laptop "$LAB_PY" "$LAB_HOME/udp.py" send "$CLAT_S4_AS6" "$CLAT_UDP_PORT" 1000
clat_stop
clat_leftovers
assert_eq "reserved ports given back" "" "$(lab_exec laptop sysctl -n net.ipv4.ip_local_reserved_ports)"

step "shared mode, kill -9, restart, SIGTERM: the reserved ports and the table go too"
clat_start
clat_kill9
clat_start
clat_ping4_ok "shared mode after a crash"
clat_stop
clat_leftovers
assert_eq "reserved ports given back after the crash" "" "$(lab_exec laptop sysctl -n net.ipv4.ip_local_reserved_ports)"
echo "PASS"
