# shellcheck shell=bash disable=SC2034
# Lab helpers for `sixfour dns64`, sourced after tests/lab/lab.sh (after lab_up):
#
#   c6 (client, dig)  --  gw (sixfour dns64 on [2001:db8:6::1]:53)  --  s4:
#                                                                 198.51.100.2 NSD (authoritative)
#                                                                 198.51.100.3 Unbound (recursive,
#                                                                 iterator only, no dns64 module)
#
# NSD and Unbound run only inside the lab namespaces, in the foreground, with every file (configs,
# zones, pid files) in $LAB_DIR; no chroot, no user switch, no control socket.

DNS64_ADDR=2001:db8:6::1
DNS64_PREFIX=2001:db8:64::/96
DNS64_NSD=198.51.100.2
DNS64_UNBOUND=198.51.100.3
DNS64_CTL=
DNS64_PID=

# Test zones. TTLs are chosen so each rule's TTL is visible: A records 300 s, negative caching
# 120 s (SOA MINIMUM), so a synthesized record shows min(300, 120) = 120 (RFC 6147 §5.1.7).
dns64_write_zones() {
  cat >"$LAB_DIR/example.test.zone" <<'ZONE'
$ORIGIN example.test.
$TTL 300
@        3600 IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 120
@             IN NS  ns.example.test.
ns            IN A   198.51.100.2
h4            IN A   198.51.100.10
two           IN A   198.51.100.11
two           IN A   198.51.100.12
dual          IN A   198.51.100.13
dual          IN AAAA 2001:db8:5::13
mapped        IN AAAA ::ffff:198.51.100.14
mapped        IN A   198.51.100.14
excl          IN AAAA 2001:db8:bad::1
excl          IN A   198.51.100.15
half          IN AAAA 2001:db8:bad::2
half          IN AAAA 2001:db8:5::16
half          IN A   198.51.100.16
alias         IN CNAME h4.example.test.
alias2        IN CNAME alias.example.test.
txtonly       IN TXT "no addresses here"
short    5    IN A   198.51.100.17
ZONE
  {
    for i in $(seq 1 60); do printf 'big IN A 203.0.113.%d\n' "$i"; done
    # Names for the benchmark's cache-miss pass: each is a fresh A-only name.
    for i in $(seq 1 "${DNS64_BENCH_NAMES:-0}"); do printf 'b%d IN A 203.0.113.%d\n' "$i" $((i % 250 + 1)); done
  } >>"$LAB_DIR/example.test.zone"
  cat >"$LAB_DIR/100.51.198.in-addr.arpa.zone" <<'ZONE'
$ORIGIN 100.51.198.in-addr.arpa.
$TTL 300
@   3600 IN SOA ns.example.test. admin.example.test. 1 3600 600 86400 120
@        IN NS  ns.example.test.
10       IN PTR h4.example.test.
ZONE
}

dns64_nsd_start() {
  dns64_write_zones
  cat >"$LAB_DIR/nsd.conf" <<EOF2
server:
  ip-address: $DNS64_NSD
  port: 53
  username: ""
  chroot: ""
  zonesdir: "$LAB_DIR"
  database: ""
  zonelistfile: "$LAB_DIR/nsd.zonelist"
  xfrdfile: "$LAB_DIR/nsd.xfrd.state"
  xfrdir: "$LAB_DIR"
  pidfile: "$LAB_DIR/nsd.pid"
  logfile: "$LAB_DIR/nsd.errors"
  server-count: 1
  hide-version: yes
  verbosity: 1
remote-control:
  control-enable: no
zone:
  name: "example.test"
  zonefile: "$LAB_DIR/example.test.zone"
zone:
  name: "100.51.198.in-addr.arpa"
  zonefile: "$LAB_DIR/100.51.198.in-addr.arpa.zone"
EOF2
  lab_bg s4 nsd nsd -d -c "$LAB_DIR/nsd.conf"
  lab_wait_port s4 udp "$DNS64_NSD" 53
}

