#!/usr/bin/env bash
# The Debian package under a real systemd (PID 1 of a systemd-nspawn container): the package is
# installed, `systemctl start sixfour-nat64@lab` returns only once the daemon said READY=1, and by
# then its TUN, its routes and its control socket are up; systemctl's status line is the daemon's
# STATUS=; `systemctl stop` leaves no TUN and no route; the watchdog (WatchdogSec=, shortened to 4 s
# by a drop-in here) kills a daemon stopped with SIGSTOP and systemd starts it again, which then
# serves; `systemctl reload sixfour-dns64` re-reads its settings (RELOADING=1, READY=1); the eBPF
# fast path loads under the unit's sandbox; `dpkg -r` stops what runs.
#
# The container's root is this machine's /usr, /etc and /var seen through overlayfs, in a private
# mount namespace (the host is never written), with a network namespace of its own that has only
# loopback (--private-network): the daemons use documentation addresses and no packet leaves.
# Needs root and systemd-nspawn (systemd-container).
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")
BUILD=$(dirname "$SIXFOUR")
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn missing (scripts/setup installs systemd-container)"
WORK=$(mktemp -d /tmp/sixfour-nspawn.XXXXXX)
NSPAWN=
cleanup() {
  if [[ -n $NSPAWN ]] && kill -0 "$NSPAWN" 2>/dev/null; then
    kill "$NSPAWN" 2>/dev/null || true  # nspawn shuts the container down on SIGTERM
    for _ in $(seq 50); do kill -0 "$NSPAWN" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$NSPAWN" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

cpack --config "$BUILD/CPackConfig.cmake" -G DEB -B "$WORK/out" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log" >&2; fail "cpack"; }
cp "$WORK"/out/sixfour_*_*.deb "$WORK/sixfour.deb"

# The root, the package installed in it, and the container, in one private mount namespace.
cp "$(dirname "$0")/../lab/overlay_root.sh" "$WORK/"
cat >"$WORK/boot.sh" <<'BOOT'
set -euo pipefail
W=$1 R=$1/root
source "$W/overlay_root.sh"
overlay_root "$W"
systemd-id128 new >"$R/etc/machine-id"  # nspawn refuses the host's
cp "$W/sixfour.deb" "$R/root/"
# Installed before the boot (no systemd runs in the chroot: the scripts leave it alone).
chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin dpkg -i /root/sixfour.deb >"$W/install.log" 2>&1
# The container's own settings: a NAT64 named lab, a DNS64 on loopback, a watchdog of 4 s.
cat >"$R/etc/sixfour/nat64-lab.toml" <<'TOML'
tun = "nat64lab"
prefix = "2001:db8:64::/96"
pool4 = ["192.0.2.1"]
workers = 1
TOML
cat >"$R/etc/sixfour/dns64.toml" <<'TOML'
listen = ["[::1]:5353"]
upstream = ["[::1]:5354"]
prefix = "2001:db8:64::/96"
allow = ["::1/128"]
TOML
mkdir -p "$R/etc/systemd/system/sixfour-nat64@.service.d"
printf '[Service]\nWatchdogSec=4s\n' >"$R/etc/systemd/system/sixfour-nat64@.service.d/watchdog.conf"
exec systemd-nspawn --quiet -D "$R" --private-network -M sixfour-test --register=no --keep-unit \
  --capability=CAP_BPF,CAP_PERFMON --system-call-filter=bpf --boot systemd.unit=basic.target
BOOT
unshare --mount --propagation private bash "$WORK/boot.sh" "$WORK" >"$WORK/nspawn.log" 2>&1 &
NSPAWN=$!

# The container's PID 1 (systemd): the child of systemd-nspawn.
leader=
for _ in $(seq 100); do
  nspawn_pid=$(pgrep -f "^systemd-nspawn --quiet -D $WORK/root" | head -n 1 || true)
  [[ -n $nspawn_pid ]] && leader=$(pgrep -P "$nspawn_pid" -x systemd | head -n 1 || true)
  [[ -n $leader ]] && break
  kill -0 "$NSPAWN" 2>/dev/null || { cat "$WORK/nspawn.log" >&2; fail "the container did not start"; }
  sleep 0.2
done
[[ -n $leader ]] || { cat "$WORK/nspawn.log" >&2; fail "no systemd in the container"; }
in_ct() { nsenter --target "$leader" --mount --uts --ipc --net --pid -- "$@"; }
for _ in $(seq 150); do
  state=$(in_ct systemctl is-system-running 2>/dev/null || true)
  [[ $state == running || $state == degraded ]] && break
  sleep 0.2
done
[[ $state == running || $state == degraded ]] || fail "the container's systemd is '$state'"
echo "ok: systemd $(in_ct systemctl --version | head -n 1 | cut -d' ' -f2) is PID 1 of the container ($state)"
in_ct systemctl cat sixfour-nat64@lab.service >/dev/null || fail "the installed unit is not known to systemd"

# Start: systemctl returns once READY=1 came, and by then the TUN, routes and socket are up.
in_ct systemctl start sixfour-nat64@lab || { in_ct journalctl -u sixfour-nat64@lab --no-pager | tail -20 >&2; fail "start"; }
link=$(in_ct ip -o link show nat64lab 2>&1) || fail "active, but no TUN nat64lab: $link"
in_ct ip -6 route show 2001:db8:64::/96 | grep -q 'dev nat64lab' || fail "active, but no route to the prefix"
in_ct ip -4 route show 192.0.2.1 | grep -q 'dev nat64lab' || fail "active, but no route to pool4"
props=$(in_ct systemctl show sixfour-nat64@lab -p ActiveState -p SubState -p StatusText -p MainPID -p NRestarts)
grep -qx 'ActiveState=active' <<<"$props" && grep -qx 'SubState=running' <<<"$props" || fail "not active (running): $props"
grep -q '^StatusText=prefix 2001:db8:64::/96' <<<"$props" || fail "StatusText is not the daemon's summary: $props"
pid1=$(sed -n 's/^MainPID=//p' <<<"$props")
user=$(in_ct ps -o user= -p "$pid1")
[[ $user == sixfour ]] || fail "the daemon runs as '$user', not sixfour"
echo "ok: systemctl start returned with the TUN, its routes up; active (running) as user $user"
echo "    $(grep StatusText <<<"$props")"
start_line=$(in_ct journalctl -u sixfour-nat64@lab -o cat --no-pager | grep -m 1 'sixfour nat64: translating')
echo "    $start_line"
# The unit's sandbox (bounding set, system-call filter) lets the eBPF fast path load; the container
# is given CAP_BPF and CAP_PERFMON and the bpf system call for that.
[[ $start_line == *"fast path eBPF"* ]] || fail "the fast path did not load under the unit's sandbox"
in_ct sixfour nat64 stats --control /run/sixfour/nat64-nat64lab.sock --json | grep -q '"in6"' || fail "no stats"

# Stop: nothing left behind.
in_ct systemctl stop sixfour-nat64@lab
in_ct ip link show nat64lab >/dev/null 2>&1 && fail "TUN nat64lab left after stop"
[[ -z $(in_ct ip -6 route show 2001:db8:64::/96) && -z $(in_ct ip -4 route show 192.0.2.1) ]] || fail "routes left after stop"
[[ $(in_ct systemctl show sixfour-nat64@lab -p ActiveState --value) == inactive ]] || fail "not inactive after stop"
echo "ok: systemctl stop: inactive, no TUN, no route"

# Watchdog: SIGSTOP, then systemd kills it (SIGABRT) after WatchdogSec and starts it again.
in_ct systemctl start sixfour-nat64@lab
pid1=$(in_ct systemctl show sixfour-nat64@lab -p MainPID --value)
in_ct kill -STOP "$pid1"
stopped_at=$(date +%s)
pid2=$pid1
for _ in $(seq 100); do
  pid2=$(in_ct systemctl show sixfour-nat64@lab -p MainPID --value)
  state=$(in_ct systemctl show sixfour-nat64@lab -p ActiveState --value)
  [[ $pid2 != "$pid1" && $pid2 != 0 && $state == active ]] && break
  sleep 0.2
done
[[ $pid2 != "$pid1" && $pid2 != 0 ]] || fail "the watchdog did not restart the stopped daemon"
restarts=$(in_ct systemctl show sixfour-nat64@lab -p NRestarts --value)
[[ $restarts == 1 ]] || fail "NRestarts=$restarts"
in_ct journalctl -u sixfour-nat64@lab --no-pager | grep -q 'Watchdog timeout' || fail "no watchdog timeout in the journal"
in_ct ip -o link show nat64lab >/dev/null || fail "restarted, but no TUN"
echo "ok: watchdog: SIGSTOP'd daemon killed and restarted after $(($(date +%s) - stopped_at)) s (NRestarts=$restarts, pid $pid1 -> $pid2), TUN back"
in_ct systemctl stop sixfour-nat64@lab

# Reload: dns64 takes a new allow list without a restart.
in_ct systemctl start sixfour-dns64
dpid=$(in_ct systemctl show sixfour-dns64 -p MainPID --value)
in_ct sed -i 's|allow = \["::1/128"\]|allow = ["::1/128", "2001:db8:6::/64"]|' /etc/sixfour/dns64.toml
in_ct systemctl reload sixfour-dns64 || { in_ct journalctl -u sixfour-dns64 --no-pager | tail -15 >&2; fail "systemctl reload sixfour-dns64"; }
[[ $(in_ct systemctl show sixfour-dns64 -p MainPID --value) == "$dpid" ]] || fail "reload restarted dns64"
[[ $(in_ct systemctl show sixfour-dns64 -p ActiveState --value) == active ]] || fail "dns64 not active after reload"
in_ct journalctl -u sixfour-dns64 --no-pager | grep -q 'reloaded' || fail "no reload line in dns64's journal"
in_ct systemctl stop sixfour-dns64
echo "ok: systemctl reload sixfour-dns64: same pid, reloaded"

# Removal stops what runs.
in_ct systemctl start sixfour-nat64@lab
in_ct dpkg -r sixfour >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log" >&2; fail "dpkg -r"; }
[[ $(in_ct systemctl show sixfour-nat64@lab -p ActiveState --value) != active ]] || fail "still active after dpkg -r"
in_ct ip link show nat64lab >/dev/null 2>&1 && fail "TUN left after dpkg -r"
echo "ok: dpkg -r stopped sixfour-nat64@lab, its TUN gone"
echo "PASS: test_systemd_container"
