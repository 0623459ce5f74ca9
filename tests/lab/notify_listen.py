"""A stand-in for systemd's notification socket (sd_notify(3)), for tests of the daemons' READY=1,
STATUS=, WATCHDOG=1, RELOADING=1 and STOPPING=1.

  notify_listen.py SOCKET [--check-link IFNAME] [--check-route6 PREFIX]

Binds a unix datagram socket at SOCKET and prints one line per message received:
"T ASSIGNMENTS" with T the seconds since it started and the message's newlines shown as '|'. On
READY=1 it looks at the system as it is at that moment and appends " link=yes|no" (IFNAME exists)
and " route6=yes|no" (an IPv6 route for PREFIX exists). Runs until killed.
"""
import os
import socket
import subprocess
import sys
import time


def main():
    path = sys.argv[1]
    args = sys.argv[2:]
    link = args[args.index("--check-link") + 1] if "--check-link" in args else None
    route6 = args[args.index("--check-route6") + 1] if "--check-route6" in args else None
    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    os.chmod(path, 0o666)  # the daemon may have switched to another user
    start = time.monotonic()
    print("listening", flush=True)
    while True:
        msg = s.recv(4096).decode(errors="replace")
        line = f"{time.monotonic() - start:.3f} {msg.strip().replace(chr(10), '|')}"
        if "READY=1" in msg.split("\n"):
            if link:
                line += " link=" + ("yes" if os.path.exists(f"/sys/class/net/{link}") else "no")
            if route6:
                out = subprocess.run(["ip", "-6", "route", "show", route6], capture_output=True, text=True).stdout
                line += " route6=" + ("yes" if out.strip() else "no")
        print(line, flush=True)


if __name__ == "__main__":
    main()
