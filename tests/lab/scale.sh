# shellcheck shell=bash disable=SC2034,SC2154
# The scale-out lab (docs/scale-out.md), sourced after tests/lab/lab.sh: two `sixfour nat64`
# instances behind a router that spreads the IPv6 clients over them with ECMP, everything learnt
# through FRR (BGP), nothing shared between the instances.
#
#   clients (IPv6 only)            rt (FRR, AS 65000)                    n1, n2 (FRR AS 6500K +
#   2001:db8:c::1..N/64 eth-rt --- eth-clients 2001:db8:c::ffff/64        sixfour nat64 --instance K/2)
#                                  eth-nK 2001:db8:K::1/64, 192.0.2.x --- eth-rt 2001:db8:K::2/64
#                                  ECMP for 2001:db8:64::/96, hashed on       announce 2001:db8:64::/96
#                                  the IPv6 source address only               and their pool4 slice,
#                                  eth-server 198.51.100.1/24 ---+            learnt from the routes the
#                                                                |            daemon adds (redistribute
#   server (IPv4 only) 198.51.100.10/24 eth-rt, HTTP :80 --------+            kernel): no daemon, no route
#
# The instances share one configuration (prefix 2001:db8:64::/96, pool4 203.0.113.0/28, port
# blocks of 256); n1 runs
# `--instance 0/2` (203.0.113.0/29), n2 `--instance 1/2` (203.0.113.8/29). The router hashes on
# the source address (fib_multipath_hash_policy=3, fields 0x1), so every flow of one client meets
# the same instance. Only documentation addresses. Tests: `trap lab_down EXIT`.

LAB_MORE_NODES=(clients rt n1 n2 server)
SCALE_PREFIX=2001:db8:64::/96
SCALE_POOL4=203.0.113.0/28
SCALE_SERVER4=198.51.100.10
SCALE_SERVER6=2001:db8:64::c633:640a  # the server as the clients see it
SCALE_CLIENTS=${SCALE_CLIENTS:-120}
SCALE_BLOCK=${SCALE_BLOCK:-256}  # port-block-size of the instances (RFC 7422 style, logged per block)
FRR=/usr/lib/frr

scale_client_addr() { printf '2001:db8:c::%x' "$1"; }  # client K (1..N)

# scale_lab_up: the namespaces, links, addresses, the router's ECMP settings, FRR on rt, n1 and n2,
# the HTTP server. The NAT64 instances are started by scale_instance_start.
scale_lab_up() {
  [[ -x $FRR/zebra && -x $FRR/bgpd ]] || fail "FRR missing (scripts/setup installs frr)"
  LAB_DIR=${LAB_DIR:-$(mktemp -d "/tmp/sixfour-lab-$LAB_PREFIX.XXXXXX")}
  chmod 755 "$LAB_DIR"
  local n k
  for n in clients rt n1 n2 server; do lab_add_node "$n"; done
  for n in clients n1 n2 server; do lab_link rt "$n"; done
  for n in clients rt n1 n2 server; do
    for k in $(lab_exec "$n" ls /sys/class/net); do [[ $k == lo ]] || lab_up_if "$n" "$k"; done
  done
  lab_exec rt ip -6 addr add 2001:db8:c::ffff/64 dev eth-clients
  for ((k = 1; k <= SCALE_CLIENTS; k++)); do
    lab_exec clients ip -6 addr add "$(scale_client_addr "$k")/64" dev eth-rt
  done
  lab_exec clients ip -6 route add default via 2001:db8:c::ffff
  for k in 1 2; do
    lab_exec rt ip -6 addr add "2001:db8:$k::1/64" dev "eth-n$k"
    lab_exec "n$k" ip -6 addr add "2001:db8:$k::2/64" dev eth-rt
    lab_exec rt ip addr add "192.0.2.$((k * 4 - 3))/30" dev "eth-n$k"
    lab_exec "n$k" ip addr add "192.0.2.$((k * 4 - 2))/30" dev eth-rt
    lab_exec "n$k" ip route add default via "192.0.2.$((k * 4 - 3))"
    lab_exec "n$k" ip -6 route add default via "2001:db8:$k::1"
    lab_sysctl "n$k" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
  done
  lab_exec rt ip addr add 198.51.100.1/24 dev eth-server
  lab_exec server ip addr add "$SCALE_SERVER4/24" dev eth-rt
  lab_exec server ip route add default via 198.51.100.1
  # ECMP on the IPv6 source address alone: one client, one instance (endpoint-independent
  # mapping holds for all of a host's flows).
  lab_sysctl rt net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 \
    net.ipv6.fib_multipath_hash_policy=3 net.ipv6.fib_multipath_hash_fields=0x0001
  scale_frr_config
  for n in rt n1 n2; do scale_frr_start "$n"; done
  mkdir -p "$LAB_DIR/www"
  echo "scale-out lab" >"$LAB_DIR/www/index.html"
  lab_bg server httpd "$LAB_PY" "$LAB_HOME/httpd.py" "$SCALE_SERVER4" 80 "$LAB_DIR/www"
  lab_wait_port server tcp "$SCALE_SERVER4" 80
  # The shared configuration of the instances.
  printf 'prefix = "%s"\npool4 = ["%s"]\nworkers = 1\nport-block-size = %s\n' "$SCALE_PREFIX" "$SCALE_POOL4" \
    "$SCALE_BLOCK" >"$LAB_DIR/nat64.toml"
}

