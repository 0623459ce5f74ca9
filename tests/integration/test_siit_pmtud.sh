#!/usr/bin/env bash
# Path MTU discovery across `sixfour siit` (RFC 7915 §4.2 / §5.2): a link narrower than both
# endpoints think turns into ICMPv4 Fragmentation Needed <-> ICMPv6 Packet Too Big with the MTU
# adjusted by the 20-byte header difference, and large transfers still complete; the translator's
# own Fragmentation Needed comes from the host's address with --icmp-source host.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
www=$LAB_DIR/www
mkdir -p "$www"
head -c 1048576 /dev/urandom >"$www/big.bin"
want=$(sha256sum <"$www/big.bin" | cut -d' ' -f1)

lab_siit_start
lab_bg s4 httpd4 "$LAB_PY" "$LAB_HOME/httpd.py" "$LAB_S4" 80 "$www"
lab_wait_port s4 tcp "$LAB_S4" 80
curl_opts=(-g -sS --max-time 30)

# --- IPv6 sender, narrow IPv4 link: Fragmentation Needed (1400) -> Packet Too Big (1420).
lab_link_mtu gw s4 1400
# s4 advertises a TCP MSS its own link cannot carry, so the client's full-size segments hit the
# 1400-byte link and only PMTUD can rescue the upload.
lab_exec s4 ip route add 192.0.2.0/24 via "$LAB_GW4" dev eth-gw advmss 1460

step "c6 -> s4 over a 1400-byte IPv4 link: POST 1 MiB"
lab_ok "curl upload from c6" c6 curl "${curl_opts[@]}" --data-binary "@$www/big.bin" \
  -H 'Content-Type: application/octet-stream' "http://[$LAB_S4_AS6]/upload"
assert_eq "sha256 and length seen by s4" "$want 1048576" "$LAB_OUT"
lab_ok "c6 route to s4" c6 ip -6 route get "$LAB_S4_AS6"
assert_match "c6 learned the path MTU from a translated Packet Too Big" ' mtu 1420 ' "$LAB_OUT "

step "c6 -> s4: ping -Mdo -s 1400 gets Packet Too Big, mtu 1420"
lab_exec c6 ip -6 route flush cache
lab_run c6 ping -n -c 2 -i 0.3 -W 1 -Mdo -s 1400 "$LAB_S4_AS6" || true
assert_match "ping reports the translated MTU" 'mtu[=:] ?1420' "$LAB_OUT"
step "c6 -> s4: the largest echo that fits the learned 1420 (1372 bytes of payload) gets through"
lab_ok "ping -s 1372 from c6" c6 ping -n -c 3 -i 0.2 -W 2 -Mdo -s 1372 "$LAB_S4_AS6"
assert_eq "replies to 1420-byte IPv6 echo requests (1400 bytes in IPv4)" 3 "$(ping_received "$LAB_OUT")"
# Larger echoes now leave c6 as IPv6 fragments; fragmented ICMP is not translated (RFC 7915 §1.3).
before=$(lab_stat drops.fragmented-icmp)
lab_run c6 ping -n -c 1 -W 1 -s 1400 "$LAB_S4_AS6" || true
assert_gt "fragmented ICMPv6 dropped by the translator" "$before" "$(lab_stat drops.fragmented-icmp)"

lab_exec s4 ip route del 192.0.2.0/24
lab_link_mtu gw s4 1500

# --- IPv4 sender, narrow IPv6 link: Packet Too Big (1400) -> Fragmentation Needed (1380).
lab_link_mtu c6 gw 1400
# Same trick on the client: it advertises an MSS its own link cannot carry.
lab_exec c6 ip -6 route replace default via "$LAB_GW6" dev eth-gw advmss 1440
lab_exec c6 ip -6 route flush cache

step "s4 -> c6 over a 1400-byte IPv6 link: c6 downloads 1 MiB"
lab_ok "curl download from c6" c6 curl "${curl_opts[@]}" -o "$LAB_DIR/got.bin" \
  -w '%{http_code} %{size_download}\n' "http://[$LAB_S4_AS6]/big.bin"
assert_eq "HTTP status and size" "200 1048576" "$LAB_OUT"
assert_eq "sha256 of the download" "$want" "$(sha256sum <"$LAB_DIR/got.bin" | cut -d' ' -f1)"
lab_ok "s4 route to c6" s4 ip route get "$LAB_C6_AS4"
assert_match "s4 learned the path MTU from a translated Fragmentation Needed" ' mtu 1380 ' "$LAB_OUT "

step "s4 -> c6: ping -Mdo -s 1400 gets Fragmentation Needed, mtu 1380"
lab_exec s4 ip route flush cache
lab_run s4 ping -n -c 2 -i 0.3 -W 1 -Mdo -s 1400 "$LAB_C6_AS4" || true
assert_match "ping reports the translated MTU" 'mtu ?[=:]? ?1380' "$LAB_OUT"
step "s4 -> c6: the largest echo that fits the learned 1380 (1352 bytes of payload) gets through"
lab_ok "ping -s 1352 from s4" s4 ping -n -c 3 -i 0.2 -W 2 -Mdo -s 1352 "$LAB_C6_AS4"
assert_eq "replies to 1380-byte IPv4 echo requests (1400 bytes in IPv6)" 3 "$(ping_received "$LAB_OUT")"

lab_daemon_stop

# --- The translator's own Fragmentation Needed, from the host's address (--icmp-source host).
step "--mtu 1400 --icmp-source host: s4's DF=1 1400-byte echo -> Fragmentation Needed 1380 from $LAB_GW4"
lab_exec gw ip route add default via "$LAB_S4" dev eth-s4
lab_exec s4 ip route flush cache
lab_siit_start --mtu 1400 --icmp-source host
assert_match "start line names the source" \
  "own ICMP errors from $LAB_GW4 and 2001:db8:64::c633:6401 \(icmp-source host: eth-s4\)" "$(cat "$LAB_DAEMON_LOG")"
lab_run s4 ping -n -c 1 -W 1 -Mdo -s 1372 "$LAB_C6_AS4" || true
assert_match "ping: Fragmentation Needed from the host's address" "From $LAB_GW4 .*mtu ?[=:]? ?1380" "$LAB_OUT"
lab_daemon_stop
echo PASS
