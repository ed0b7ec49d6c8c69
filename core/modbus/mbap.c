#include <stdio.h>
#include <string.h>

#include "modbus/mbap.h"

enum mbap_status
mbap_parse(const uint8_t *buf, size_t have, struct mbap *h, size_t *frame_len)
{
	if (have < MBAP_HEADER)
		return MBAP_MORE;
	h->tid = (uint16_t)(buf[0] << 8 | buf[1]);
	h->protocol = (uint16_t)(buf[2] << 8 | buf[3]);
	h->length = (uint16_t)(buf[4] << 8 | buf[5]);
	h->unit = buf[6];
	if (h->protocol != 0)
		return MBAP_BAD_PROTOCOL;
	if (h->length < 2 || h->length > 1 + MBAP_PDU_MAX)
		return MBAP_BAD_LENGTH;
	*frame_len = MBAP_HEADER - 1 + h->length;
	return have < *frame_len ? MBAP_MORE : MBAP_OK;
}

const char *
mbap_status_name(enum mbap_status s)
{
	switch (s) {
	case MBAP_MORE:
		return "incomplete";
	case MBAP_OK:
		return "ok";
	case MBAP_BAD_PROTOCOL:
		return "protocol id is not 0";
	default:
		return "length is not 2..254";
	}
}

size_t
mbap_build(uint8_t *out, uint16_t tid, uint8_t unit, const uint8_t *pdu,
    size_t pdu_len)
{
	size_t len = pdu_len + 1;

	out[0] = tid >> 8;
	out[1] = tid & 0xFF;
	out[2] = 0;
	out[3] = 0;
	out[4] = (uint8_t)(len >> 8);
	out[5] = (uint8_t)(len & 0xFF);
	out[6] = unit;
	memmove(out + MBAP_HEADER, pdu, pdu_len);
	return MBAP_HEADER + pdu_len;
}

size_t
mbap_exception(uint8_t *out, uint16_t tid, uint8_t unit, uint8_t fc,
    uint8_t code)
{
	const uint8_t pdu[2] = { (uint8_t)(fc | 0x80), code };

	return mbap_build(out, tid, unit, pdu, sizeof(pdu));
}

int
mbap_is_read(uint8_t fc)
{
	switch (fc) {
	case 1: case 2: case 3: case 4: case 7: case 11: case 12: case 17:
	case 20: case 24:
		return 1;
	default:
		return 0;
	}
}

static unsigned
mbap_u16(const uint8_t *p)
{
	return (unsigned)(p[0] << 8 | p[1]);
}

void
mbap_describe(const uint8_t *pdu, size_t len, char *out, size_t size)
{
	uint8_t fc = len > 0 ? pdu[0] : 0;

	/* Short PDUs go to the device as they are: name what is there. */
	if ((fc == 5 || fc == 6) && len >= 5)
		snprintf(out, size, "function %u, register %u, value %u", fc,
		    mbap_u16(pdu + 1), mbap_u16(pdu + 3));
	else if ((fc <= 4 || fc == 15 || fc == 16) && fc != 0 && len >= 5)
		snprintf(out, size, "function %u, register %u, count %u", fc,
		    mbap_u16(pdu + 1), mbap_u16(pdu + 3));
	else if (fc == 22 && len >= 7)
		snprintf(out, size, "function 22, register %u, and 0x%04X, or "
		    "0x%04X", mbap_u16(pdu + 1), mbap_u16(pdu + 3),
		    mbap_u16(pdu + 5));
	else if (fc == 23 && len >= 9)
		snprintf(out, size, "function 23, register %u, count %u "
		    "written, %u read from %u", mbap_u16(pdu + 5),
		    mbap_u16(pdu + 7), mbap_u16(pdu + 3), mbap_u16(pdu + 1));
	else if (fc == 21 && len >= 7)
		snprintf(out, size, "function 21, file %u, record %u",
		    mbap_u16(pdu + 3), mbap_u16(pdu + 5));
	else if (fc == 8 && len >= 3)
		snprintf(out, size, "function 8, sub-function %u",
		    mbap_u16(pdu + 1));
	else if (fc == 43 && len >= 2)
		snprintf(out, size, "function 43, MEI type %u", pdu[1]);
	else
		snprintf(out, size, "function %u", fc);
}
