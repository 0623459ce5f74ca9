#!/usr/bin/env bash
# The CLAT's host watcher against a real kernel. The laptop (node c6) has an uplink eth-gw
# (2001:db8:1:2::10/64, IPv6 default route via the router gw, router advertisements accepted) and
# a veth clat0 standing in for the CLAT's TUN; gw sends RAs with PREF64 2001:db8:64::/96. The
# ClatHostLab tests of sixfour_unit (next to sixfour) run inside c6 and check read_host, the IPv4
# address and default route (mtu/advmss), netlink events, PREF64 from RAs and the clatd process
# scan. Documentation addresses only.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
UNIT=$(dirname "$SIXFOUR")/sixfour_unit
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
[[ -x $UNIT ]] || { echo "SKIP: $UNIT not built"; exit 0; }

RA_PID=
FAKE_PID=
cleanup() {
  [[ -n $RA_PID ]] && kill "$RA_PID" 2>/dev/null || true
  [[ -n $FAKE_PID ]] && kill "$FAKE_PID" 2>/dev/null || true
  lab_down
}
trap cleanup EXIT

step "laptop (c6) and router (gw)"
[[ $(id -u) -eq 0 ]] || { echo "must run as root" >&2; exit 1; }
LAB_DIR=$(mktemp -d "/tmp/sixfour-lab-$LAB_PREFIX.XXXXXX")
lab_add_node c6  # the laptop
lab_add_node gw  # its router
lab_link c6 gw
lab_exec c6 ip link add clat0 type veth peer name clat0-peer
for i in eth-gw clat0 clat0-peer; do lab_up_if c6 "$i"; done
lab_up_if gw eth-c6
# RAs are accepted on the uplink (accept_ra 1, forwarding 0 as on any host).
lab_sysctl c6 net.ipv6.conf.eth-gw.accept_ra=1 net.ipv6.conf.eth-gw.forwarding=0
lab_exec c6 ip -6 addr add 2001:db8:1:2::10/64 dev eth-gw nodad
lab_exec gw ip -6 addr add 2001:db8:1:2::1/64 dev eth-c6 nodad
lab_exec c6 ip -6 route add default via 2001:db8:1:2::1 dev eth-gw metric 600
lab_bg gw ra "$LAB_PY" "$LAB_HOME/ra_pref64.py" eth-c6 2001:db8:64::/96 600
RA_PID=$LAB_PID_ra  # set by lab_bg

step "read_host, address and route, events, PREF64, a clatd run by perl"
# clatd is a Perl script; run as "perl .../clatd" its comm is "perl".
printf 'sleep 60;\n' >"$LAB_DIR/clatd"
perl "$LAB_DIR/clatd" >/dev/null 2>&1 &
FAKE_PID=$!
lab_exec c6 env SIXFOUR_CLAT_LAB=1 SIXFOUR_FAKE_CLATD=$FAKE_PID "$UNIT" --gtest_filter='ClatHostLab.*' --gtest_brief=1
kill "$FAKE_PID"

step "a clatd started through its #! line (comm clatd)"
printf '#!%s\nsleep 60;\n' "$(command -v perl)" >"$LAB_DIR/clatd"
chmod +x "$LAB_DIR/clatd"
"$LAB_DIR/clatd" >/dev/null 2>&1 &
FAKE_PID=$!
lab_exec c6 env SIXFOUR_CLAT_LAB=1 SIXFOUR_FAKE_CLATD=$FAKE_PID "$UNIT" --gtest_filter='ClatHostLab.ClatdProcessSeen' --gtest_brief=1
echo "PASS"
