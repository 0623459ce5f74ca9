# shellcheck shell=bash disable=SC2034
# Lab helpers for the TUN offload tests (tests/integration/test_offload_*.sh), sourced after
# tests/lab/lab.sh (and tests/lab/nat64.sh for the NAT64). The same checks run against either
# daemon: OFF_STAT names the function that reads one counter (lab_stat or nat64_stat).

OFF_STAT=${OFF_STAT:-lab_stat}
OFF_MB=${OFF_MB:-8}  # size of the TCP transfers, MiB

# offload_files: $LAB_DIR/www/big.bin ($OFF_MB MiB of random bytes) and its sha256 in $OFF_SHA.
offload_files() {
  mkdir -p "$LAB_DIR/www"
  head -c $((OFF_MB * 1048576)) /dev/urandom >"$LAB_DIR/www/big.bin"
  OFF_SHA=$(sha256sum <"$LAB_DIR/www/big.bin" | cut -d' ' -f1)
  OFF_LEN=$((OFF_MB * 1048576))
}

# offload_servers: the HTTP server (GET files, POST answers sha256 and length) and the UDP echo
# server on s4.
offload_servers() {
  lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$LAB_DIR/www"
  lab_bg s4 udp4 "$LAB_PY" -u "$LAB_HOME/udp.py" serve "$LAB_S4" 7000
  lab_wait_port s4 tcp "$LAB_S4" 80
  lab_wait_port s4 udp "$LAB_S4" 7000
}

OFF_CURL=(-g -sS --max-time 30)

# offload_download WHAT: c6 GETs big.bin from s4 (the data flows s4 -> c6, IPv4 -> IPv6).
offload_download() {
  lab_ok "$1: curl big.bin (s4 -> c6)" c6 curl "${OFF_CURL[@]}" -o "$LAB_DIR/got.bin" \
    -w '%{http_code} %{size_download}\n' "http://[$LAB_S4_AS6]/big.bin"
  assert_eq "$1: HTTP status and size" "200 $OFF_LEN" "$LAB_OUT"
  assert_eq "$1: sha256 of the download" "$OFF_SHA" "$(sha256sum <"$LAB_DIR/got.bin" | cut -d' ' -f1)"
  rm -f "$LAB_DIR/got.bin"
}

# offload_upload WHAT: c6 POSTs big.bin to s4 (c6 -> s4, IPv6 -> IPv4); s4 answers its sha256.
offload_upload() {
  lab_ok "$1: curl upload (c6 -> s4)" c6 curl "${OFF_CURL[@]}" --data-binary "@$LAB_DIR/www/big.bin" \
    -H 'Content-Type: application/octet-stream' "http://[$LAB_S4_AS6]/upload"
  assert_eq "$1: sha256 and length seen by s4" "$OFF_SHA $OFF_LEN" "$LAB_OUT"
}

# offload_udp_gso WHAT COUNT SIZE: c6 sends COUNT datagrams of SIZE bytes in one send() with
# UDP_SEGMENT (one UDP GSO super-packet leaves the socket), the echo server returns each; every
# datagram must come back intact. Prints "got N of COUNT".
offload_udp_gso() {
  lab_ok "$1: $2 x $3-byte UDP datagrams sent as one GSO send" c6 "$LAB_PY" -c '
import socket, sys
addr, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((addr, 7000))
chunks = [bytes([65 + i % 26]) * size for i in range(count)]
s.setsockopt(socket.IPPROTO_UDP, 103, size)  # UDP_SEGMENT
s.send(b"".join(chunks))
got = set()
try:
    while len(got) < count:
        d = s.recv(65535)
        if d in chunks:
            got.add(chunks.index(d))
except socket.timeout:
    pass
print(f"got {len(got)} of {count}")
sys.exit(0 if len(got) == count else 1)
' "$LAB_S4_AS6" "$2" "$3"
}

