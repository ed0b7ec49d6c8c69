#!/usr/bin/python3
"""The gateway as SCADA software sees it, with pymodbus and raw sockets.

usage: gateway.py PORT   (mewsd's gateway on 127.0.0.1:PORT, set up by
gateway.sh: sdm630 at 1, em24 at 2, abb-b23 at 4, 3 dead, routes 100..110
to a bus that is down, the box's own image at unit 200, max_clients 55,
idle_timeout_s 2).  Prints TAP.
"""

import socket
import struct
import sys
import threading
import time

from pymodbus.client import ModbusTcpClient
from pymodbus.pdu import ExceptionResponse
from pymodbus import (bit_read_message as br, bit_write_message as bw,
                      register_read_message as rr,
                      register_write_message as rw, other_message as om,
                      file_message as fm, diag_message as dm,
                      mei_message as mm)

PORT = int(sys.argv[1])
n = 0
failed = 0


def ok(cond, what):
    global n, failed
    n += 1
    if not cond:
        failed += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, what), flush=True)


def client():
    c = ModbusTcpClient("127.0.0.1", port=PORT, timeout=2)
    c.params.timeout = 2   # pymodbus 3.0 rounds the argument to seconds
    c.connect()
    return c


def code(resp):
    return resp.exception_code if isinstance(resp, ExceptionResponse) \
        else None


def f32(regs):
    return struct.unpack(">f", struct.pack(">HH", regs[0], regs[1]))[0]


# Every public function code reaches the device and comes back framed
# right: a reply or the device's own exception, never 0x0A/0x0B.  (This
# pymodbus, 3.0.0rc1, names the unit 'unit' in requests, 'slave' in the
# client's helpers.)
def every_function():
    c = client()
    reqs = [
        (1, br.ReadCoilsRequest(0, 8, unit=4)),
        (2, br.ReadDiscreteInputsRequest(0, 8, unit=4)),
        (3, rr.ReadHoldingRegistersRequest(0x5B00, 2, unit=4)),
        (4, rr.ReadInputRegistersRequest(0, 2, unit=1)),
        (5, bw.WriteSingleCoilRequest(0, True, unit=4)),
        (6, rw.WriteSingleRegisterRequest(0x5100, 1234, unit=4)),
        (7, om.ReadExceptionStatusRequest(unit=4)),
        (8, dm.ReturnQueryDataRequest(0x1234, unit=4)),
        (11, om.GetCommEventCounterRequest(unit=4)),
        (12, om.GetCommEventLogRequest(unit=4)),
        (15, bw.WriteMultipleCoilsRequest(0, [True, False], unit=4)),
        (16, rw.WriteMultipleRegistersRequest(0x5101, [7, 8], unit=4)),
        (17, om.ReportSlaveIdRequest(unit=4)),
        (20, fm.ReadFileRecordRequest([fm.FileRecord(file_number=1,
                                       record_number=0, record_length=2)],
                                      unit=4)),
        (21, fm.WriteFileRecordRequest([fm.FileRecord(file_number=1,
                                        record_number=0,
                                        record_data=b"\x00\x01")],
                                       unit=4)),
        (22, rw.MaskWriteRegisterRequest(0x5102, 0x00F2, 0x0025, unit=4)),
        (23, rr.ReadWriteMultipleRegistersRequest(
            read_address=0x5101, read_count=2, write_address=0x5103,
            write_registers=[9], unit=4)),
        (24, fm.ReadFifoQueueRequest(0x5100, unit=4)),
        (43, mm.ReadDeviceInformationRequest(1, 0, unit=1)),
    ]
    for fc, req in reqs:
        try:
            resp = c.execute(req)
        except Exception as e:          # a timeout or a framing error
            ok(False, "function %d: %s" % (fc, e))
            continue
        ex = code(resp)
        ok(resp is not None and not (hasattr(resp, "isError") and
                                     resp.isError() and ex is None) and
           ex not in (0x0A, 0x0B),
           "function %d answered by the device (%s)" %
           (fc, "exception %d" % ex if ex else "reply"))
    # the echo of diagnostics 8/0, a frame only silence ends
    r = c.execute(dm.ReturnQueryDataRequest(0x1234, unit=4))
    ok(code(r) is None and getattr(r, "message", None) == (0x1234,),
       "function 8/0 echoes its data through the gateway: %s" %
       getattr(r, "message", r))
    # what was written reads back
    r = c.read_holding_registers(0x5100, 2, slave=4)
    ok(code(r) is None and r.registers == [1234, 7],
       "functions 6 and 16 wrote what function 3 reads back: %s" %
       getattr(r, "registers", r))
    r = c.read_input_registers(0, 2, slave=1)
    ok(code(r) is None and 200 < f32(r.registers) < 260,
       "sdm630 voltage through the gateway: %.1f V" % f32(r.registers))
    r = c.execute(mm.ReadDeviceInformationRequest(1, 0, unit=1))
    info = getattr(r, "information", {})
    ok(info.get(0) == b"Eastron", "device id through the gateway: %s" % info)
    c.close()


