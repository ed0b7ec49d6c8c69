#!/usr/bin/python3
"""Read registers with pymodbus (3.0 API) and print them decoded.

usage: read_pymodbus.py (--tcp HOST:PORT | --serial PATH) [--timeout S]
                        [--repeat N --interval S] [--junk HEX [--pause S]]
                        SPEC...

SPEC is UNIT:FUNCTION:ADDRESS:TYPE[:ORDER[:SCALE]], e.g. 3:4:0x3E:s32:low:0.1
(TYPE u16 s16 u32 s32 u64 s64 float32 float64; ORDER high or low, the order
of the 16-bit words; the value printed is raw * SCALE).  One line per SPEC:

    SPEC value 231.4
    SPEC exception 11
    SPEC error no response

--junk writes those bytes on the serial line before each request (then
waits --pause seconds), to see the server find the request behind them.

The exit status is 0 when every read got an answer (a value or an
exception), 1 otherwise; the caller checks the values.
"""

import argparse
import struct
import sys
import time

from pymodbus.client import ModbusSerialClient, ModbusTcpClient
from pymodbus.pdu import ExceptionResponse

WORDS = {"u16": 1, "s16": 1, "u32": 2, "s32": 2, "float32": 2,
         "u64": 4, "s64": 4, "float64": 4}
FORMATS = {"u16": ">H", "s16": ">h", "u32": ">I", "s32": ">i",
           "float32": ">f", "u64": ">Q", "s64": ">q", "float64": ">d"}


def parse_spec(text):
    parts = text.split(":")
    if len(parts) < 4 or len(parts) > 6:
        raise ValueError("want UNIT:FUNCTION:ADDRESS:TYPE[:ORDER[:SCALE]]")
    unit, function, address = (int(p, 0) for p in parts[:3])
    kind = parts[3]
    order = parts[4] if len(parts) > 4 else "high"
    scale = float(parts[5]) if len(parts) > 5 else 1.0
    if function not in (3, 4) or kind not in WORDS or \
            order not in ("high", "low"):
        raise ValueError("function 3 or 4, a known type, order high or low")
    return unit, function, address, kind, order, scale


def decode(words, kind, order, scale):
    if order == "low":
        words = list(reversed(words))
    raw = b"".join(struct.pack(">H", w) for w in words)
    return struct.unpack(FORMATS[kind], raw)[0] * scale


def read(client, spec):
    unit, function, address, kind, order, scale = parse_spec(spec)
    count = WORDS[kind]
    if function == 3:
        rr = client.read_holding_registers(address, count, slave=unit)
    else:
        rr = client.read_input_registers(address, count, slave=unit)
    if isinstance(rr, ExceptionResponse):
        return "exception %d" % rr.exception_code, True
    if rr is None or rr.isError() or not hasattr(rr, "registers"):
        return "error %s" % (rr,), False
    if len(rr.registers) != count:
        return "error %d registers, not %d" % (len(rr.registers), count), \
            False
    return "value %.6f" % decode(rr.registers, kind, order, scale), True


def main():
    ap = argparse.ArgumentParser()
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--tcp")
    where.add_argument("--serial")
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--interval", type=float, default=0.0)
    ap.add_argument("--junk", type=bytes.fromhex)
    ap.add_argument("--pause", type=float, default=0.0)
    ap.add_argument("specs", nargs="+")
    args = ap.parse_args()

    if args.junk and not args.serial:
        ap.error("--junk needs --serial")
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        client = ModbusTcpClient(host, port=int(port), timeout=args.timeout,
                                 retries=0)
    else:
        client = ModbusSerialClient(port=args.serial, baudrate=19200,
                                    parity="N", stopbits=1, bytesize=8,
                                    timeout=args.timeout, retries=0)
    # pymodbus 3.0.0 keeps int(timeout): 0.5 would become 0, a
    # non-blocking read that never sees the reply.
    client.params.timeout = args.timeout
    if not client.connect():
        print("cannot connect", file=sys.stderr)
        return 1
    answered = True
    try:
        for n in range(args.repeat):
            if n:
                time.sleep(args.interval)
            for spec in args.specs:
                if args.junk:
                    client.socket.write(args.junk)
                    client.socket.flush()
                    time.sleep(args.pause)
                try:
                    text, ok = read(client, spec)
                except ValueError as e:
                    print("%s: %s" % (spec, e), file=sys.stderr)
                    return 2
                except Exception as e:  # pymodbus raises on timeouts
                    text, ok = "error %s" % e, False
                answered = answered and ok
                print("%s %s" % (spec, text), flush=True)
    finally:
        client.close()
    return 0 if answered else 1


if __name__ == "__main__":
    sys.exit(main())
