#!/usr/bin/env bash
# traceroute across `sixfour siit` both ways: the gateway is one hop (issue 16: the kernel
# decrements forwarding into the TUN and out of it, the translator gives one back), its Time
# Exceeded comes from the kernel's first step only, and the next hop is the destination.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
# Both with the TUN offloads (the default) and without them: the hop count must not depend on them.
for offload in off auto; do
  lab_siit_start --offload "$offload"
  echo "== --offload $offload"
  errors_before=$(lab_stat icmp_errors_sent)

  step "c6 ($offload): traceroute6 to $LAB_S4_AS6"
  lab_ok "traceroute6 from c6" c6 traceroute -6 -n -q 1 -w 1 -m 8 "$LAB_S4_AS6"
  hops=$(traceroute_hops "$LAB_OUT")
  printf 'answered hops:\n%s\n' "$hops"
  assert_eq "answered hops: the gateway once, then the destination" 2 "$(grep -c . <<<"$hops")"
  assert_eq "first hop (gw)" "1 $LAB_GW6" "$(head -n 1 <<<"$hops")"
  assert_eq "second hop is the destination" "2 $LAB_S4_AS6" "$(sed -n 2p <<<"$hops")"

  step "s4 ($offload): traceroute to $LAB_C6_AS4"
  lab_ok "traceroute from s4" s4 traceroute -4 -n -q 1 -w 1 -m 8 "$LAB_C6_AS4"
  hops=$(traceroute_hops "$LAB_OUT")
  printf 'answered hops:\n%s\n' "$hops"
  assert_eq "answered hops: the gateway once, then the destination" 2 "$(grep -c . <<<"$hops")"
  assert_eq "first hop (gw)" "1 $LAB_GW4" "$(head -n 1 <<<"$hops")"
  assert_eq "second hop is the destination" "2 $LAB_C6_AS4" "$(sed -n 2p <<<"$hops")"

  # Every Time Exceeded came from the kernel's forwarding into the TUN, none from the translator.
  assert_eq "ICMP errors the translator sent itself" 0 $(($(lab_stat icmp_errors_sent) - errors_before))

  [[ $offload == auto ]] || lab_daemon_stop
done

step "c6: a UDP probe with hop limit 2 reaches s4 with TTL 1 (one lost crossing the gateway)"
lab_bg s4 ttl-listen "$LAB_PY" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 12, 1)  # IP_RECVTTL
s.bind(('0.0.0.0', 33999))
s.settimeout(5)
data, anc, flags, addr = s.recvmsg(64, socket.CMSG_SPACE(4))
print('ttl', int.from_bytes(anc[0][2][:4], 'little'), flush=True)
"
sleep 0.3
lab_ok "send with hop limit 2" c6 "$LAB_PY" -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 2)
s.sendto(b'hop', ('$LAB_S4_AS6', 33999))
"
wait "$LAB_PID_ttl_listen" || fail "the server did not receive the probe: $(cat "$LAB_DIR/ttl-listen.log")"
assert_eq "TTL at the server" "ttl 1" "$(cat "$LAB_DIR/ttl-listen.log")"

lab_daemon_stop
echo PASS
