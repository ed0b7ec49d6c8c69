"""Hostile and careless clients against mewsd's servers, each run bounded
in time.  Prints one "PASS what" or "FAIL what: why" line per check for
web_faults.sh to turn into TAP.

usage: web_faults.py HOST HTTPS_PORT HTTP_PORT GATEWAY_PORT CAFILE COOKIE
"""
import json
import os
import random
import socket
import ssl
import sys
import threading
import time

host, https_port, http_port, gw_port, cafile, cookie = sys.argv[1:7]
https_port, http_port, gw_port = int(https_port), int(http_port), int(gw_port)


def report(ok, what, why=""):
    print(("PASS " if ok else "FAIL ") + what + ("" if ok else ": " + why),
          flush=True)


def tls_context():
    ctx = ssl.create_default_context(cafile=cafile)
    return ctx


def tls_connect(timeout=5):
    raw = socket.create_connection(("127.0.0.1", https_port), timeout=timeout)
    return tls_context().wrap_socket(raw, server_hostname=host)


def get(path, timeout=5):
    """One GET on a new connection: (status, body, seconds)."""
    t0 = time.monotonic()
    s = tls_connect(timeout)
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nCookie: mews_session=%s"
               "\r\nConnection: close\r\n\r\n" % (path, host, https_port,
                                                  cookie)).encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    status = int(head.split(b" ")[1]) if head else 0
    return status, body, time.monotonic() - t0


def gateway_read(timeout=2):
    """Read holding register 0 of unit 1 through the gateway: seconds."""
    t0 = time.monotonic()
    s = socket.create_connection(("127.0.0.1", gw_port), timeout=timeout)
    s.sendall(bytes([0, 1, 0, 0, 0, 6, 1, 4, 0, 0, 0, 2]))
    data = s.recv(256)
    s.close()
    if len(data) < 9 or data[7] != 4:
        raise RuntimeError("bad gateway answer %r" % data)
    return time.monotonic() - t0


def closed_by_server(s, limit):
    """Wait up to limit seconds for the server to close s: seconds, or None."""
    t0 = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - t0 < limit:
        try:
            if s.recv(1024) == b"":
                return time.monotonic() - t0
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (ConnectionError, ssl.SSLError, OSError):
            return time.monotonic() - t0
    return None


def idle_connections(n=500):
    conns = []
    try:
        for _ in range(n):
            conns.append(tls_connect())
    except OSError as e:
        report(False, "%d idle TLS connections open" % n, str(e))
        return
    report(True, "%d idle TLS connections open" % n)
    status, _, secs = get("/api/status")
    report(status == 200 and secs < 3,
           "a request is served while %d connections sit idle" % n,
           "HTTP %d in %.2f s" % (status, secs))
    # Past the deadline (10 s) every idle one is gone.
    deadline = time.monotonic() + 15
    alive = 0
    for s in conns:
        left = max(0.1, deadline - time.monotonic())
        if closed_by_server(s, left) is None:
            alive += 1
        s.close()
    report(alive == 0, "idle connections are closed by the server",
           "%d still open after 15 s" % alive)


def slowloris(n=20):
    """Headers dripped a byte at a time never hold a connection long."""
    socks = [tls_connect() for _ in range(n)]
    req = ("GET /api/status HTTP/1.1\r\nHost: %s\r\n" % host).encode()
    t0 = time.monotonic()
    open_ = list(socks)
    closed_at = []
    i = 0
    while open_ and time.monotonic() - t0 < 16:
        for s in list(open_):
            try:
                s.sendall(req[i % len(req):i % len(req) + 1] if i < len(req)
                          else b"X-a: b\r\n"[i % 8:i % 8 + 1])
            except OSError:
                open_.remove(s)
                closed_at.append(time.monotonic() - t0)
        i += 1
        time.sleep(0.5)
    for s in open_:
        if closed_by_server(s, 0.5) is not None:
            open_.remove(s)
            closed_at.append(time.monotonic() - t0)
    for s in socks:
        s.close()
    report(not open_ and max(closed_at or [99]) < 14,
           "slowloris connections are cut near the 10 s deadline",
           "%d still open, last closed at %.1f s" %
           (len(open_), max(closed_at or [0])))
    status, _, secs = get("/api/status")
    report(status == 200, "served after slowloris", "HTTP %d" % status)


def handshake_flood(seconds=4.0, workers=3):
    """New TLS connections as fast as we can: the gateway keeps answering."""
    stop = time.monotonic() + seconds
    count = [0]

    def flood():
        ctx = tls_context()
        while time.monotonic() < stop:
            try:
                raw = socket.create_connection(("127.0.0.1", https_port),
                                               timeout=2)
                s = ctx.wrap_socket(raw, server_hostname=host)
                s.close()
                count[0] += 1
            except (OSError, ssl.SSLError):
                count[0] += 1
    threads = [threading.Thread(target=flood) for _ in range(workers)]
    for t in threads:
        t.start()
    worst = 0.0
    failures = 0
    while time.monotonic() < stop:
        try:
            worst = max(worst, gateway_read())
        except (OSError, RuntimeError):
            failures += 1
        time.sleep(0.05)
    for t in threads:
        t.join()
    report(failures == 0 and worst < 1.0,
           "the gateway answers during a TLS handshake flood (%d attempts)"
           % count[0], "%d failures, slowest %.3f s" % (failures, worst))
    status, _, _ = get("/api/status")
    report(status == 200, "HTTPS answers after the flood", "HTTP %d" % status)


def random_bytes():
    rnd = random.Random(4)
    for port in (https_port, http_port, gw_port):
        for _ in range(20):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                s.sendall(bytes(rnd.getrandbits(8) for _ in
                                range(rnd.randint(1, 4096))))
                s.settimeout(0.3)
                try:
                    s.recv(4096)
                except OSError:
                    pass
                s.close()
            except OSError:
                pass
    status, _, _ = get("/api/status")
    report(status == 200, "HTTPS answers after random bytes on every port",
           "HTTP %d" % status)
    try:
        gateway_read()
        report(True, "the gateway answers after random bytes")
    except (OSError, RuntimeError) as e:
        report(False, "the gateway answers after random bytes", str(e))


def counters():
    status, body, _ = get("/api/status")
    c = json.loads(body)["counters"]["http"] if status == 200 else {}
    report(c.get("timed_out", 0) > 0 and c.get("evicted", 0) > 0,
           "status counts evicted and timed-out connections", str(c))
    print("DIAG http counters: %s" % c, flush=True)


for check in (idle_connections, slowloris, handshake_flood, random_bytes,
              counters):
    try:
        check()
    except Exception as e:  # a crash of one check is its failure
        report(False, check.__name__, "%s: %s" % (type(e).__name__, e))