# The FRR configuration of each node (docs/scale-out.md has the same, commented). The router takes
# both instances' routes to the prefix as equal (multipath-relax: their AS numbers differ); each
# instance announces only the prefix and its pool4 slice, and only while the daemon's routes to
# them (through its TUN) exist; it takes no route from the router (it needs only its default).
scale_frr_config() {
  cat >"$LAB_DIR/rt-bgpd.conf" <<'EOF'
frr defaults datacenter
router bgp 65000
 bgp router-id 192.0.2.1
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 bgp bestpath as-path multipath-relax
 timers bgp 1 3
 neighbor 2001:db8:1::2 remote-as 65001
 neighbor 2001:db8:2::2 remote-as 65002
 neighbor 192.0.2.2 remote-as 65001
 neighbor 192.0.2.6 remote-as 65002
 address-family ipv6 unicast
  neighbor 2001:db8:1::2 activate
  neighbor 2001:db8:2::2 activate
  maximum-paths 8
 exit-address-family
 address-family ipv4 unicast
  neighbor 192.0.2.2 activate
  neighbor 192.0.2.6 activate
 exit-address-family
EOF
  local k
  for k in 1 2; do
    cat >"$LAB_DIR/n$k-bgpd.conf" <<EOF
frr defaults datacenter
ipv6 prefix-list NAT64 permit $SCALE_PREFIX
ip prefix-list POOL4 permit $SCALE_POOL4 le 32
route-map NAT64 permit 10
 match ipv6 address prefix-list NAT64
route-map POOL4 permit 10
 match ip address prefix-list POOL4
route-map NOTHING deny 10
router bgp 6500$k
 bgp router-id 192.0.2.$((k * 4 - 2))
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 timers bgp 1 3
 neighbor 2001:db8:$k::1 remote-as 65000
 neighbor 192.0.2.$((k * 4 - 3)) remote-as 65000
 address-family ipv6 unicast
  neighbor 2001:db8:$k::1 activate
  neighbor 2001:db8:$k::1 route-map NOTHING in
  redistribute kernel route-map NAT64
 exit-address-family
 address-family ipv4 unicast
  neighbor 192.0.2.$((k * 4 - 3)) activate
  neighbor 192.0.2.$((k * 4 - 3)) route-map NOTHING in
  redistribute kernel route-map POOL4
 exit-address-family
EOF
  done
}

# scale_frr_start NODE: zebra and bgpd in NODE, every file of theirs in $LAB_DIR.
scale_frr_start() {
  local n=$1 d=$LAB_DIR/$1-frr
  mkdir -p "$d"
  : >"$d/zebra.conf"
  cp "$LAB_DIR/$n-bgpd.conf" "$d/bgpd.conf"
  chown -R frr:frr "$d"
  lab_exec "$n" "$FRR/zebra" -d -f "$d/zebra.conf" -i "$d/zebra.pid" -z "$d/zserv.api" --vty_socket "$d" \
    --log "file:$d/zebra.log" >/dev/null 2>&1 || fail "zebra did not start in $n"
  lab_exec "$n" "$FRR/bgpd" -d -f "$d/bgpd.conf" -i "$d/bgpd.pid" -z "$d/zserv.api" --vty_socket "$d" \
    --log "file:$d/bgpd.log" >/dev/null 2>&1 || fail "bgpd did not start in $n"
}

