#!/usr/bin/python3
"""Late replies are never another request's answer (issue 16, item 2).

usage: late_reply.py PORT SIM_PID   (mewsd's gateway on 127.0.0.1:PORT, set
up by late_reply.sh: an ABB B23 simulated at unit 4 behind it, polled by
mewsd as device 0 of the box's image at unit 200, with voltage, current
and power each read alone, function 3, two registers; and on a bus of its
own, unit 7, a B23 that always answers after the bus's timeout).  Prints
TAP.

Twenty clients read, through the gateway, two registers each of unit 4
with function 3: the same unit, function and length as each other and as
the poller's reads, so only the values tell the replies apart.  Each
client's registers hold their own addresses (written first), so a reply
is checked in full.  A sampler reads the box's image meanwhile: the
poller's values must stay in their ranges, which the pattern and the
other metrics are far outside of.  Then the simulator is stopped for 3 s
(SIGSTOP: the pty keeps the requests meanwhile) and continued: it answers
each of them late, as a slave that missed its timeout does.

Meanwhile four clients read unit 7 the same way: its slave answers every
request, one at a time, later than the timeout, so every reply comes into
a later transaction.
"""

import math
import os
import signal
import socket
import struct
import sys
import threading
import time

PORT = int(sys.argv[1])
SIM = int(sys.argv[2])
UNIT = 4
IMAGE_UNIT = 200
BASE = 0x5100
CLIENTS = 20
SLOW_UNIT = 7
SLOW_BASE = 0x5180
SLOW_CLIENTS = 4
STALL_S = 3.0
BEFORE_S = 1.5
AFTER_S = 4.0
# The poller's metrics in the image's order, and where each must lie.
RANGES = [("voltage_l1", 200, 260), ("current_l1", 0.3, 80),
          ("power", 500, 60000)]
n = 0


def ok(cond, what):
    global n
    n += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, what), flush=True)


def connect():
    return socket.create_connection(("127.0.0.1", PORT), timeout=10)


def recv_exact(s, size):
    data = b""
    while len(data) < size:
        part = s.recv(size - len(data))
        if not part:
            raise ConnectionError("closed by the gateway")
        data += part
    return data


def transact(s, tid, unit, pdu):
    """One request, its answer's PDU; the transaction id must match."""
    s.sendall(struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu)
    rtid, _, length, runit = struct.unpack(">HHHB", recv_exact(s, 7))
    body = recv_exact(s, length - 1)
    if rtid != tid or runit != unit:
        raise ValueError("answer to tid %d unit %d came as tid %d unit %d"
                         % (tid, unit, rtid, runit))
    return body


