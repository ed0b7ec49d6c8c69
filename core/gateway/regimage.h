/*
 * The box's own Modbus unit (modbus_tcp.unit_id): every live value as
 * registers, so a SCADA system reads all meters in a few requests.  The map
 * is fixed, the same in the input (4) and holding (3) tables, read only:
 *
 *   device i (0-based, in mews.conf's order) at i * 256:
 *     +0        1 online, 0 offline
 *     +1        n, its number of metrics
 *     +2 + 2k   metric k (the profile's register order) as float32, high
 *               word first; NaN when its value is not ok (never read,
 *               stale, not available)
 */
#ifndef MEWS_REGIMAGE_H
#define MEWS_REGIMAGE_H

#include <stddef.h>
#include <stdint.h>

struct poller;

#define REGIMAGE_DEVICE_SPAN	256

/* The response PDU to a request PDU; its length.  Pure. */
size_t regimage_answer(const struct poller *, const uint8_t *pdu, size_t len,
    uint8_t *rsp);

#endif
