#include <math.h>
#include <string.h>

#include "devices/device.h"
#include "devices/poller.h"
#include "gateway/regimage.h"
#include "modbus/mbap.h"

/* Register `reg` of the image; 0 past a device's values. */
static uint16_t
regimage_register(const struct poller *p, unsigned reg)
{
	const struct device *d = poller_device(p, reg / REGIMAGE_DEVICE_SPAN);
	unsigned off = reg % REGIMAGE_DEVICE_SPAN, slot;
	const struct device_value *v;
	uint32_t bits;
	float f;

	if (off == 0)
		return (uint16_t)d->online;
	if (off == 1)
		return (uint16_t)d->nvalues;
	slot = (off - 2) / 2;
	if (slot >= d->nvalues)
		return 0;
	v = &d->values[slot];
	f = v->quality == VALUE_OK ? (float)v->value : NAN;
	memcpy(&bits, &f, sizeof(bits));
	return (uint16_t)((off - 2) % 2 == 0 ? bits >> 16 : bits & 0xFFFF);
}

static size_t
regimage_exception(const uint8_t *pdu, uint8_t code, uint8_t *rsp)
{
	rsp[0] = (uint8_t)(pdu[0] | 0x80);
	rsp[1] = code;
	return 2;
}

size_t
regimage_answer(const struct poller *p, const uint8_t *pdu, size_t len,
    uint8_t *rsp)
{
	unsigned first, count, i, end;
	uint16_t w;

	if (pdu[0] != 3 && pdu[0] != 4)
		return regimage_exception(pdu, MBAP_EX_ILLEGAL_FUNCTION, rsp);
	if (len != 5)
		return regimage_exception(pdu, 0x03, rsp);
	first = (unsigned)(pdu[1] << 8 | pdu[2]);
	count = (unsigned)(pdu[3] << 8 | pdu[4]);
	if (count < 1 || count > 125)
		return regimage_exception(pdu, 0x03, rsp);
	end = p != NULL ? (unsigned)poller_count(p) * REGIMAGE_DEVICE_SPAN : 0;
	if (first + count > end)
		return regimage_exception(pdu, MBAP_EX_ILLEGAL_ADDRESS, rsp);
	rsp[0] = pdu[0];
	rsp[1] = (uint8_t)(2 * count);
	for (i = 0; i < count; i++) {
		w = regimage_register(p, first + i);
		rsp[2 + 2 * i] = (uint8_t)(w >> 8);
		rsp[3 + 2 * i] = (uint8_t)(w & 0xFF);
	}
	return 2 + 2 * (size_t)count;
}
