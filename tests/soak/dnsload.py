"""A steady DNS query load (tests/soak/dns64_flap.sh): AAAA queries for names never asked before
(q<N>.<ZONE>, so no cache answers them), RATE a second for SECONDS, to SERVER port 53 over UDP.

    dnsload.py SERVER ZONE RATE SECONDS

Prints one JSON object: queries sent, answers by RCODE name, and queries never answered within
5 s ("timeout").
"""
import json
import select
import socket
import struct
import sys
import time

RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def query(qid, name):
    q = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    return q + b"\x00" + struct.pack("!HH", 28, 1)


def main():
    server, zone, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_INET6 if ":" in server else socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    pending = {}  # id -> send time
    counts = {"sent": 0, "timeout": 0}
    start = time.monotonic()
    n = 0
    while True:
        now = time.monotonic()
        if now - start < seconds:
            while n < int((now - start) * rate):
                qid = n & 0xFFFF
                if qid in pending:  # a query 65536 back still open: it has timed out by now
                    counts["timeout"] += 1
                s.sendto(query(qid, f"q{n}.{zone}"), (server, 53))
                pending[qid] = now
                n += 1
                counts["sent"] += 1
        elif not pending or now - start > seconds + 5:
            break
        r, _, _ = select.select([s], [], [], 0.01)
        while r:
            try:
                data = s.recv(4096)
            except BlockingIOError:
                break
            if len(data) >= 4:
                qid, flags = struct.unpack("!HH", data[:4])
                if pending.pop(qid, None) is not None:
                    name = RCODES.get(flags & 0xF, str(flags & 0xF))
                    counts[name] = counts.get(name, 0) + 1
        for qid, t in list(pending.items()):
            if now - t > 5:
                del pending[qid]
                counts["timeout"] += 1
    counts["timeout"] += len(pending)
    print(json.dumps(counts))


if __name__ == "__main__":
    main()
