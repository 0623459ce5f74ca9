"""UDP session churn through a NAT64: new sessions at a steady rate, each a new (source port,
destination port) pair, from one IPv6 client to one IPv4 server (tests/soak/nat64_churn.sh).

    churn.py DST6 RATE SECONDS     (root: a raw socket, so any source port without binding it)

Source ports cycle over 20000-39999 (so the BIB stays at 20 000 entries, within one pool4
address), destination ports over 10000-10999: 20 million distinct sessions before any repeats.
Prints the number of datagrams sent.
"""
import socket
import struct
import sys
import time

IPV6_CHECKSUM = 7


def main():
    dst, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_UDP)
    # The kernel fills in the UDP checksum (offset 6 of what we send), pseudo-header included.
    s.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 6)
    payload = b"soak"
    sent = 0
    start = time.monotonic()
    batch = max(1, rate // 100)  # a batch every 10 ms
    while True:
        elapsed = time.monotonic() - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate)
        while sent < due:
            for _ in range(batch):
                sport = 20000 + sent % 20000
                dport = 10000 + (sent // 20000) % 1000
                s.sendto(struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload, (dst, 0))
                sent += 1
        time.sleep(0.01)
    print(sent)


if __name__ == "__main__":
    main()
