/*
 * A Modbus TCP client's byte stream, split into frames as the gateway does:
 * every accepted frame lies within the stream, and a bad header stops it
 * (a TCP stream cannot be resynchronised).
 */
#include <stdint.h>
#include <stdlib.h>

#include "modbus/mbap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t out[MBAP_ADU_MAX];
	struct mbap h;
	size_t at = 0, len;

	while (at < size) {
		len = 0;
		switch (mbap_parse(data + at, size - at, &h, &len)) {
		case MBAP_OK:
			if (len < MBAP_HEADER + 1 || len > MBAP_ADU_MAX ||
			    len > size - at)
				abort();
			/* the reply a gateway would build for it */
			if (mbap_build(out, h.tid, h.unit, data + at +
			    MBAP_HEADER, len - MBAP_HEADER) != len)
				abort();
			at += len;
			break;
		case MBAP_MORE:
			return 0;
		default:
			return 0;
		}
	}
	return 0;
}
