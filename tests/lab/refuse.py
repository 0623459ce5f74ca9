"""Crafted packets a translator must refuse, and the ICMP error that comes back (issue 16).

  refuse.py routing6 SRC DST   IPv6/UDP behind a Routing header (type 253, Segments Left 1)
  refuse.py extfrag6 SRC DST   IPv6 first fragment whose Fragment header is followed by
                               Destination Options (RFC 7915 §5.1.1)
  refuse.py proto6 SRC DST     IPv6 with Next Header 132 (SCTP), 16 bytes of payload
  refuse.py firstfrag6 SRC DST the first fragment (M = 1) of an IPv6/UDP datagram whose other
                               fragments never come (RFC 8200 §4.5: Time Exceeded after the
                               reassembly timeout; waits 6 s instead of 2)
  refuse.py udpzero4 SRC DST   IPv4/UDP first fragment (MF) with checksum 0 (RFC 7915 §4.5)
  refuse.py proto4 SRC DST     IPv4 protocol 132, 16 bytes of payload

  refuse.py KIND SRC DST --flood N   N copies back to back, then counts the errors that come back
                               within 1 s of the last: prints "sent N errors K in T s" (T: the
                               time the N took to send), exit 0

Each packet is written header by header and sent through a raw socket as it is; then the script
waits up to 2 s for an ICMP / ICMPv6 error quoting it (recognised by a marker in the payload) and
prints "error TYPE CODE PARAM from ADDR" (PARAM: the 32-bit word after the checksum), or
"silence" with exit code 1.
"""
import os
import select
import socket
import struct
import sys
import time

MARK = b"sixfour-refuse-" + os.urandom(4).hex().encode()


def ipv6(src, dst, next_header, payload):
    head = struct.pack("!IHBB", 6 << 28, len(payload), next_header, 64)
    return head + socket.inet_pton(socket.AF_INET6, src) + socket.inet_pton(socket.AF_INET6, dst) + payload


def udp(sport, dport, data, checksum=0):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), checksum) + data


def ipv4(src, dst, proto, payload, flags_offset=0):
    # Header checksum, Total Length and Identification are filled in by the kernel (IP_HDRINCL).
    head = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, flags_offset, 64, proto, 0,
                       socket.inet_aton(src), socket.inet_aton(dst))
    return head + payload


def build(kind, src, dst):
    data = MARK.ljust(24, b".")
    if kind == "routing6":
        routing = bytes([17, 2, 253, 1, 0, 0, 0, 0]) + socket.inet_pton(socket.AF_INET6, "2001:db8:99::1")
        return 6, ipv6(src, dst, 43, routing + udp(40000, 9, data))
    if kind == "extfrag6":
        frag = bytes([60, 0, 0, 1]) + struct.pack("!I", 0x5f64)  # offset 0, M = 1
        dest_opts = bytes([17, 0, 1, 4, 0, 0, 0, 0])
        return 6, ipv6(src, dst, 44, frag + dest_opts + udp(40000, 9, data))
    if kind == "firstfrag6":
        frag = bytes([17, 0, 0, 1]) + struct.pack("!I", 0x5f65)  # offset 0, M = 1
        return 6, ipv6(src, dst, 44, frag + udp(40000, 9, data, checksum=0xbeef)[:8] + data)
    if kind == "proto6":
        return 6, ipv6(src, dst, 132, data)
    if kind == "udpzero4":
        return 4, ipv4(src, dst, 17, udp(40000, 9, data, checksum=0), flags_offset=0x2000)
    if kind == "proto4":
        return 4, ipv4(src, dst, 132, data)
    sys.exit(f"unknown kind {kind}")


def is_error_about_us(icmp, version):
    if len(icmp) < 8 or MARK not in icmp[8:]:
        return False
    return not ((version == 6 and icmp[0] >= 128) or (version == 4 and icmp[0] not in (3, 11, 12)))


def flood(version, pkt, dst, count):
    family = socket.AF_INET6 if version == 6 else socket.AF_INET
    rx = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_ICMPV6 if version == 6 else socket.IPPROTO_ICMP)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    tx = socket.socket(family, socket.SOCK_RAW, socket.IPPROTO_RAW)
    got = 0
    start = time.monotonic()
    for _ in range(count):
        tx.sendto(pkt, (dst, 0))
    took = time.monotonic() - start
    deadline = time.monotonic() + 1
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([rx], [], [], left)[0]:
            break
        msg = rx.recv(65535)
        got += is_error_about_us(msg if version == 6 else msg[(msg[0] & 0x0F) * 4:], version)
    print(f"sent {count} errors {got} in {took:.3f} s")
    return 0


def main():
    kind, src, dst = sys.argv[1:4]
    version, pkt = build(kind, src, dst)
    if len(sys.argv) > 5 and sys.argv[4] == "--flood":
        return flood(version, pkt, dst, int(sys.argv[5]))
    if version == 6:
        rx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
        tx.sendto(pkt, (dst, 0))
    else:
        rx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        tx.sendto(pkt, (dst, 0))
    deadline = time.monotonic() + (6 if kind == "firstfrag6" else 2)
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([rx], [], [], left)[0]:
            break
        msg, addr = rx.recvfrom(65535)
        icmp = msg if version == 6 else msg[(msg[0] & 0x0F) * 4:]
        if not is_error_about_us(icmp, version):
            continue
        param = struct.unpack("!I", icmp[4:8])[0]
        print(f"error {icmp[0]} {icmp[1]} {param} from {addr[0]}")
        return 0
    print("silence")
    return 1


if __name__ == "__main__":
    sys.exit(main())
