#!/usr/bin/env bash
# `sixfour nat64` configuration and lifecycle: bad values exit 2 with one line on stderr naming the
# value; a TOML file configures the same NAT64 as the flags; the daemon owns its TUN and routes
# (the prefix and each pool4 prefix), logs one start line, and on SIGTERM exits 0 leaving neither
# behind; --no-routes adds none. RFC 6052 §3.1: with 64:ff9b::/96 the documentation addresses
# are refused unless --allow-non-global says otherwise.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
trap lab_down EXIT

lab_up

# expect_bad_config WHAT NEEDLE ARGS...: exit code 2, exactly one line on stderr containing NEEDLE.
expect_bad_config() {
  local what=$1 needle=$2 rc=0 err
  shift 2
  printf '+ [gw] sixfour %s\n' "$*"
  err=$(lab_exec gw timeout 10 "$SIXFOUR" "$@" 2>&1 >/dev/null) || rc=$?
  printf '%s\n(exit %d)\n' "$err" "$rc"
  assert_eq "$what: exit code" 2 "$rc"
  assert_eq "$what: lines on stderr" 1 "$(printf '%s\n' "$err" | grep -c .)"
  [[ $err == *"$needle"* ]] || fail "$what: expected the error to name '$needle', got: $err"
  printf 'ok: %s: error names %s\n' "$what" "$needle"
}

step "bad configurations"
expect_bad_config "no pool4" "--pool4" nat64 --tun sfbad --prefix "$N64_PREFIX"
expect_bad_config "pool4 not an address" "203.0.113.300" nat64 --tun sfbad --pool4 203.0.113.300
expect_bad_config "pool4 empty port range" "203.0.113.1:3000-2000" nat64 --tun sfbad --pool4 203.0.113.1:3000-2000
expect_bad_config "prefix /33" "2001:db8::/33" nat64 --tun sfbad --pool4 "$N64_POOL4" --prefix 2001:db8::/33
expect_bad_config "static outside pool4" "198.51.100.9" nat64 --tun sfbad --pool4 "$N64_POOL4" \
  --static tcp,198.51.100.9#80,2001:db8:6::2#80
expect_bad_config "udp-timeout 0" "--udp-timeout \"0\"" nat64 --tun sfbad --pool4 "$N64_POOL4" --udp-timeout 0
expect_bad_config "mtu too small" "100" nat64 --tun sfbad --pool4 "$N64_POOL4" --mtu 100
printf 'pool4 = ["203.0.113.1"]\npool6 = "2001:db8:64::/96"\n' >"$LAB_DIR/bad.toml"
expect_bad_config "unknown TOML key" "pool6" nat64 --config "$LAB_DIR/bad.toml"
printf 'pool4 = "203.0.113.1\n' >"$LAB_DIR/broken.toml"
expect_bad_config "TOML syntax error" "broken.toml" nat64 --config "$LAB_DIR/broken.toml"
expect_bad_config "missing config file" "nonexistent.toml" nat64 --config "$LAB_DIR/nonexistent.toml"
lab_run gw ip -o link show
assert_no_match "no TUN device left behind by failed starts" 'sfbad' "$LAB_OUT"

step "from a TOML file, with its own TUN name and the default control socket"
LAB_TUN=sfn$$
LAB_TUN=${LAB_TUN:0:15}
cat >"$LAB_DIR/nat64.toml" <<TOML
tun = "$LAB_TUN"
prefix = "$N64_PREFIX"
pool4 = ["$N64_POOL4:1024-65535"]
udp-timeout = 300
mtu = 1500
TOML
cat "$LAB_DIR/nat64.toml"
lab_daemon_start nat64 --config "$LAB_DIR/nat64.toml"
lab_run gw ip -6 route show "$N64_PREFIX"
assert_match "prefix routed to the TUN" "^$N64_PREFIX dev $LAB_TUN" "$LAB_OUT"
lab_run gw ip -4 route show "$N64_POOL4"
assert_match "pool4 routed to the TUN" "^$N64_POOL4 dev $LAB_TUN" "$LAB_OUT"
lab_ok "ping through the NAT64" c6 ping -n -c 2 -i 0.2 -W 2 "$LAB_S4_AS6"
assert_eq "echo replies" 2 "$(ping_received "$LAB_OUT")"
assert_eq "lines logged by the daemon" 1 "$(grep -c . "$LAB_DAEMON_LOG")"
start_line=$(cat "$LAB_DAEMON_LOG")
printf '%s\n' "$start_line"
assert_match "start line: what it translates" \
  "translating on $LAB_TUN .*prefix $N64_PREFIX; pool4 $N64_POOL4 ports 1024-65535.*routes added: $N64_PREFIX, $N64_POOL4/32" \
  "$start_line"
