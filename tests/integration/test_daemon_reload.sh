#!/usr/bin/env bash
# SIGHUP reloads what can change without dropping state (issue 18):
#   - dns64 reads its --config file again: a new allow list and new upstreams take effect, the
#     counters and the cache stay, a file that does not validate changes nothing, and a setting
#     that only takes effect at the next start is said so in the log; under systemd it says
#     RELOADING=1 then READY=1;
#   - socks reads its --users file again: the new users can authenticate, the removed cannot, the
#     counters stay, and a broken file keeps the running users.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
# shellcheck source=../lab/socks.sh
source "$(dirname "$0")/../lab/socks.sh"
trap lab_down EXIT

lab_up
dns64_upstream_up
CONF=$LAB_DIR/dns64.toml
DNS64_CTL=$LAB_DIR/dns64.sock
# dns64_conf ALLOW UPSTREAM [EXTRA]: the config file the daemon reads (again on SIGHUP).
dns64_conf() {
  cat >"$CONF" <<TOML
listen = ["[$DNS64_ADDR]:53"]
prefix = "$DNS64_PREFIX"
allow = ["$1"]
upstream = ["$2"]
control = "$DNS64_CTL"
${3:-}
TOML
}
# hup_and_wait PID LOG N: SIGHUP, then wait until LOG tells the outcome of N reloads.
hup_and_wait() {
  kill -HUP "$1"
  local i
  for ((i = 0; i < 50; i++)); do
    (($(grep -cE 'reloaded:|reload refused' "$2" || true) >= $3)) && return 0
    sleep 0.1
  done
  cat "$2"
  fail "no reload line after SIGHUP"
}

step "dns64: started with an allow list without c6: REFUSED"
lab_bg gw notify "$LAB_PY" "$LAB_HOME/notify_listen.py" "$LAB_DIR/notify.sock"
for ((i = 0; i < 50; i++)); do
  grep -q '^listening' "$LAB_DIR/notify.log" 2>/dev/null && break
  sleep 0.1
done
dns64_conf 2001:db8:99::/64 "$DNS64_UNBOUND:53"
LAB_DAEMON_LOG=$LAB_DIR/dns64.log
ip netns exec "$(lab_ns gw)" env NOTIFY_SOCKET="$LAB_DIR/notify.sock" "$SIXFOUR" dns64 --config "$CONF" \
  >"$LAB_DAEMON_LOG" 2>&1 &
DNS64_PID=$!
LAB_DAEMON_PID=$DNS64_PID
lab_wait_port gw udp "$DNS64_ADDR" 53
dig6 h4.example.test AAAA
assert_eq "status" REFUSED "$(dig_status)"

step "SIGHUP with c6 allowed: answered, the counters stay"
dns64_conf 2001:db8:6::/64 "$DNS64_UNBOUND:53"
hup_and_wait "$DNS64_PID" "$LAB_DAEMON_LOG" 1
assert_match "the log says what it took" "reloaded: clients 2001:db8:6::/64; upstream $DNS64_UNBOUND:53" \
  "$(cat "$LAB_DAEMON_LOG")"
dig6 h4.example.test AAAA
assert_eq "status" NOERROR "$(dig_status)"
assert_match "synthesized" "AAAA 2001:db8:64::c633:640a$" "$(dig_answers)"
assert_eq "the refused query still counted" 1 "$(dns64_stat refused)"
assert_eq "both queries counted" 2 "$(dns64_stat udp_queries)"
assert_match "RELOADING=1 then READY=1 told to systemd" "RELOADING=1.*"$'\n'".*READY=1" \
  "$(grep -E 'RELOADING=1|READY=1' "$LAB_DIR/notify.log" | tail -n 2)"

step "SIGHUP with an upstream where nothing answers: SERVFAIL; the cache still answers what it has"
dns64_conf 2001:db8:6::/64 198.51.100.9:53
hup_and_wait "$DNS64_PID" "$LAB_DAEMON_LOG" 2
dig6 two.example.test AAAA
assert_eq "status" SERVFAIL "$(dig_status)"
assert_ge "upstream timeouts" 1 "$(dns64_stat upstream_timeouts)"
dig6 h4.example.test AAAA
assert_eq "h4 from the cache" NOERROR "$(dig_status)"

step "a file that does not validate changes nothing"
dns64_conf 2001:db8:6::/64 "not-an-address"
hup_and_wait "$DNS64_PID" "$LAB_DAEMON_LOG" 3
assert_match "refused, said once" "reload refused, the running configuration stays: " "$(cat "$LAB_DAEMON_LOG")"
kill -0 "$DNS64_PID" || fail "dns64 exited on a bad reload"

step "upstream back, and a setting that waits for the next start"
dns64_conf 2001:db8:6::/64 "$DNS64_UNBOUND:53" "threads = 1"
hup_and_wait "$DNS64_PID" "$LAB_DAEMON_LOG" 4
assert_match "the log says so" "other changed settings take effect at the next start" "$(cat "$LAB_DAEMON_LOG")"
dig6 two.example.test AAAA
assert_eq "status" NOERROR "$(dig_status)"
dns64_stop || fail "dns64 did not exit 0"
echo "ok: dns64 stopped, exit 0"

step "socks: SIGHUP reads the users file again"
socks_hosts gw
h1=$(printf 'pw-one\n' | "$SIXFOUR" socks hash-password)
h2=$(printf 'pw-two\n' | "$SIXFOUR" socks hash-password)
USERS=$LAB_DIR/users.txt
printf 'alice:%s\n' "$h1" >"$USERS"
socks_start gw --listen "[$SOCKS_ADDR]:$SOCKS_PORT" --users "$USERS" --allow 2001:db8:6::/64
# auth USER PASS: the RFC 1929 STATUS byte the proxy answers c6 with.
auth() {
  lab_exec c6 "$LAB_PY" -c '
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=5)
s.sendall(bytes([5, 1, 2]))
assert s.recv(2) == bytes([5, 2])
u, p = sys.argv[3].encode(), sys.argv[4].encode()
s.sendall(bytes([1, len(u)]) + u + bytes([len(p)]) + p)
print(s.recv(2)[1])' "$SOCKS_ADDR" "$SOCKS_PORT" "$1" "$2"
}
assert_eq "alice" 0 "$(auth alice pw-one)"
assert_eq "bob not yet" 1 "$(auth bob pw-two)"
printf 'bob:%s\n' "$h2" >"$USERS"
hup_and_wait "$SOCKS_PID" "$SOCKS_LOG" 1
assert_match "the log" "reloaded: 1 user from $USERS" "$(cat "$SOCKS_LOG")"
assert_eq "bob now" 0 "$(auth bob pw-two)"
assert_eq "alice no more" 1 "$(auth alice pw-one)"
assert_eq "auth.ok across the reload" 2 "$(socks_stat auth.ok)"
printf 'carol $y$nocolon\n' >"$USERS"
hup_and_wait "$SOCKS_PID" "$SOCKS_LOG" 2
assert_match "a broken file is refused" "reload refused, the running users stay: " "$(cat "$SOCKS_LOG")"
assert_eq "bob still" 0 "$(auth bob pw-two)"
socks_stop
echo PASS