def regs_of(pdu):
    return list(struct.unpack(">%dH" % (pdu[1] // 2), pdu[2:2 + pdu[1]]))


def write_pattern(unit, base, count):
    """Registers base.. hold their own addresses; the answers to the
    write and to a read of them back (the slow slave's come too late)."""
    s = connect()
    values = [base + i for i in range(count)]
    pdu = struct.pack(">BHHB%dH" % count, 16, base, count, 2 * count,
                      *values)
    w = transact(s, 1, unit, pdu)
    r = transact(s, 2, unit, struct.pack(">BHH", 3, base, count))
    s.close()
    return w[0] == 16 and r[0] == 3 and regs_of(r) == values


class Client(threading.Thread):
    def __init__(self, unit, base, k, stop):
        super().__init__()
        self.unit = unit
        self.addr = base + 2 * k
        self.stop = stop
        self.good = [0, 0]      # right answers before and after the stall
        self.wrong = []
        self.exceptions = {}
        self.errors = []
        self.phase = 0

    def run(self):
        tid = 0
        want = [self.addr, self.addr + 1]
        try:
            s = connect()
            while not self.stop.is_set():
                tid = tid % 65535 + 1
                pdu = transact(s, tid, self.unit,
                               struct.pack(">BHH", 3, self.addr, 2))
                if pdu[0] == 0x83:
                    self.exceptions[pdu[1]] = \
                        self.exceptions.get(pdu[1], 0) + 1
                elif pdu[0] == 3 and pdu[1] == 4 and regs_of(pdu) == want:
                    self.good[self.phase] += 1
                else:
                    self.wrong.append((self.addr, pdu.hex()))
            s.close()
        except Exception as e:          # a closed or silent gateway
            self.errors.append("client %#x: %s" % (self.addr, e))


class Sampler(threading.Thread):
    """The box's image of the polled device, as fast as it answers."""

    def __init__(self, stop):
        super().__init__()
        self.stop = stop
        self.samples = 0
        self.known = 0
        self.bad = []
        self.errors = []

    def run(self):
        tid = 0
        try:
            s = connect()
            while not self.stop.is_set():
                tid = tid % 65535 + 1
                _, values = image(s, tid)
                self.samples += 1
                for (metric, lo, hi), v in zip(RANGES, values):
                    if math.isnan(v):
                        continue
                    self.known += 1
                    if not lo <= v <= hi:
                        self.bad.append("%s %g" % (metric, v))
                time.sleep(0.005)
            s.close()
        except Exception as e:
            self.errors.append("sampler: %s" % e)


def image(s, tid):
    """The device's online flag and its values, NaN where not known."""
    regs = regs_of(transact(s, tid, IMAGE_UNIT, struct.pack(
        ">BHH", 4, 0, 2 + 2 * len(RANGES))))
    return regs[0], [struct.unpack(">f", struct.pack(
        ">HH", regs[2 + 2 * i], regs[3 + 2 * i]))[0]
        for i in range(len(RANGES))]


def image_ready():
    s = connect()
    end = time.monotonic() + 20
    while time.monotonic() < end:
        online, values = image(s, 1)
        if online == 1 and not any(math.isnan(v) for v in values):
            s.close()
            return True
        time.sleep(0.1)
    s.close()
    return False


ok(write_pattern(UNIT, BASE, 2 * CLIENTS),
   "registers %#x.. of unit %d hold their addresses" % (BASE, UNIT))
# The slow slave applies the write; its answers come too late.
write_pattern(SLOW_UNIT, SLOW_BASE, 2 * SLOW_CLIENTS)
ok(image_ready(), "the poller reads the device: its values in the image")

stop = threading.Event()
clients = [Client(UNIT, BASE, k, stop) for k in range(CLIENTS)]
slow = [Client(SLOW_UNIT, SLOW_BASE, k, stop) for k in range(SLOW_CLIENTS)]
sampler = Sampler(stop)
threads = clients + slow + [sampler]
for t in threads:
    t.start()
time.sleep(BEFORE_S)
os.kill(SIM, signal.SIGSTOP)
try:
    time.sleep(STALL_S)
finally:
    os.kill(SIM, signal.SIGCONT)
for c in clients:
    c.phase = 1
time.sleep(AFTER_S)
stop.set()
for t in threads:
    t.join(30)


def exceptions(group):
    exc = {}
    for c in group:
        for code, k in c.exceptions.items():
            exc[code] = exc.get(code, 0) + k
    return exc


wrong = [w for c in clients for w in c.wrong]
errors = [e for c in clients + slow for e in c.errors] + sampler.errors
exc = exceptions(clients)
ok(not errors and not any(t.is_alive() for t in threads),
   "every client ran to the end%s" % (": " + "; ".join(errors[:3])
                                      if errors else ""))
ok(all(c.good[0] > 0 for c in clients),
   "before the stall, every client read its own registers (%d answers)" %
   sum(c.good[0] for c in clients))
ok(set(exc) <= {0x0A, 0x0B} and exc.get(0x0B, 0) > 0,
   "during the stall: exceptions %s" %
   ", ".join("%#x x %d" % kv for kv in sorted(exc.items())))
ok(not wrong, "no client ever received another request's values (%d "
   "wrong%s)" % (len(wrong), ": " + ", ".join(
       "%#x got %s" % w for w in wrong[:4]) if wrong else ""))
ok(sampler.known > 100 and not sampler.bad,
   "the poller's values never came from another request (%d samples, %d "
   "values%s)" % (sampler.samples, sampler.known, ": " + ", ".join(
       sampler.bad[:4]) if sampler.bad else ""))
ok(all(c.good[1] > 0 for c in clients),
   "after the stall, every client reads its own registers again (%d "
   "answers)" % sum(c.good[1] for c in clients))
wrong = [w for c in slow for w in c.wrong]
exc = exceptions(slow)
ok(set(exc) <= {0x0A, 0x0B} and exc.get(0x0B, 0) > 0 and not wrong,
   "a slave always slower than the timeout: no reply taken for another "
   "request's (exceptions %s, %d wrong%s)" % (
       ", ".join("%#x x %d" % kv for kv in sorted(exc.items())),
       len(wrong), ": " + ", ".join("%#x got %s" % w for w in wrong[:4])
       if wrong else ""))
print("1..%d" % n)