lab_ok "stats through the default control socket (--tun)" gw "$SIXFOUR" nat64 stats --tun "$LAB_TUN"
assert_match "human stats: IPv6 received" "IPv6 received +[0-9]+" "$LAB_OUT"
lab_ok "sessions through --tun" gw "$SIXFOUR" nat64 sessions --tun "$LAB_TUN"
lab_ok "bib through --tun" gw "$SIXFOUR" nat64 bib --tun "$LAB_TUN"

step "SIGTERM: exit 0, TUN and routes gone"
lab_daemon_stop
lab_run gw ip -o link show
assert_no_match "TUN device gone" "$LAB_TUN" "$LAB_OUT"
lab_run gw ip -6 route show
assert_no_match "no IPv6 route mentions the TUN" "$LAB_TUN|2001:db8:64::" "$LAB_OUT"
lab_run gw ip -4 route show
assert_no_match "no IPv4 route mentions the TUN" "$LAB_TUN|$N64_POOL4" "$LAB_OUT"
assert_match "stop line" "stopped on .*: 2 routes removed, $LAB_TUN closed" "$(cat "$LAB_DAEMON_LOG")"
if lab_run gw "$SIXFOUR" nat64 stats --tun "$LAB_TUN"; then fail "stats still answers after shutdown"; fi
printf 'ok: stats fails once the daemon is gone\n'

step "a flag overrides the file; --no-routes adds no route"
LAB_WAIT_POOL6='' lab_daemon_start nat64 --config "$LAB_DIR/nat64.toml" --no-routes --control "$LAB_CTL"
sleep 0.3
lab_run gw ip -6 route show dev "$LAB_TUN"
assert_no_match "no IPv6 route via the TUN" '2001:db8' "$LAB_OUT"
lab_run gw ip -4 route show dev "$LAB_TUN"
assert_eq "no IPv4 route via the TUN" "" "$LAB_OUT"
nat64_stats >/dev/null  # answers on --control, not the file's default
lab_daemon_stop

step "RFC 6052 §3.1: 64:ff9b::/96 with a non-global IPv4 destination is refused"
LAB_WAIT_POOL6=64:ff9b::/96 lab_daemon_start nat64 --tun "$LAB_TUN" --pool4 "$N64_POOL4" --control "$LAB_CTL"
lab_expect_rc "ping 64:ff9b::198.51.100.2 is not translated" 1 c6 ping -n -c 1 -W 1 64:ff9b::c633:6402
assert_eq "IPv4 packets sent" 0 "$(nat64_stat out4)"
assert_ge "IPv6 packets received and dropped" 1 "$(nat64_stat dropped)"
lab_daemon_stop
LAB_WAIT_POOL6=64:ff9b::/96 lab_daemon_start nat64 --tun "$LAB_TUN" --pool4 "$N64_POOL4" --control "$LAB_CTL" \
  --allow-non-global
lab_ok "with --allow-non-global it is" c6 ping -n -c 1 -W 2 64:ff9b::c633:6402
lab_daemon_stop
step "scale-out: a pool4 overlapping another translator's on this host is refused (exit 2)"
lab_daemon_start nat64 --tun "$LAB_TUN" --prefix "$N64_PREFIX" --pool4 203.0.113.0/28 --control "$LAB_CTL"
lab_expect_rc "a second instance with a part of the same pool" 2 gw "$SIXFOUR" nat64 --tun sf64b \
  --prefix 2001:db8:46::/96 --pool4 203.0.113.8/29 --control "$LAB_DIR/b.sock"
assert_match "says which route and TUN" "pool4 203\\.0\\.113\\.8/29 overlaps 203\\.0\\.113\\.0/28, routed into $LAB_TUN, the TUN of another translator" "$LAB_OUT"
lab_run gw ip link show sf64b || true
assert_match "and leaves no TUN behind" 'does not exist' "$LAB_OUT"
lab_ok "with its own part it starts (and stops on SIGTERM after 2 s)" gw timeout --preserve-status -s TERM 2 \
  "$SIXFOUR" nat64 --tun sf64b --prefix 2001:db8:46::/96 --pool4 203.0.113.16/29 --control "$LAB_DIR/b.sock"
lab_daemon_stop
echo PASS
