"""UDP helpers for the lab.

  udp.py serve ADDR PORT [--df]    echo every datagram back to its sender, forever (--df: with IPv4
                                   Don't Fragment set, IP_PMTUDISC_DO; a reply larger than the path
                                   MTU learnt meanwhile is not sent, "send error" is logged)
  udp.py send ADDR PORT SIZE [--df0] [--timeout S]
                                   send SIZE pseudo-random bytes (fixed seed), wait for the echo,
                                   print "sent=N recv=M match=yes|no sha256=..."; exit 0 iff match,
                                   3 if an ICMP port unreachable came back

--df0 clears IPv4 Don't Fragment (IP_PMTUDISC_DONT), so a datagram larger than the link MTU leaves
as IPv4 fragments with DF=0. Over IPv6 the kernel fragments at the source anyway.
"""
import errno
import hashlib
import random
import socket
import sys

IP_MTU_DISCOVER = getattr(socket, "IP_MTU_DISCOVER", 10)
IP_PMTUDISC_DONT = getattr(socket, "IP_PMTUDISC_DONT", 0)
IP_PMTUDISC_DO = getattr(socket, "IP_PMTUDISC_DO", 2)


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port, df=False):
    sock = socket.socket(family(addr), socket.SOCK_DGRAM)
    if family(addr) == socket.AF_INET:
        sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO if df else IP_PMTUDISC_DONT)
    sock.bind((addr, port))
    while True:
        data, peer = sock.recvfrom(65535)
        sys.stdout.write(f"from {peer[0]} port {peer[1]}: {len(data)} bytes\n")
        sys.stdout.flush()
        try:
            sock.sendto(data, peer)
        except OSError as e:
            sys.stdout.write(f"send error: {e.strerror}\n")
            sys.stdout.flush()


def send(addr, port, size, df0, timeout):
    payload = random.Random(6052).randbytes(size)
    sock = socket.socket(family(addr), socket.SOCK_DGRAM)
    if df0:
        sock.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT)
    sock.settimeout(timeout)
    # Connected, so an ICMP Port Unreachable coming back is reported (ECONNREFUSED).
    sock.connect((addr, port))
    got = b""
    for _attempt in range(3):
        try:
            sock.send(payload)
            got = sock.recv(65535)
            break
        except socket.timeout:
            continue
        except ConnectionRefusedError:  # before OSError, of which it is a subclass
            print(f"sent={len(payload)} refused (ICMP port unreachable)")
            return 3
        except OSError as e:
            # A Packet Too Big / Fragmentation Needed came back: the kernel knows the smaller
            # path MTU now (and fragments an IPv6 datagram at the source); send again.
            if e.errno != errno.EMSGSIZE:
                raise
            continue
    ok = got == payload
    print(f"sent={len(payload)} recv={len(got)} match={'yes' if ok else 'no'} "
          f"sha256={hashlib.sha256(got).hexdigest()}")
    return 0 if ok else 1


def main(argv):
    if len(argv) >= 3 and argv[0] == "serve":
        serve(argv[1], int(argv[2]), "--df" in argv)
        return 0
    if len(argv) >= 4 and argv[0] == "send":
        timeout = 2.0
        if "--timeout" in argv:
            timeout = float(argv[argv.index("--timeout") + 1])
        return send(argv[1], int(argv[2]), int(argv[3]), "--df0" in argv, timeout)
    sys.stderr.write(__doc__)
    return 2


sys.exit(main(sys.argv[1:]))
