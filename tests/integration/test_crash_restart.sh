#!/usr/bin/env bash
# kill -9 of a busy daemon, then the same command again (issue 17, docs/hardening.md "Soak and
# faults"): `sixfour nat64` with a TCP transfer and a ping flow running through its eBPF fast path
# at the uplinks, `sixfour dns64` answering a query loop, `sixfour socks` relaying a download. Each
# must start again, take over what the killed one left (the uplinks' tc filters, the control
# socket file), and serve; the time from the new start to the first answer is printed.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
# shellcheck source=../lab/nat64.sh
source "$(dirname "$0")/../lab/nat64.sh"
# shellcheck source=../lab/dns64.sh
source "$(dirname "$0")/../lab/dns64.sh"
trap lab_down EXIT

lab_up
dns64_upstream_up
www=$LAB_DIR/www
mkdir -p "$www"
head -c 67108864 /dev/zero >"$www/big.bin"
printf 'hello\n' >"$www/hello.txt"
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_wait_port s4 tcp "$LAB_S4" 80

# kill9: SIGKILL to the daemon, reaped.
kill9() {
  kill -KILL "$LAB_DAEMON_PID"
  wait "$LAB_DAEMON_PID" 2>/dev/null || true
  LAB_DAEMON_PID=
}
# until_ok WHAT NODE CMD...: runs CMD in NODE every 0.1 s until it succeeds (10 s at most); prints
# how long that took in milliseconds.
until_ok() {
  local what=$1 node=$2 t0 i
  shift 2
  t0=$(date +%s%N)
  for ((i = 0; i < 100; i++)); do
    if lab_exec "$node" "$@" >/dev/null 2>&1; then
      printf '%s: serving %d ms after the restart\n' "$what" $((($(date +%s%N) - t0) / 1000000))
      return 0
    fi
    sleep 0.1
  done
  fail "$what: not serving 10 s after the restart"
}
uplink_filters() { tc -n "$(lab_ns gw)" filter show dev "$1" ingress 2>/dev/null | grep -c 'nat64_uplink' || true; }

step "nat64: kill -9 during a download and a ping flow, then start again"
nat64_start
lab_ok "first ping" c6 ping -n -c 5 -i 0.1 -W 2 "$LAB_S4_AS6"
lab_bg c6 download curl -sS --max-time 20 --limit-rate 20M -o /dev/null "http://[$LAB_S4_AS6]/big.bin"
lab_bg c6 pingflow ping -n -i 0.05 -c 40 "$LAB_S4_AS6"
sleep 1
kill9
assert_eq "uplink filter left on eth-c6 by the killed daemon" 1 "$(uplink_filters eth-c6)"
nat64_start
until_ok "nat64" c6 ping -n -c 1 -W 1 "$LAB_S4_AS6"
assert_eq "uplink filters on eth-c6 (replaced, not added)" 1 "$(uplink_filters eth-c6)"
assert_eq "uplink filters on eth-s4" 1 "$(uplink_filters eth-s4)"
lab_ok "a new connection through the new daemon" c6 curl -sS --max-time 5 "http://[$LAB_S4_AS6]/hello.txt"
assert_eq "body" "hello" "$LAB_OUT"
wait "$LAB_PID_download" "$LAB_PID_pingflow" 2>/dev/null || true
lab_daemon_stop
assert_eq "uplink filters after SIGTERM" 0 "$(uplink_filters eth-c6)"

step "dns64: kill -9 during a query loop, then start again"
dns64_start
dig6 AAAA h4.example.test
assert_eq "answer before" "NOERROR" "$(dig_status)"
lab_bg c6 digloop bash -c "for i in \$(seq 200); do dig @$DNS64_ADDR +time=1 +tries=1 AAAA h4.example.test >/dev/null; done"
sleep 1
kill9
DNS64_PID=
assert_eq "control socket file left by the killed daemon" yes "$([[ -S $DNS64_CTL ]] && echo yes || echo no)"
dns64_start
until_ok "dns64" c6 dig @"$DNS64_ADDR" +time=1 +tries=1 AAAA h4.example.test
dig6 AAAA h4.example.test
assert_eq "answer after" "NOERROR" "$(dig_status)"
lab_ok "stats through the new control socket" gw "$SIXFOUR" dns64 stats --control "$DNS64_CTL"
kill "$LAB_PID_digloop" 2>/dev/null || true
dns64_stop

step "socks: kill -9 during a relayed download, then start again"
P="[$LAB_GW6]:1080"
ctl=$LAB_DIR/socks.sock
start_socks() {
  LAB_DAEMON_LOG=$LAB_DIR/socks.log
  ip netns exec "$(lab_ns gw)" "$SIXFOUR" socks --listen "$P" --allow 2001:db8:6::/64 --control "$ctl" \
    >"$LAB_DAEMON_LOG" 2>&1 &
  LAB_DAEMON_PID=$!
}
start_socks
until_ok "socks (first start)" c6 curl -sS --max-time 2 --socks5 "$P" "http://$LAB_S4/hello.txt"
lab_bg c6 relayed curl -sS --max-time 20 --limit-rate 20M --socks5 "$P" -o /dev/null "http://$LAB_S4/big.bin"
sleep 1
kill9
start_socks
until_ok "socks" c6 curl -sS --max-time 2 --socks5 "$P" "http://$LAB_S4/hello.txt"
wait "$LAB_PID_relayed" 2>/dev/null || true
lab_ok "socks stats" gw "$SIXFOUR" socks stats --control "$ctl"
lab_daemon_stop
echo "PASS"
