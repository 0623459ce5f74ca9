#!/usr/bin/env bash
# `sixfour siit` configuration: bad values exit 2 with one line on stderr naming the value; a TOML
# file (--config) configures the same translator as the flags do.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up

# expect_bad_config WHAT NEEDLE ARGS...: exit code 2, exactly one line on stderr containing NEEDLE,
# and no TUN device left behind. Run inside gw so even a wrongly started daemon stays in the lab.
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
expect_bad_config "pool6 /33" "2001:db8::/33" siit --tun sfbad --pool6 2001:db8::/33
expect_bad_config "pool6 /33 (no --tun)" "2001:db8::/33" siit --pool6 2001:db8::/33
expect_bad_config "pool6 not an address" "2001:zz8::/96" siit --tun sfbad --pool6 2001:zz8::/96
expect_bad_config "EAM without '='" "2001:db8:6::/120" siit --tun sfbad --pool6 "$LAB_POOL6" --eam 2001:db8:6::/120
expect_bad_config "mtu too small" "100" siit --tun sfbad --pool6 "$LAB_POOL6" --mtu 100
expect_bad_config "udp-zero-checksum" "sometimes" siit --tun sfbad --pool6 "$LAB_POOL6" --udp-zero-checksum sometimes
expect_bad_config "nothing to translate" "pool6" siit --tun sfbad
cat >"$LAB_DIR/bad.toml" <<'TOML'
tun = "sfbad"
pool6 = "2001:db8:64::/96"
mtux = 1500
TOML
expect_bad_config "unknown TOML key" "mtux" siit --config "$LAB_DIR/bad.toml"
printf 'pool6 = "2001:db8:64::/96\n' >"$LAB_DIR/broken.toml"
expect_bad_config "TOML syntax error" "broken.toml" siit --config "$LAB_DIR/broken.toml"
expect_bad_config "missing config file" "nonexistent.toml" siit --config "$LAB_DIR/nonexistent.toml"
lab_run gw ip -o link show
assert_no_match "no TUN device left behind by failed starts" 'sfbad' "$LAB_OUT"

step "the lab translator from a TOML file"
cat >"$LAB_DIR/siit.toml" <<TOML
# the same translator as: --tun $LAB_TUN --pool6 $LAB_POOL6 --eam $LAB_EAM --control $LAB_CTL
tun = "$LAB_TUN"
pool6 = "$LAB_POOL6"
eam = ["$LAB_EAM"]
mtu = 1500
lowest-ipv6-mtu = 1280
udp-zero-checksum = "compute"
control = "$LAB_CTL"
TOML
cat "$LAB_DIR/siit.toml"
lab_daemon_start siit --config "$LAB_DIR/siit.toml"
lab_run gw ip -4 route show 192.0.2.0/24
assert_match "EAM IPv4 side routed to the TUN" "192.0.2.0/24 dev $LAB_TUN" "$LAB_OUT"
lab_ok "ping from c6" c6 ping -n -c 3 -i 0.2 -W 2 "$LAB_S4_AS6"
assert_eq "echo replies received by c6" 3 "$(ping_received "$LAB_OUT")"
lab_ok "ping from s4" s4 ping -n -c 3 -i 0.2 -W 2 "$LAB_C6_AS4"
assert_eq "echo replies received by s4" 3 "$(ping_received "$LAB_OUT")"
assert_ge "stats in6 from the TOML-configured daemon" 3 "$(lab_stat in6)"
lab_daemon_stop

step "a flag overrides the file"
sed -i '/^pool6/d' "$LAB_DIR/siit.toml"
printf 'pool6 = "2001:db8::/33"\n' >>"$LAB_DIR/siit.toml"
expect_bad_config "bad pool6 in the file" "2001:db8::/33" siit --config "$LAB_DIR/siit.toml"
lab_daemon_start siit --config "$LAB_DIR/siit.toml" --pool6 "$LAB_POOL6"
lab_ok "ping from c6 with --pool6 overriding the file" c6 ping -n -c 2 -i 0.2 -W 2 "$LAB_S4_AS6"
lab_daemon_stop
echo PASS