scale_vtysh() {  # NODE COMMAND
  vtysh --vty_socket "$LAB_DIR/$1-frr" -c "$2"
}

# scale_instance_start K: `sixfour nat64 --instance K-1/2` in nK, with the shared configuration.
scale_instance_start() {
  local k=$1
  ip netns exec "$(lab_ns "n$k")" "$SIXFOUR" nat64 --config "$LAB_DIR/nat64.toml" --instance "$((k - 1))/2" \
    --tun nat64 --control "$LAB_DIR/n$k.sock" >>"$LAB_DIR/n$k-nat64.log" 2>&1 &
  eval "SCALE_PID_$k=$!"
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -S $LAB_DIR/n$k.sock ]] && lab_exec "n$k" ip -6 route show "$SCALE_PREFIX" | grep -q 'dev nat64' && return 0
    sleep 0.1
  done
  cat "$LAB_DIR/n$k-nat64.log" >&2
  fail "nat64 instance $k did not come up"
}

# scale_nexthops: how many instances the router sends the prefix to.
scale_nexthops() {
  lab_exec rt ip -6 route show "$SCALE_PREFIX" | grep -cE 'dev eth-n[12]' || true
}

# scale_wait_nexthops N [SECONDS]: until the router's route to the prefix has N next hops.
scale_wait_nexthops() {
  local want=$1 limit=${2:-30} i
  for ((i = 0; i < limit * 20; i++)); do
    [[ $(scale_nexthops) == "$want" ]] && return 0
    sleep 0.05
  done
  lab_exec rt ip -6 route show "$SCALE_PREFIX" >&2
  scale_vtysh rt "show bgp summary" >&2 || true
  fail "the router's route to $SCALE_PREFIX has $(scale_nexthops) next hops, not $want, after ${limit}s"
}

# scale_fetch K: client K fetches the page through the NAT64 (exit status of curl).
scale_fetch() {
  lab_exec clients curl -s -o /dev/null -m "${2:-3}" --interface "$(scale_client_addr "$1")" \
    "http://[$SCALE_SERVER6]/index.html"
}

# scale_clients_of K: the client addresses instance K holds sessions for, one per line.
scale_clients_of() {
  "$SIXFOUR" nat64 sessions --control "$LAB_DIR/n$1.sock" --json |
    "$LAB_PY" -c 'import json, sys; print("\n".join(sorted({s["addr6"] for s in json.load(sys.stdin)})))'
}

# scale_pool4_of K: the pool4 addresses instance K's sessions use, one per line.
scale_pool4_of() {
  "$SIXFOUR" nat64 sessions --control "$LAB_DIR/n$1.sock" --json |
    "$LAB_PY" -c 'import json, sys; print("\n".join(sorted({s["addr4"] for s in json.load(sys.stdin)})))'
}

# scale_blocks_check K: every session of instance K uses a port of a block its log gave to that
# session's inside address (a "block-add" line), and every such line is for a client it serves.
# Prints "CLIENTS BLOCKS".
scale_blocks_check() {
  "$SIXFOUR" nat64 sessions --control "$LAB_DIR/n$1.sock" --json >"$LAB_DIR/n$1-sessions.json"
  "$LAB_PY" - "$LAB_DIR/n$1-sessions.json" "$LAB_DIR/n$1-nat64.log" <<'PY'
import json, re, sys
sessions = json.load(open(sys.argv[1]))
blocks = {}
for line in open(sys.argv[2]):
    m = re.search(r"block-add inside (\S+) outside (\S+)#(\d+)-(\d+)", line)
    if m:
        blocks.setdefault(m.group(1), []).append((m.group(2), int(m.group(3)), int(m.group(4))))
for s in sessions:
    mine = blocks.get(s["addr6"], [])
    if not any(a == s["addr4"] and lo <= s["port4"] <= hi for a, lo, hi in mine):
        sys.exit(f"{s['addr6']} uses {s['addr4']}#{s['port4']}, outside its blocks {mine}")
clients = {s["addr6"] for s in sessions}
if set(blocks) - clients:
    sys.exit(f"blocks logged for hosts without sessions: {sorted(set(blocks) - clients)}")
print(len(clients), sum(len(v) for v in blocks.values()))
PY
}
