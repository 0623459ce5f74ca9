#!/usr/bin/env bash
# RFC 4884 multi-part ICMP errors across `sixfour siit` (issue 16 item 2), real packets both ways: a
# Time Exceeded with an MPLS label stack (RFC 4950) sent from s4 reaches c6 as an ICMPv6 Time
# Exceeded whose length attribute counts 64-bit words, the original datagram padded to 64 bits, the
# extension after it unchanged; a Destination Unreachable with the same extension sent from c6
# reaches s4 with the length in 32-bit words. The byte-level rules are in tests/unit
# icmp_extensions_test.cpp; this checks the path through the kernel, the TUN and the daemon.
set -euo pipefail
SIXFOUR=$(realpath "${1:?usage: $0 /path/to/sixfour}")  # used by tests/lab/lab.sh
export SIXFOUR
# shellcheck source=../lab/lab.sh
source "$(dirname "$0")/../lab/lab.sh"
trap lab_down EXIT

lab_up
lab_siit_start

# Shared by the senders: the RFC 4950 MPLS object (label 16018, S, TTL 1) in an RFC 4884 extension
# structure (version 2, checksum over the structure).
PY_EXT='
import socket, struct
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
obj = struct.pack("!HBB", 8, 1, 1) + bytes([0x03, 0xe9, 0x21, 0x01])
ext = bytearray(b"\x20\x00\x00\x00" + obj)
ext[2:4] = struct.pack("!H", csum(bytes(ext)))
ext = bytes(ext)
'

step "s4 -> c6: ICMPv4 Time Exceeded, length 32 words, MPLS extension"
lab_bg c6 rx6 "$LAB_PY" -c "
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.settimeout(5)
while True:
    m, a = s.recvfrom(2048)
    if m[0] == 3:
        print(m.hex(), flush=True)
        break
"
sleep 0.3
lab_ok "send the ICMPv4 error from s4" s4 "$LAB_PY" -c "$PY_EXT
# The datagram c6 would have sent (192.0.2.2:40000 -> 198.51.100.2:33434, 100 data octets) as a
# router quotes it: 128 octets exactly.
udp = struct.pack('!HHHH', 40000, 33434, 108, 0) + bytes(range(100))
ip = bytearray(struct.pack('!BBHHHBBH4s4s', 0x45, 0, 128, 0x5151, 0, 1, 17, 0,
                           socket.inet_aton('$LAB_C6_AS4'), socket.inet_aton('$LAB_S4')))
ip[10:12] = struct.pack('!H', csum(bytes(ip)))
body = bytes(ip) + udp + ext
icmp = bytearray(struct.pack('!BBHBBH', 11, 0, 0, 0, 32, 0) + body)
icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(bytes(icmp), ('$LAB_C6_AS4', 0))
"
wait "$LAB_PID_rx6" || fail "c6 received no ICMPv6 Time Exceeded: $(cat "$LAB_DIR/rx6.log")"
lab_ok "check the ICMPv6 error at c6" c6 "$LAB_PY" -c "$PY_EXT
m = bytes.fromhex(open('$LAB_DIR/rx6.log').read().strip())
assert m[0] == 3 and m[1] == 0, m[:2].hex()
assert m[4] == 19, 'length attribute %d, want 19 (148 octets padded to 152)' % m[4]
assert len(m) == 8 + 152 + len(ext), len(m)
inner = m[8:8 + 152]
assert inner[0] >> 4 == 6 and inner[6] == 17
assert socket.inet_ntop(socket.AF_INET6, inner[8:24]) == '$LAB_C6', 'inner source'
assert socket.inet_ntop(socket.AF_INET6, inner[24:40]) == '$LAB_S4_AS6', 'inner destination'
assert inner[40:42] == struct.pack('!H', 40000) and inner[48:148] == bytes(range(100))
assert inner[148:] == bytes(4), 'padding'
assert m[160:] == ext, 'extension'
print('ok')
"

step "c6 -> s4: ICMPv6 Destination Unreachable (port), length 16 words, MPLS extension"
lab_bg s4 rx4 "$LAB_PY" -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(5)
while True:
    p, a = s.recvfrom(2048)
    m = p[(p[0] & 15) * 4:]
    if m[0] == 3:
        print(m.hex(), flush=True)
        break
"
sleep 0.3
lab_ok "send the ICMPv6 error from c6" c6 "$LAB_PY" -c "$PY_EXT
# The datagram s4 would have sent ($LAB_S4_AS6:53 -> $LAB_C6:40000, 80 data octets), 128 octets.
udp = struct.pack('!HHHH', 53, 40000, 88, 0x1234) + bytes(range(80))
ip6 = struct.pack('!IHBB', 6 << 28, len(udp), 17, 7) + socket.inet_pton(socket.AF_INET6, '$LAB_S4_AS6') \
    + socket.inet_pton(socket.AF_INET6, '$LAB_C6')
icmp = struct.pack('!BBHBBH', 1, 4, 0, 16, 0, 0) + ip6 + udp + ext
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)  # the kernel sums it
s.sendto(icmp, ('$LAB_S4_AS6', 0))
"
wait "$LAB_PID_rx4" || fail "s4 received no ICMPv4 Destination Unreachable: $(cat "$LAB_DIR/rx4.log")"
lab_ok "check the ICMPv4 error at s4" s4 "$LAB_PY" -c "$PY_EXT
m = bytes.fromhex(open('$LAB_DIR/rx4.log').read().strip())
assert m[0] == 3 and m[1] == 3, m[:2].hex()
assert csum(m) == 0, 'ICMPv4 checksum'
assert m[5] == 32, 'length attribute %d, want 32 (108 octets padded to 128)' % m[5]
assert len(m) == 8 + 128 + len(ext), len(m)
inner = m[8:8 + 128]
assert inner[0] == 0x45 and inner[9] == 17 and inner[8] == 7
assert socket.inet_ntoa(inner[12:16]) == '$LAB_S4' and socket.inet_ntoa(inner[16:20]) == '$LAB_C6_AS4'
assert inner[28:108] == bytes(range(80)) and inner[108:] == bytes(20), 'data and padding'
assert m[136:] == ext, 'extension'
print('ok')
"

lab_daemon_stop
echo PASS
