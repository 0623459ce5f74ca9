#!/usr/bin/env bash
# `sixfour clat` refuses, with one line on stderr and a non-zero exit, to start where another CLAT
# runs (issue 14, item 6), and leaves the host as it was: a link already named like its TUN, a
# link holding a 192.0.0.0/29 address with an IPv4 default route (NetworkManager's ipv4.clat), a
# clatd-style "clat" link holding one, a running clatd. A 192.0.0.0/29 address without a route
# (a DS-Lite B4, RFC 6333) is no CLAT: it starts and takes another address. Bad configuration is
# one line and exit 2 (--mtu 100, --prefix 2001:db8::/33, --probe 127.0.0.1, ...); an uplink that
# does not exist is waited for (status says so). --help and --print-config print sensible text.
# The hotspot lab of tests/lab/clat.sh; documentation addresses only.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
# shellcheck source=../lab/clat.sh
source "$(dirname "$0")/../lab/clat.sh"
FAKE_PID=
cleanup() {
  local rc=$?
  [[ -z $FAKE_PID ]] || kill "$FAKE_PID" 2>/dev/null || true
  clat_lab_down
  return "$rc"
}
trap cleanup EXIT

# refused WHAT ERE [ARGS...]: `sixfour clat ARGS` in the laptop exits non-zero at once with one
# line matching ERE and creates no control socket.
refused() {
  local what=$1 re=$2 rc=0
  shift 2
  printf '+ [laptop] sixfour clat %s\n' "$*"
  LAB_OUT=$(timeout 10 ip netns exec "$(lab_ns laptop)" "$SIXFOUR" clat --control "$LAB_DIR/refused.sock" --probe "$CLAT_S4" "$@" 2>&1) || rc=$?
  printf '%s\n(exit %d)\n' "$LAB_OUT" "$rc"
  [[ $rc -ne 0 && $rc -ne 124 ]] || fail "$what: expected a refusal, got exit $rc"
  assert_eq "$what: one line" 1 "$(wc -l <<<"$LAB_OUT")"
  assert_match "$what: the line" "$re" "$LAB_OUT"
  [[ ! -e $LAB_DIR/refused.sock ]] || fail "$what: control socket $LAB_DIR/refused.sock left behind"
}

clat_lab_up
laptop_links() { ip -n "$(lab_ns laptop)" -o link show | awk -F': ' '{sub(/@.*/, "", $2); print $2}' | sort | xargs; }

step "--help and --print-config"
lab_ok "--help" laptop "$SIXFOUR" clat --help
assert_match "what it is" "CLAT \(464XLAT, RFC 6877\)" "$LAB_OUT"
for flag in --uplink --prefix --probe --force --tun --mtu --control --config --print-config; do
  assert_match "--help lists $flag" "(^|[ ,])$flag( |,)" "$LAB_OUT"
done
assert_match "--help lists status and stats" "status .*stats|stats .*status" "$(tr '\n' ' ' <<<"$LAB_OUT")"
lab_ok "--print-config" laptop "$SIXFOUR" clat --print-config --prefix "$CLAT_PREFIX" --probe "$CLAT_S4" --mtu 1400
assert_line "prefix" "^prefix = \"$CLAT_PREFIX\"$" "$LAB_OUT"
assert_line "probe" "^probe = \"$CLAT_S4\"$" "$LAB_OUT"
assert_line "mtu" "^mtu = 1400$" "$LAB_OUT"
assert_line "default control socket" '^control = "/run/sixfour/clat-clat0.sock"$' "$LAB_OUT"
printf '%s\n' "$LAB_OUT" >"$LAB_DIR/clat.toml"
lab_ok "--print-config reads its own output back" laptop "$SIXFOUR" clat --config "$LAB_DIR/clat.toml" --print-config
assert_line "same prefix" "^prefix = \"$CLAT_PREFIX\"$" "$LAB_OUT"
assert_eq "nothing created by --print-config" "eth-carrier lo" "$(laptop_links)"