# dns64_unbound_start NAME NODE ADDR [EXTRA-SERVER-LINES]: a recursive Unbound in NODE on ADDR:53
# that reaches the test zones through stub zones to NSD.
dns64_unbound_start() {
  local name=$1 node=$2 addr=$3 extra=${4:-}
  cat >"$LAB_DIR/$name.conf" <<EOF2
server:
  interface: $addr
  port: 53
  username: ""
  chroot: ""
  directory: "$LAB_DIR"
  pidfile: "$LAB_DIR/$name.pid"
  use-syslog: no
  logfile: ""
  verbosity: 0
  num-threads: 1
  access-control: 0.0.0.0/0 allow
  access-control: ::/0 allow
  do-not-query-localhost: no
  module-config: "iterator"
  local-zone: "test." nodefault
  local-zone: "100.51.198.in-addr.arpa." nodefault
  domain-insecure: "example.test"
  domain-insecure: "100.51.198.in-addr.arpa"
$extra
remote-control:
  control-enable: no
stub-zone:
  name: "example.test"
  stub-addr: $DNS64_NSD
stub-zone:
  name: "100.51.198.in-addr.arpa"
  stub-addr: $DNS64_NSD
EOF2
  lab_bg "$node" "$name" unbound -d -c "$LAB_DIR/$name.conf"
  lab_wait_port "$node" udp "$addr" 53
}

# The upstream of the tests: NSD and a plain recursive Unbound in s4.
dns64_upstream_up() {
  ip -n "$(lab_ns s4)" addr add "$DNS64_UNBOUND/24" dev eth-gw
  dns64_nsd_start
  dns64_unbound_start unbound s4 "$DNS64_UNBOUND"
}

# dns64_start [EXTRA...]: sixfour dns64 in gw for the c6 client, upstream the Unbound in s4.
dns64_start() {
  [[ -x ${SIXFOUR:-} ]] || fail "SIXFOUR='${SIXFOUR:-}' is not an executable"
  DNS64_CTL=$LAB_DIR/dns64.sock
  LAB_DAEMON_LOG=$LAB_DIR/dns64.log
  local args=(dns64 --listen "[$DNS64_ADDR]:53" --upstream "$DNS64_UNBOUND:53"
    --prefix "$DNS64_PREFIX" --allow 2001:db8:6::/64 --control "$DNS64_CTL" "$@")
  printf '+ [gw] %s %s &\n' "$SIXFOUR" "${args[*]}"
  ip netns exec "$(lab_ns gw)" "$SIXFOUR" "${args[@]}" >"$LAB_DAEMON_LOG" 2>&1 &
  DNS64_PID=$!
  LAB_DAEMON_PID=$DNS64_PID
  lab_wait_port gw udp "$DNS64_ADDR" 53
}

dns64_stop() {
  [[ -n $DNS64_PID ]] || return 0
  kill -TERM "$DNS64_PID" 2>/dev/null || true
  local rc=0
  wait "$DNS64_PID" || rc=$?
  DNS64_PID=
  LAB_DAEMON_PID=
  return "$rc"
}

# dig6 ARGS...: dig from c6 to sixfour dns64; leaves the output in $LAB_OUT.
dig6() {
  lab_run c6 dig @"$DNS64_ADDR" +time=3 +tries=1 "$@"
}

# Answer-section lines of the last dig as "NAME TTL TYPE DATA" without the class.
dig_answers() { awk '/^;; ANSWER SECTION:/{a=1;next} /^$/{a=0} a && !/^;/{print $1, $2, $4, $5}' <<<"$LAB_OUT"; }
dig_status() { sed -nE 's/.*status: ([A-Z]+).*/\1/p' <<<"$LAB_OUT" | head -n 1; }
dig_flags() { sed -nE 's/.*;; flags: ([a-z ]*);.*/\1/p' <<<"$LAB_OUT" | head -n 1; }

dns64_stat() {  # KEY: one counter from the control socket
  lab_exec gw "$SIXFOUR" dns64 stats --json --control "$DNS64_CTL" |
    "$LAB_PY" -c 'import json,sys; d=json.load(sys.stdin); k=sys.argv[1].split("."); v=d
for p in k: v=v[p]
print(v)' "$1"
}
