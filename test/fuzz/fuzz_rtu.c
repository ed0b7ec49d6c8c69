/*
 * The RTU framing a master applies to whatever the line brings: the first
 * two bytes choose the unit and function waited for, the rest is what
 * arrived.  Runs the decision loop as bus.c does and checks it always
 * makes progress within the buffer; each frame found is also matched
 * against the bytes after it as a request (rtu_reply_fits, as the bus
 * matches a frame against its own and timed-out requests).
 */
#include <stdint.h>
#include <stdlib.h>

#include "modbus/rtu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *buf;
	size_t have, len;
	uint8_t unit, function;
	enum rtu_scan s;

	if (size < 2)
		return 0;
	unit = data[0];
	function = data[1] & 0x7F;
	buf = data + 2;
	have = size - 2;
	(void)rtu_request_length(buf, have);
	while (have > 0) {
		len = 0;
		s = rtu_scan_reply(buf, have, unit, function, &len);
		if (s == RTU_SCAN_MORE)
			break;
		if (s == RTU_SCAN_SILENCE) {
			s = rtu_scan_silent(buf, have, unit, function);
			len = have;
		}
		switch (s) {
		case RTU_SCAN_REPLY:
		case RTU_SCAN_DAMAGED:
		case RTU_SCAN_FOREIGN:
			if (len < 4 || len > have || len > RTU_MAX_ADU)
				abort();
			if (s == RTU_SCAN_REPLY && (buf[0] != unit ||
			    !rtu_crc_ok(buf, len)))
				abort();
			(void)rtu_reply_fits(buf + len, have - len, buf, len);
			buf += len;
			have -= len;
			break;
		case RTU_SCAN_NOISE:
			buf++;
			have--;
			break;
		default:
			abort();
		}
	}
	return 0;
}