# offload_udp_stream WHAT COUNT: c6 sends COUNT numbered datagrams in bursts of 16, in runs of
# equal sizes each closed by a shorter one (the shape of a UDP GSO train, so that the translator
# coalesces them both ways: xlat/udp_coalescer.hpp), the echo server returns each; every datagram
# must come back, intact. The order is printed, not asserted: the lab's kernel may reorder on its
# own (a sending thread that moves to the other CPU mid-burst feeds the other CPU's backlog; a
# flow's first packets can reach the other TUN queue), with offloads off as well.
offload_udp_stream() {
  lab_ok "$1: $2 numbered UDP datagrams in bursts, all echoed intact" c6 "$LAB_PY" -c '
import random, socket, sys, threading, time
addr, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(7915)
sizes = []
while len(sizes) < count:
    size = rng.randint(8, 1400)
    sizes += [size] * rng.randint(1, 24) + [rng.randint(4, size)]
msgs = [i.to_bytes(4, "big") + rng.randbytes(n - 4) for i, n in enumerate(sizes[:count])]
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
s.settimeout(3)
s.connect((addr, 7000))
def sender():
    for i in range(0, count, 16):
        for m in msgs[i:i + 16]:
            s.send(m)
        time.sleep(0.003)
threading.Thread(target=sender, daemon=True).start()
got = []
try:
    while len(got) < count:
        got.append(s.recv(65535))
except socket.timeout:
    pass
intact = len({g[:4] for g in got if len(g) >= 4 and int.from_bytes(g[:4], "big") < count and msgs[int.from_bytes(g[:4], "big")] == g})
print(f"got {len(got)} of {count}, intact {intact}; in order: {got == msgs}")
sys.exit(0 if len(got) == count and intact == count else 1)
' "$LAB_S4_AS6" "$2"
  assert_match "$1: datagrams echoed intact" "^got $2 of $2, intact $2;" "$LAB_OUT"
}

# offload_basic WHAT: ping, UDP echo (small and 1400 bytes), a UDP GSO burst, TCP both ways.
offload_basic() {
  local what=$1 size
  lab_ok "$what: ping from c6" c6 ping -n -c 3 -i 0.2 -W 2 "$LAB_S4_AS6"
  assert_eq "$what: echo replies" 3 "$(ping_received "$LAB_OUT")"
  for size in 1 1400; do
    lab_ok "$what: UDP echo of $size bytes" c6 "$LAB_PY" "$LAB_HOME/udp.py" send "$LAB_S4_AS6" 7000 "$size"
    assert_match "$what: echo ($size bytes)" "sent=$size recv=$size match=yes" "$LAB_OUT"
  done
  offload_udp_gso "$what" 20 1200
  offload_udp_stream "$what" 400
  offload_download "$what"
  offload_upload "$what"
}

# offload_expect_on: the stats say offloads are on and super-packets crossed whole.
offload_expect_on() {
  local stats
  stats=$(offload_stats)
  assert_match "offloads in stats" '^csum,tso4,tso6' "$(offload_names)"
  assert_gt "super-packets translated whole" 0 "$("$OFF_STAT" super_packets "$stats")"
  # The 20 segments of offload_udp_gso's burst are split in software (1228 bytes as IPv4 want
  # DF=0) and translated in one go: they leave as a UDP GSO train where the kernel knows USO.
  if [[ $(offload_names) == *uso4* ]]; then
    assert_gt "UDP trains written" 0 "$("$OFF_STAT" udp_trains "$stats")"
    assert_ge "datagrams in trains" 20 "$("$OFF_STAT" udp_coalesced "$stats")"
  fi
  assert_eq "offload-malformed drops" 0 "$("$OFF_STAT" drops.offload-malformed "$stats")"
  assert_eq "write errors" 0 "$("$OFF_STAT" write_errors "$stats")"
}

# offload_expect_off: no virtio-net header, so no offload counter moved.
offload_expect_off() {
  local stats c
  stats=$(offload_stats)
  assert_eq "offloads in stats" none "$(offload_names)"
  for c in super_packets segmented csum_finished udp_trains drops.offload-malformed write_errors; do
    assert_eq "$c" 0 "$("$OFF_STAT" "$c" "$stats")"
  done
}

# offload_expect_fast: offload_basic's traffic went through the eBPF fast path (its TCP as
# super-packets translated in the kernel, hundreds of them, and the UDP after each flow's first
# packets), at the uplinks' ingress or, for what an uplink passes on, the TUN's egress.
offload_expect_fast() {
  local stats tun uplinks
  stats=$(offload_stats)
  # Read into variables first: a failed read inside $((...)) would be a syntax error, which skips
  # the rest of this function without stopping the test.
  tun=$("$OFF_STAT" fast_path.counters.hit "$stats")
  uplinks=$("$OFF_STAT" fast_path.counters.hit_uplink "$stats")
  assert_gt "translated by the fast path" 1000 $((tun + uplinks))
  assert_eq "fast path helper drops" 0 "$("$OFF_STAT" fast_path.counters.helper_drop "$stats")"
  assert_eq "offload-malformed drops" 0 "$("$OFF_STAT" drops.offload-malformed "$stats")"
  assert_eq "write errors" 0 "$("$OFF_STAT" write_errors "$stats")"
}