step "bad configuration: one line, exit 2"
bad() {
  local what=$1 re=$2
  shift 2
  lab_expect_rc "$what" 2 laptop "$SIXFOUR" clat "$@"
  assert_eq "$what: one line" 1 "$(wc -l <<<"$LAB_OUT")"
  assert_match "$what: names the value" "$re" "$LAB_OUT"
}
bad "--mtu 100" '^sixfour clat: --mtu "100": must be a number from 1280 to 65535$' --mtu 100
bad "--prefix 2001:db8::/33" '^sixfour clat: --prefix "2001:db8::/33": .*32, 40, 48, 56, 64 or 96$' --prefix 2001:db8::/33
bad "--probe 127.0.0.1" '^sixfour clat: --probe "127.0.0.1": must be a unicast IPv4 address' --probe 127.0.0.1
bad "--probe 192.0.0.1 (the CLAT's own range)" '^sixfour clat: --probe "192.0.0.1": ' --probe 192.0.0.1
bad "--prefix not an address" '^sixfour clat: --prefix "nope": ' --prefix nope
bad "--tun bad/name" '^sixfour clat: --tun "bad/name": not a valid interface name$' --tun bad/name
bad "--tun equal to --uplink" '^sixfour clat: --tun "eth-carrier": must differ from --uplink$' --uplink eth-carrier --tun eth-carrier
bad "unknown flag" '^sixfour clat: .*--bogus' --bogus
bad "missing --config" '^sixfour clat: --config "/nonexistent.toml": ' --config /nonexistent.toml
assert_eq "nothing created by bad configurations" "eth-carrier lo" "$(laptop_links)"

step "a link already named like the TUN"
lab_ok "a veth named $CLAT_TUN" laptop ip link add "$CLAT_TUN" type veth peer name "$CLAT_TUN-peer"
refused "$CLAT_TUN taken" "^sixfour clat: link $CLAT_TUN already exists \(another sixfour clat\? else use --tun\)$"
lab_ok "remove it" laptop ip link del "$CLAT_TUN"

step "a link holding 192.0.0.0/29 with an IPv4 default route (as NetworkManager's ipv4.clat)"
lab_ok "a veth nmclat" laptop ip link add nmclat type veth peer name nmclat-peer
lab_ok "192.0.0.4/29 on it" laptop ip addr add 192.0.0.4/29 dev nmclat
lab_ok "up" laptop ip link set nmclat up
lab_ok "peer up" laptop ip link set nmclat-peer up
lab_ok "an IPv4 default route through it" laptop ip route add default dev nmclat
refused "192.0.0.4 + default route" "^sixfour clat: another CLAT runs: interface nmclat holds 192\.0\.0\.4 of 192\.0\.0\.0/29 and carries an IPv4 default route$"
assert_eq "no $CLAT_TUN created" "" "$(ip -n "$(lab_ns laptop)" -o link show dev "$CLAT_TUN" 2>/dev/null || true)"
assert_match "its route untouched" "^default dev nmclat" "$(lab_exec laptop ip -4 route show default)"
lab_ok "remove it" laptop ip link del nmclat

step "a clatd-style link named clat holding 192.0.0.0/29 (no route needed)"
lab_ok "a veth clat" laptop ip link add clat type veth peer name clat-peer
lab_ok "192.0.0.1/29 on it" laptop ip addr add 192.0.0.1/29 dev clat
refused "clatd's device" "^sixfour clat: another CLAT runs: interface clat \(a clatd-style CLAT device\) holds 192\.0\.0\.1$"
lab_ok "remove it" laptop ip link del clat

step "a running clatd process"
# clatd is a Perl script; a stand-in named clatd, run through its #! line, lives only as long as
# this check (the scan sees every process of the host).
printf '#!%s\nsleep 30;\n' "$(command -v perl)" >"$LAB_DIR/clatd"
chmod +x "$LAB_DIR/clatd"
"$LAB_DIR/clatd" >/dev/null 2>&1 &
FAKE_PID=$!
sleep 0.2
refused "clatd running" "^sixfour clat: another CLAT runs: clatd \(pid $FAKE_PID\)$"
kill "$FAKE_PID" 2>/dev/null || true
wait "$FAKE_PID" 2>/dev/null || true
FAKE_PID=
clat_leftovers

step "192.0.0.0/29 without a route is no CLAT (a DS-Lite B4): it starts and takes another address"
lab_ok "a veth b4 with 192.0.0.2/29" laptop ip link add b4 type veth peer name b4-peer
lab_ok "192.0.0.2/29 on it" laptop ip addr add 192.0.0.2/29 dev b4
clat_start --prefix "$CLAT_PREFIX"
ipv4=$(clat_status ipv4)
assert_match "a 192.0.0.0/29 address" '^192\.0\.0\.[0-7]$' "$ipv4"
assert_ne "not the B4's" 192.0.0.2 "$ipv4"
step "and a second sixfour clat is refused while it runs"
refused "our own TUN taken" "^sixfour clat: link $CLAT_TUN already exists"
assert_eq "the first one still active" active "$(clat_status state)"
clat_stop
lab_ok "remove b4" laptop ip link del b4
clat_leftovers

step "an uplink that does not exist: the daemon waits for it and says so"
clat_start_bg --uplink nosuch0 --prefix "$CLAT_PREFIX"
clat_wait_field state '^inactive$'
clat_wait_field reason 'nosuch0'
assert_eq "no IPv4 default route meanwhile" "" "$(lab_exec laptop ip -4 route show default)"
clat_stop
clat_leftovers
echo PASS