def exceptions():
    c = client()
    t0 = time.monotonic()
    r = c.read_holding_registers(0, 2, slave=3)
    dt = time.monotonic() - t0
    ok(code(r) == 0x0B, "a dead unit: exception 0x0B (%s)" % code(r))
    ok(0.15 < dt < 1.5, "... after the bus timeout, %.0f ms" % (dt * 1000))
    r = c.read_holding_registers(0, 2, slave=9)
    ok(code(r) == 0x0B, "an absent unit: exception 0x0B")
    r = c.read_holding_registers(0, 2, slave=105)
    ok(code(r) == 0x0A, "a unit routed to a bus that is down: 0x0A (%s)" %
       code(r))
    r = c.read_holding_registers(0, 2, slave=2)
    ok(code(r) == 2, "the device's own exception forwarded: 2 (%s)" %
       code(r))
    r = c.read_input_registers(0, 4, slave=200)
    ok(code(r) is None and r.registers[0] == 1 and r.registers[1] > 0,
       "the box's own image at unit 200: online, %s metrics" %
       getattr(r, "registers", [0, 0])[1])
    r = c.read_input_registers(2, 2, slave=200)
    ok(code(r) is None and 200 < f32(r.registers) < 260,
       "... its first value is sdm630's voltage: %.1f" % f32(r.registers))
    r = c.write_register(0, 1, slave=200)
    ok(code(r) == 1, "... and it is read only: exception 1")
    c.close()


def raw():
    s = socket.create_connection(("127.0.0.1", PORT), timeout=3)
    return s


def recv_frame(s):
    head = b""
    while len(head) < 7:
        part = s.recv(7 - len(head))
        if not part:
            return None
        head += part
    tid, pid, length, unit = struct.unpack(">HHHB", head)
    body = b""
    while len(body) < length - 1:
        part = s.recv(length - 1 - len(body))
        if not part:
            return None
        body += part
    return tid, unit, body


def read_req(tid, unit, fc, addr, count):
    return struct.pack(">HHHBBHH", tid, 0, 6, unit, fc, addr, count)


def closed_by_peer(s):
    try:
        s.settimeout(3)
        return s.recv(100) == b""
    except (ConnectionResetError, socket.timeout):
        return False


def malformed():
    for what, frame in [
            ("protocol id 1", struct.pack(">HHHB", 1, 1, 6, 1) +
             b"\x03\x00\x00\x00\x01"),
            ("length 1 (no function code)", struct.pack(">HHHB", 1, 0, 1, 1)),
            ("length 300", struct.pack(">HHHB", 1, 0, 300, 1) + b"\x03")]:
        s = raw()
        s.sendall(frame)
        ok(closed_by_peer(s), "malformed MBAP, %s: the gateway closes" %
           what)
        s.close()
    # A write claiming 100 registers but carrying 2, sized by its MBAP
    # length: the read behind it in the same segment is answered, in step.
    s = raw()
    bad = struct.pack(">HHHBBHHB", 1, 0, 11, 4, 16, 0x5100, 100, 200) + \
        b"\x00\x01\x00\x02"
    s.sendall(bad + read_req(2, 1, 4, 0, 2))
    a = recv_frame(s)
    b = recv_frame(s)
    ok(a is not None and a[0] == 1 and a[2][0] == 0x90,
       "an inconsistent function 16 gets the device's exception, tid 1")
    ok(b is not None and b[0] == 2 and b[2][0] == 4 and b[2][1] == 4,
       "the read behind it in the same segment is answered, tid 2")
    # broadcast: no answer; the next request's is the only one
    s.sendall(struct.pack(">HHHBBHH", 7, 0, 6, 0, 6, 0x5104, 5) +
              read_req(8, 1, 4, 0, 2))
    c = recv_frame(s)
    ok(c is not None and c[0] == 8, "a broadcast gets no answer: next is "
       "tid %s" % (c[0] if c else None))
    s.close()


