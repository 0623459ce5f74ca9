"""A small HTTP/1.1 server for the lab: GET serves files from DIR; POST answers with the sha256
(hex) and the length of the request body, so uploads can be checked byte for byte.

  httpd.py ADDR PORT DIR
"""
import hashlib
import http.server
import socket
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        remaining = int(self.headers.get("Content-Length", "0"))
        digest = hashlib.sha256()
        total = 0
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            digest.update(chunk)
            total += len(chunk)
            remaining -= len(chunk)
        body = f"{digest.hexdigest()} {total}\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    def __init__(self, addr, handler):
        self.address_family = socket.AF_INET6 if ":" in addr[0] else socket.AF_INET
        super().__init__(addr, handler)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    addr, port, root = argv[0], int(argv[1]), argv[2]

    def handler(*args, **kwargs):
        return Handler(*args, directory=root, **kwargs)

    Server((addr, port), handler).serve_forever()
    return 0


sys.exit(main(sys.argv[1:]))
