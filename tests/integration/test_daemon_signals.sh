#!/usr/bin/env bash
# One signal policy for every daemon (io/sys/daemon.hpp): SIGHUP never stops siit, nat64, dns64
# or socks (dns64 reloads its configuration, socks without --users and the translators have
# nothing to reload: logged and ignored) and each still answers its `stats` command afterwards; SIGTERM then stops each with exit 0 and the "stopped on Terminated" line.
# An unknown control command is answered with the command table's own list.
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
trap lab_down EXIT

lab_up

# control_raw SOCKET LINE: what the daemon answers to LINE on its control socket.
control_raw() {
  lab_exec gw "$LAB_PY" -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.sendall(sys.argv[2].encode() + b"\n")
out = b""
while True:
    b = s.recv(4096)
    if not b:
        break
    out += b
print(out.decode(), end="")' "$1" "$2"
}

# hup_then_term NAME CONTROL STATS_CMD...: SIGHUP twice, then the daemon must still run and answer
# STATS_CMD; SIGTERM must stop it with exit 0 and the stop line. $HUP_LINE: what each SIGHUP
# logs (default: that it was ignored).
hup_then_term() {
  local name=$1 ctl=$2 said=${HUP_LINE:-SIGHUP ignored}
  shift 2
  step "$name: SIGHUP is logged ($said)"
  # Two apart (two pending SIGHUPs would merge into one).
  kill -HUP "$LAB_DAEMON_PID" 2>/dev/null || fail "$name gone before SIGHUP"
  sleep 0.3
  kill -0 "$LAB_DAEMON_PID" 2>/dev/null || fail "$name exited on SIGHUP"
  kill -HUP "$LAB_DAEMON_PID" 2>/dev/null || fail "$name gone before SIGHUP"
  sleep 0.3
  kill -0 "$LAB_DAEMON_PID" 2>/dev/null || fail "$name exited on SIGHUP"
  printf 'ok: %s still running after SIGHUP\n' "$name"
  assert_eq "SIGHUP lines logged" 2 "$(grep -c "$said" "$LAB_DAEMON_LOG")"
  lab_ok "$name still answers stats after SIGHUP" gw "$SIXFOUR" "$@" --control "$ctl"
  assert_match "$name stats --json after SIGHUP" '^[{[]' "$(lab_exec gw "$SIXFOUR" "$@" --json --control "$ctl")"
  assert_match "unknown command answered from the table" '^\{"error":"unknown command; try stats' \
    "$(control_raw "$ctl" nope)"
  step "$name: SIGTERM stops it"
  lab_daemon_stop
  assert_match "$name stop line" "stopped on Terminated" "$(cat "$LAB_DAEMON_LOG")"
}

lab_siit_start
hup_then_term siit "$LAB_CTL" siit stats

nat64_start
hup_then_term nat64 "$LAB_CTL" nat64 stats
assert_match "nat64 stop line names what it undid" "stopped on Terminated: 2 routes removed, $LAB_TUN closed" \
  "$(cat "$LAB_DAEMON_LOG")"

dns64_start
HUP_LINE="reloaded: clients 2001:db8:6::/64" hup_then_term dns64 "$DNS64_CTL" dns64 stats

socks_start gw --listen "[$LAB_GW6]:1080"
hup_then_term socks "$SOCKS_CTL" socks stats