offload_stats() {
  if [[ $OFF_STAT == nat64_stat ]]; then nat64_stats; else lab_stats; fi
}

# The "offloads" string of the stats JSON (flatjson.py keeps only numbers).
offload_names() {
  local json
  if [[ $OFF_STAT == nat64_stat ]]; then json=$(nat64_query stats)
  else json=$(lab_exec gw "$SIXFOUR" siit stats --json --control "$LAB_CTL"); fi
  "$LAB_PY" -c 'import json, sys; print(json.load(sys.stdin)["offloads"])' <<<"$json"
}

# offload_pmtud: path MTU discovery with offloads on. $OFF_C6_AS4 is the address s4 sees c6 as
# (the EAM address for SIIT, the pool4 address for the NAT64).
#  1. c6 -> s4 over a 1400-byte IPv4 link: c6's super-packets cross the translator whole, the gw
#     kernel refuses to forward their 1480-byte segments and sends Fragmentation Needed (1400) back
#     into the TUN, which arrives at c6 as Packet Too Big (1420); the upload completes.
#  2. c6 sends 1280-byte packets (route mtu 1280): their 1260-byte IPv4 translations take DF=0
#     (RFC 7915 §5.1), which one super-packet cannot say, so the translator splits them.
#  3. s4 -> c6 over a 1400-byte IPv6 link: Packet Too Big (1400) -> Fragmentation Needed (1380).
offload_pmtud() {
  local before
  step "PMTUD with offloads: c6 -> s4 over a 1400-byte IPv4 link"
  lab_link_mtu gw s4 1400
  # s4 advertises an MSS its own link cannot carry, so c6's full-size segments hit the narrow link.
  lab_exec s4 ip route add "$OFF_C6_AS4" via "$LAB_GW4" dev eth-gw advmss 1460
  lab_exec c6 ip -6 route flush cache
  offload_upload "1400-byte IPv4 link"
  lab_ok "c6 route to s4" c6 ip -6 route get "$LAB_S4_AS6"
  assert_match "c6 learned the path MTU from a translated Fragmentation Needed" ' mtu 1420 ' "$LAB_OUT "
  lab_exec s4 ip route del "$OFF_C6_AS4"
  lab_link_mtu gw s4 1500

  step "c6 -> s4 with 1280-byte IPv6 packets: translated DF=0, super-packets split in software"
  before=$("$OFF_STAT" segmented)
  lab_exec c6 ip -6 route replace default via "$LAB_GW6" dev eth-gw mtu 1280
  lab_exec c6 ip -6 route flush cache
  offload_upload "route mtu 1280"
  assert_gt "super-packets split in software" "$before" "$("$OFF_STAT" segmented)"
  lab_exec c6 ip -6 route replace default via "$LAB_GW6" dev eth-gw

  step "PMTUD with offloads: s4 -> c6 over a 1400-byte IPv6 link"
  lab_link_mtu c6 gw 1400
  lab_exec c6 ip -6 route replace default via "$LAB_GW6" dev eth-gw advmss 1440
  lab_exec c6 ip -6 route flush cache
  lab_exec s4 ip route flush cache
  offload_download "1400-byte IPv6 link"
  lab_ok "s4 route to c6" s4 ip route get "$OFF_C6_AS4"
  assert_match "s4 learned the path MTU from a translated Packet Too Big" ' mtu 1380 ' "$LAB_OUT "
  lab_exec c6 ip -6 route replace default via "$LAB_GW6" dev eth-gw
  lab_link_mtu c6 gw 1500
  # The path MTUs learnt here would outlive the daemon: s4 would fragment the next test's large
  # replies (its UDP echo sends with DF=0), and fragments take another path through a translator.
  lab_exec s4 ip route flush cache
  lab_exec c6 ip -6 route flush cache
}
