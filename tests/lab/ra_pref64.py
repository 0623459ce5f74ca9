"""Sends router advertisements (RFC 4861 §4.2) that carry only a PREF64 option (RFC 8781 §4) to
all nodes on IFACE, five per second, until killed. Router lifetime 0: the RA makes no one use
this node as a default router. For the lab only (needs a raw ICMPv6 socket).

  ra_pref64.py IFACE PREFIX/LEN LIFETIME_SECONDS
"""
import ipaddress
import socket
import struct
import sys
import time

PLC = {96: 0, 64: 1, 56: 2, 48: 3, 40: 4, 32: 5}


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    ifname, prefix, lifetime = argv[0], ipaddress.IPv6Network(argv[1]), int(argv[2])
    ifindex = socket.if_nametoindex(ifname)
    # Type 134, code 0, checksum (the kernel's), hop limit 64, flags 0, router lifetime 0,
    # reachable time 0, retrans timer 0.
    ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, 0, 0, 0)
    # PREF64: type 38, length 2 (x 8 octets), scaled lifetime (13 bits, units of 8 s) | PLC.
    scaled = min(lifetime // 8, 8191)
    ra += struct.pack("!BBH", 38, 2, scaled << 3 | PLC[prefix.prefixlen]) + prefix.network_address.packed[:12]
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    while True:
        s.sendto(ra, ("ff02::1", 0, 0, ifindex))
        time.sleep(0.2)


sys.exit(main(sys.argv[1:]))
