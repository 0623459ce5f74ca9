"""Sends router advertisements (RFC 4861 §4.2) to all nodes on IFACE every INTERVAL seconds until
killed (or COUNT times), with the options the flags ask for. For the lab only (raw ICMPv6 socket).

  ra.py IFACE [--prefix P/64[,VALID[,PREFERRED[,FLAGS]]]]... [--pref64 P/N[,LIFETIME]]
              [--rdnss ADDR[,LIFETIME]]... [--router-lifetime S] [--interval S] [--count N]

  --prefix           Prefix Information option (RFC 4861 §4.6.2); lifetimes default 1800/1800 s
                     (VALID 0 withdraws a prefix: renumbering); FLAGS letters L (on-link) and A
                     (autonomous: SLAAC), default LA; L alone: no SLAAC (a DHCPv6-style network)
  --pref64           PREF64 option (RFC 8781 §4), lifetime default 600 s (0 withdraws it)
  --rdnss            RDNSS option (RFC 8106 §5.1), lifetime default 600 s
  --router-lifetime  seconds the hosts use this router as their default router (default 1800;
                     0: not a default router)
  --interval         seconds between advertisements (default 0.5)

Every advertisement carries the interface's link-layer address (Source Link-Layer Address).
"""
import ipaddress
import socket
import struct
import sys
import time

PLC = {96: 0, 64: 1, 56: 2, 48: 3, 40: 4, 32: 5}


def opt_prefix(arg):
    parts = arg.split(",")
    net = ipaddress.IPv6Network(parts[0])
    valid = int(parts[1]) if len(parts) > 1 else 1800
    preferred = int(parts[2]) if len(parts) > 2 else min(valid, 1800)
    letters = parts[3].upper() if len(parts) > 3 else "LA"
    flags = (0x80 if "L" in letters else 0) | (0x40 if "A" in letters else 0)
    # Type 3, length 4, prefix length, flags L (0x80) | A (0x40), valid, preferred, reserved.
    return struct.pack("!BBBBIII", 3, 4, net.prefixlen, flags, valid, preferred, 0) + net.network_address.packed


def opt_pref64(arg):
    parts = arg.split(",")
    net = ipaddress.IPv6Network(parts[0])
    lifetime = int(parts[1]) if len(parts) > 1 else 600
    # Type 38, length 2, scaled lifetime (13 bits, units of 8 s) | prefix length code.
    scaled = min((lifetime + 7) // 8, 8191)
    return struct.pack("!BBH", 38, 2, scaled << 3 | PLC[net.prefixlen]) + net.network_address.packed[:12]


def opt_rdnss(addrs):
    # addrs: [(address, lifetime)]; one option per lifetime would be more general, one is enough.
    lifetime = addrs[0][1]
    body = b"".join(ipaddress.IPv6Address(a).packed for a, _ in addrs)
    return struct.pack("!BBHI", 25, 1 + 2 * len(addrs), 0, lifetime) + body


def opt_slla(ifname):
    with open(f"/sys/class/net/{ifname}/address", encoding="ascii") as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    return struct.pack("!BB", 1, 1) + mac


def parse(argv):
    if not argv or argv[0].startswith("-"):
        raise ValueError("IFACE missing")
    cfg = {"ifname": argv[0], "prefix": [], "pref64": None, "rdnss": [], "router_lifetime": 1800,
           "interval": 0.5, "count": 0}
    i = 1
    while i < len(argv):
        flag = argv[i]
        if i + 1 >= len(argv):
            raise ValueError(f"{flag} needs a value")
        value = argv[i + 1]
        if flag == "--prefix":
            cfg["prefix"].append(value)
        elif flag == "--pref64":
            cfg["pref64"] = value
        elif flag == "--rdnss":
            addr, _, life = value.partition(",")
            cfg["rdnss"].append((addr, int(life or 600)))
        elif flag == "--router-lifetime":
            cfg["router_lifetime"] = int(value)
        elif flag == "--interval":
            cfg["interval"] = float(value)
        elif flag == "--count":
            cfg["count"] = int(value)
        else:
            raise ValueError(f"unknown flag {flag}")
        i += 2
    return cfg


def build(cfg):
    # Type 134, code 0, checksum (the kernel's), hop limit 64, flags 0, router lifetime,
    # reachable time 0, retrans timer 0.
    ra = struct.pack("!BBHBBHII", 134, 0, 0, 64, 0, cfg["router_lifetime"], 0, 0)
    ra += opt_slla(cfg["ifname"])
    for p in cfg["prefix"]:
        ra += opt_prefix(p)
    if cfg["rdnss"]:
        ra += opt_rdnss(cfg["rdnss"])
    if cfg["pref64"]:
        ra += opt_pref64(cfg["pref64"])
    return ra


def main(argv):
    try:
        cfg = parse(argv)
        ra = build(cfg)
    except (ValueError, KeyError, OSError) as e:
        sys.stderr.write(f"ra.py: {e}\n{__doc__}")
        return 2
    ifindex = socket.if_nametoindex(cfg["ifname"])
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
    sent = 0
    while cfg["count"] == 0 or sent < cfg["count"]:
        try:
            s.sendto(ra, ("ff02::1", 0, 0, ifindex))
            sent += 1
        except OSError as e:  # the link may be down for a moment (tests flap it)
            sys.stderr.write(f"ra.py: send: {e}\n")
        time.sleep(cfg["interval"])
    return 0


sys.exit(main(sys.argv[1:]))
