#include <string.h>

#include "mbap.h"

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
