#!/usr/bin/env bash
# Least privilege (docs/hardening.md, "Least privilege"): once set up, every thread of each daemon
# has exactly the capabilities of the table there (CapEff = CapPrm; CapBnd, CapInh and CapAmb
# empty), NoNewPrivs 1, and runs as the --user given (a system user this test creates and removes)
# or, with no `sixfour` user on the host and no --user, as uid 0 saying so in its start line. A
# --user that does not exist is one line and exit 2. SIGTERM still undoes everything: the TUN, its
# routes and the gateway's nftables table are gone afterwards. `sixfour doctor` runs as nobody.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
# shellcheck source=../lab/privs.sh
source "$(dirname "$0")/../lab/privs.sh"

TUSER=sixfour-priv-$$
cleanup() {
  local rc=$?
  id "$TUSER" >/dev/null 2>&1 && userdel "$TUSER" 2>/dev/null
  lab_down || true
  exit "$rc"
}
trap cleanup EXIT

id sixfour >/dev/null 2>&1 && { echo "SKIP: a user 'sixfour' exists on this host (the uid 0 case needs it absent)"; exit 0; }
useradd --system --no-create-home --shell /usr/sbin/nologin "$TUSER"
TUID=$(id -u "$TUSER")
TGID=$(id -g "$TUSER")

lab_up

# translator_gone WHAT ROUTE: after SIGTERM, the TUN and the route into it are gone.
translator_gone() {
  assert_match "$1 stop line" "stopped on Terminated: .*routes? removed.*$LAB_TUN closed" "$(cat "$LAB_DAEMON_LOG")"
  if ip -n "$(lab_ns gw)" link show dev "$LAB_TUN" >/dev/null 2>&1; then fail "$1: $LAB_TUN still there"; fi
  local dev
  for dev in eth-c6 eth-s4; do
    assert_no_match "$1: no tc filter left on $dev" "bpf" "$(tc -n "$(lab_ns gw)" filter show dev "$dev" ingress 2>&1; tc -n "$(lab_ns gw)" filter show dev "$dev" egress 2>&1)"
  done
  assert_eq "$1: route $2 gone" "" "$(ip -n "$(lab_ns gw)" -6 route show "$2")"
}

# check_all USER_ARGS UID GID WHO: every daemon with these --user arguments.
check_all() {
  local uid=$2 gid=$3 who=$4
  local -a ua
  read -r -a ua <<<"$1"

  step "siit ($who)"
  lab_siit_start "${ua[@]}"
  wait_start_line
  assert_match "siit start line" "privileges: $who, capabilities cap_net_admin\$" "$(grep privileges: "$LAB_DAEMON_LOG")"
  assert_privs siit "$LAB_DAEMON_PID" "$NET_ADMIN" "$uid" "$gid"
  lab_ok "siit stats after the drop" gw "$SIXFOUR" siit stats --control "$LAB_CTL"
  lab_daemon_stop
  translator_gone siit "$LAB_POOL6"

  step "nat64 ($who)"
  nat64_start "${ua[@]}"
  wait_start_line
  assert_privs nat64 "$LAB_DAEMON_PID" "$NET_ADMIN" "$uid" "$gid"
  lab_ok "nat64 stats after the drop" gw "$SIXFOUR" nat64 stats --control "$LAB_CTL"
  lab_daemon_stop
  translator_gone nat64 "$N64_PREFIX"

  step "dns64 ($who)"
  dns64_start "${ua[@]}"
  wait_start_line
  assert_match "dns64 start line" "privileges: $who, capabilities none\$" "$(grep privileges: "$LAB_DAEMON_LOG")"
  assert_privs dns64 "$LAB_DAEMON_PID" "$NONE" "$uid" "$gid"
  lab_ok "dns64 stats after the drop" gw "$SIXFOUR" dns64 stats --control "$DNS64_CTL"
  lab_daemon_stop
  assert_match "dns64 stop line" "stopped on Terminated" "$(cat "$LAB_DAEMON_LOG")"

  step "socks ($who)"
  socks_start gw --listen "[$LAB_GW6]:1080" "${ua[@]}"
  wait_start_line
  assert_privs socks "$LAB_DAEMON_PID" "$NONE" "$uid" "$gid"
  lab_ok "socks stats after the drop" gw "$SIXFOUR" socks stats --control "$SOCKS_CTL"
  lab_daemon_stop
  assert_match "socks stop line" "stopped on Terminated" "$(cat "$LAB_DAEMON_LOG")"
}

check_all "" 0 0 "uid 0 \\(no user sixfour\\)"
check_all "--user $TUSER" "$TUID" "$TGID" "user $TUSER"

step "gateway (user $TUSER): nftables table and routes removed on SIGTERM"
# shellcheck source=../lab/gateway.sh
source "$(dirname "$0")/../lab/gateway.sh"
dns64_nsd_start
gateway_start --upstream "$DNS64_NSD" --allow-non-global --user "$TUSER"
wait_start_line
assert_privs gateway "$LAB_DAEMON_PID" "$NET_ADMIN" "$TUID" "$TGID"
assert_match "gateway nftables table while running" "table inet" "$(gateway_table)"
lab_daemon_stop
translator_gone gateway "$GW_PREFIX"
assert_eq "gateway nftables table gone" "" "$(gateway_table)"

step "--user naming a missing user: one line, exit 2, nothing set up"
LAB_TUN=siit0
rc=0
out=$(ip netns exec "$(lab_ns gw)" "$SIXFOUR" siit --tun priv9 --pool6 "$LAB_POOL6" --user nosuch-user-$$ 2>&1) || rc=$?
assert_eq "missing --user exit status" 2 "$rc"
assert_eq "missing --user message" "sixfour siit: --user nosuch-user-$$: no such user" "$out"
if ip -n "$(lab_ns gw)" link show dev priv9 >/dev/null 2>&1; then fail "priv9 created despite the bad --user"; fi

step "sixfour doctor needs no root: it runs as nobody in gw"
rc=0
out=$(ip netns exec "$(lab_ns gw)" setpriv --reuid=65534 --regid=65534 --clear-groups "$SIXFOUR" doctor --json 2>&1) || rc=$?
assert_match "doctor as nobody: a verdict" '"verdict":"[a-z_]+"' "$out"
assert_eq "doctor as nobody: its exit code is the verdict's" "$rc" \
  "$("$LAB_PY" -c 'import json,sys; print(json.load(sys.stdin)["exit_code"])' <<<"$out")"

echo "PASS: test_privileges"
