# shellcheck shell=bash disable=SC2034
# Lab helpers for `sixfour gateway`, sourced after tests/lab/lab.sh and tests/lab/dns64.sh:
#
#   c6 2001:db8:6::2 -- eth-c6 gw eth-s4 198.51.100.1 (its only IPv4 address) -- s4 198.51.100.2
#   (resolv.conf: gw's DNS64)    sixfour gateway --inside eth-c6          NSD for example.test
#                                 (resolv.conf: NSD in s4)
#
# `ip netns exec NS` bind-mounts /etc/netns/NS/resolv.conf over /etc/resolv.conf when that file
# exists: that is how gw's "host resolvers" and c6's resolver are set here. gateway_cleanup
# removes those directories (it runs from the EXIT trap before lab_down).

GW_TUN=sixfour0
LAB_TUN=$GW_TUN  # lab_daemon_start / lab_wait_tun watch this device
GW_PREFIX=64:ff9b::/96
GW_S4_AS6=64:ff9b::c633:6402  # 64:ff9b::198.51.100.2
GW_HOST4=198.51.100.1
GW_CTL=
GW_NETNS_DIRS=()
GW_MADE_ETC_NETNS=0

# gateway_resolv NODE NAMESERVER: /etc/resolv.conf as NODE sees it.
gateway_resolv() {
  local dir=/etc/netns/$(lab_ns "$1")
  [[ -d /etc/netns ]] || GW_MADE_ETC_NETNS=1
  mkdir -p "$dir"
  GW_NETNS_DIRS+=("$dir")
  printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$2" >"$dir/resolv.conf"
}

gateway_cleanup() {
  local d
  for d in "${GW_NETNS_DIRS[@]}"; do
    [[ $d == /etc/netns/sf* ]] && rm -rf "$d"
  done
  GW_NETNS_DIRS=()
  # /etc/netns itself only if this run made it and nobody else put anything there since.
  ((GW_MADE_ETC_NETNS)) && { rmdir /etc/netns 2>/dev/null || true; }
  GW_MADE_ETC_NETNS=0
}

# gateway_start [ARGS...]: `sixfour gateway --inside eth-c6 ARGS` in gw; waits for the TUN, the
# route of the prefix and the DNS64 socket.
gateway_start() {
  GW_CTL=$LAB_DIR/gateway.sock
  LAB_WAIT_POOL6=$GW_PREFIX lab_daemon_start gateway --inside eth-c6 --control "$GW_CTL" "$@"
  lab_wait_port gw udp 2001:db8:6::1 53
}

# gateway_table: the nftables table of the gateway in gw ("" when there is none).
gateway_table() { lab_exec gw nft list table inet "sixfour_$GW_TUN" 2>/dev/null || true; }

# gateway_tcp_peer_serve: in s4, a TCP server on 198.51.100.2:7001 that logs "peer ADDR PORT"
# for every connection and answers "hello".
gateway_tcp_peer_serve() {
  lab_bg s4 tcppeer "$LAB_PY" -u -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.51.100.2", 7001))
s.listen(16)
while True:
    c, peer = s.accept()
    print("peer", peer[0], peer[1], flush=True)
    c.sendall(b"hello\n")
    c.close()
'
  lab_wait_port s4 tcp 198.51.100.2 7001
}

# gateway_wait_log ERE: the daemon log gets a line matching ERE within $LAB_WAIT seconds.
gateway_wait_log() {
  local i
  for ((i = 0; i < LAB_WAIT * 10; i++)); do
    grep -qE -- "$1" "$LAB_DAEMON_LOG" 2>/dev/null && { printf 'ok: daemon log matches /%s/\n' "$1"; return 0; }
    sleep 0.1
  done
  fail "daemon log has no line matching /$1/"
}