def in_flight_then_gone():
    s = raw()
    s.sendall(b"".join(read_req(i, 3, 3, 0, 2) for i in range(1, 6)))
    time.sleep(0.05)
    s.close()
    c = client()
    r = c.read_input_registers(0, 2, slave=1)
    ok(code(r) is None and 200 < f32(r.registers) < 260,
       "a client gone with 5 requests in flight: the next one is served")
    c.close()


def run_clients(nclients, work, limit):
    """work(k) in nclients threads at once: seconds taken, any still
    running after limit seconds."""
    threads = [threading.Thread(target=work, args=(k,))
               for k in range(nclients)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(limit)
    return time.monotonic() - t0, any(t.is_alive() for t in threads)


def concurrent(nclients=50, each=10):
    errors = []
    def work(k):
        try:
            c = client()
            for i in range(each):
                r = c.read_input_registers(0, 2, slave=1)
                if code(r) is not None or not 200 < f32(r.registers) < 260:
                    errors.append("client %d: %s" % (k, r))
            c.close()
        except Exception as e:
            errors.append("client %d: %s" % (k, e))
    secs, alive = run_clients(nclients, work, 60)
    ok(not errors and not alive,
       "%d concurrent clients x %d reads, all answered right in %.1f s%s" %
       (nclients, each, secs, ": " + "; ".join(errors[:3]) if errors else ""))


def ten_thousand(nclients=20, each=500, window=4):
    """Issue 8's load: 10,000 requests from 20 clients, pipelined, to the
    EM24 behind the upstream gateway; every answer must come back to its
    own request (transaction id, unit, function, byte count)."""
    errors = []
    done = [0]

    def work(k):
        try:
            s = raw()
            s.settimeout(5)
            sent = got = 0
            base = k * 1000
            while got < each:
                while sent < each and sent - got < window:
                    count = 2 + 2 * ((base + sent) % 3)
                    s.sendall(read_req(base + sent, 50, 4, 0, count))
                    sent += 1
                f = recv_frame(s)
                if f is None:
                    errors.append("client %d: closed after %d" % (k, got))
                    return
                tid, unit, pdu = f
                want = 2 + 2 * (tid % 3) if tid >= base else -1
                if tid != base + got or unit != 50 or pdu[0] != 4 or \
                        pdu[1] != 2 * want:
                    errors.append("client %d: answer %d is tid %d unit %d "
                                  "%r" % (k, got, tid, unit, pdu[:2]))
                    return
                got += 1
                done[0] += 1
            s.close()
        except Exception as e:
            errors.append("client %d: %s" % (k, e))
    secs, alive = run_clients(nclients, work, 120)
    ok(not errors and not alive and done[0] == nclients * each,
       "%d gateway requests from %d clients, none lost or mismatched, in "
       "%.1f s%s" % (done[0], nclients, secs,
                     ": " + "; ".join(errors[:3]) if errors else ""))


def max_clients_and_idle():
    idle = [raw() for _ in range(55)]
    time.sleep(0.3)
    newcomer = raw()
    newcomer.sendall(read_req(1, 1, 4, 0, 2))
    a = recv_frame(newcomer)
    ok(a is not None and a[0] == 1,
       "the 56th client is served (max_clients 55)")
    ok(closed_by_peer(idle[0]), "... the oldest idle client made room")
    for s in idle:
        s.close()
    s = raw()
    t0 = time.monotonic()
    gone = closed_by_peer(s) if s.settimeout(5) is None else False
    dt = time.monotonic() - t0
    ok(gone and 1.5 < dt < 4.5, "an idle client is closed after the idle "
       "timeout (2 s): %.1f s" % dt)
    s.close()


every_function()
exceptions()
malformed()
in_flight_then_gone()
concurrent()
ten_thousand()
max_clients_and_idle()
print("1..%d" % n)
sys.exit(0)
