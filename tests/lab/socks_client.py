"""A raw SOCKS5 client for the lab tests of `sixfour socks` (curl covers the ordinary cases).

  socks_client.py udp PROXY_ADDR PROXY_PORT TARGET_ADDR TARGET_PORT
      UDP ASSOCIATE (RFC 1928 section 7), one datagram to TARGET through the relay, wait for the
      echo; prints "relay=ADDR:PORT reply_from=ADDR:PORT match=yes|no"; exit 0 iff it matched.
  socks_client.py raw PROXY_ADDR PROXY_PORT HEX
      sends the bytes HEX, half-closes, prints what came back as hex (empty if nothing).
  socks_client.py hold PROXY_ADDR PROXY_PORT HEX
      sends the bytes HEX and keeps its side open; prints what came back until the proxy closed
      (at most 15 s), as hex.
  socks_client.py bind PROXY_ADDR PROXY_PORT PEER_ADDR
      BIND (RFC 1928 section 4) for PEER_ADDR; prints "listen=ADDR:PORT" (first reply) at once,
      then "peer=ADDR:PORT" (second reply) and "data=TEXT" (what the peer sent until it closed).
"""
import ipaddress
import socket
import struct
import sys


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            raise EOFError(f"proxy closed after {len(out)} of {n} bytes")
        out += chunk
    return out


def read_addr(s_or_bytes, atyp, data=None):
    """Parse ATYP ADDR PORT from a socket (data None) or from bytes; returns (addr, port, length)."""
    if atyp == 1:
        n = 4
    elif atyp == 4:
        n = 16
    else:
        raise ValueError(f"unexpected ATYP {atyp}")
    raw = recv_exact(s_or_bytes, n + 2) if data is None else data[: n + 2]
    return str(ipaddress.ip_address(raw[:n])), struct.unpack("!H", raw[n:])[0], n + 2


def enc_addr(addr, port):
    ip = ipaddress.ip_address(addr)
    return bytes([1 if ip.version == 4 else 4]) + ip.packed + struct.pack("!H", port)


def udp(proxy, pport, target, tport):
    s = socket.create_connection((proxy, pport), timeout=5)
    s.sendall(b"\x05\x01\x00")
    assert recv_exact(s, 2) == b"\x05\x00", "method selection"
    s.sendall(b"\x05\x03\x00" + enc_addr("::" if ":" in proxy else "0.0.0.0", 0))
    ver, rep, _, atyp = recv_exact(s, 4)
    if rep != 0:
        print(f"reply={rep}")
        return 1
    raddr, rport, _ = read_addr(s, atyp)
    u = socket.socket(family(raddr), socket.SOCK_DGRAM)
    u.settimeout(5)
    payload = b"socks udp hello " * 8
    u.sendto(b"\x00\x00\x00" + enc_addr(target, tport) + payload, (raddr, rport))
    data, _ = u.recvfrom(65535)
    if data[:3] != b"\x00\x00\x00":
        print("bad header", data[:3].hex())
        return 1
    faddr, fport, n = read_addr(None, data[3], data[4:])
    ok = data[4 + n:] == payload
    print(f"relay={raddr}:{rport} reply_from={faddr}:{fport} match={'yes' if ok else 'no'}")
    s.close()
    return 0 if ok else 1


def raw(proxy, pport, hexbytes):
    s = socket.create_connection((proxy, pport), timeout=5)
    try:
        s.sendall(bytes.fromhex(hexbytes))
        s.shutdown(socket.SHUT_WR)
    except OSError:
        pass  # the proxy may close first (a refused client); then nothing comes back
    out = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    print(out.hex())
    return 0


def hold(proxy, pport, hexbytes):
    s = socket.create_connection((proxy, pport), timeout=15)
    s.sendall(bytes.fromhex(hexbytes))
    out = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    print(out.hex())
    return 0


def bind(proxy, pport, peer):
    s = socket.create_connection((proxy, pport), timeout=15)
    s.sendall(b"\x05\x01\x00")
    assert recv_exact(s, 2) == b"\x05\x00", "method selection"
    s.sendall(b"\x05\x02\x00" + enc_addr(peer, 0))
    _, rep, _, atyp = recv_exact(s, 4)
    if rep != 0:
        print(f"reply={rep}")
        return 1
    addr, port, _ = read_addr(s, atyp)
    print(f"listen={addr}:{port}", flush=True)
    _, rep, _, atyp = recv_exact(s, 4)
    if rep != 0:
        print(f"reply={rep}")
        return 1
    addr, port, _ = read_addr(s, atyp)
    print(f"peer={addr}:{port}", flush=True)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    print(f"data={data.decode(errors='replace').strip()}")
    return 0


def main(argv):
    if len(argv) == 4 and argv[0] == "hold":
        return hold(argv[1], int(argv[2]), argv[3])
    if len(argv) == 4 and argv[0] == "bind":
        return bind(argv[1], int(argv[2]), argv[3])
    if len(argv) == 5 and argv[0] == "udp":
        return udp(argv[1], int(argv[2]), argv[3], int(argv[4]))
    if len(argv) == 4 and argv[0] == "raw":
        return raw(argv[1], int(argv[2]), argv[3])
    sys.stderr.write(__doc__)
    return 2


sys.exit(main(sys.argv[1:]))
