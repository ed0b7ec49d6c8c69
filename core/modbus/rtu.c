#include <string.h>

#include "modbus/rtu.h"

uint16_t
rtu_crc16(const uint8_t *buf, size_t len)
{
	uint16_t crc = 0xFFFF;
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		crc ^= buf[i];
		for (bit = 0; bit < 8; bit++)
			crc = (crc & 1) ? (crc >> 1) ^ 0xA001 : crc >> 1;
	}
	return crc;
}

int
rtu_crc_ok(const uint8_t *frame, size_t len)
{
	uint16_t crc;

	if (len < 4)
		return 0;
	crc = rtu_crc16(frame, len - 2);
	return frame[len - 2] == (crc & 0xFF) && frame[len - 1] == (crc >> 8);
}

size_t
rtu_crc_append(uint8_t *frame, size_t len)
{
	uint16_t crc = rtu_crc16(frame, len);

	frame[len] = crc & 0xFF;
	frame[len + 1] = crc >> 8;
	return len + 2;
}

/* address + function + N bytes + count byte at buf[2 + N]... */
static int
rtu_counted(const uint8_t *buf, size_t have, size_t count_at, size_t fixed)
{
	if (have <= count_at)
		return RTU_LEN_MORE;
	return (int)(fixed + buf[count_at]);
}

int
rtu_request_length(const uint8_t *buf, size_t have)
{
	if (have < 2)
		return RTU_LEN_MORE;
	switch (buf[1]) {
	case 1: case 2: case 3: case 4: case 5: case 6:
		return 8;
	case 7: case 11: case 12: case 17:
		return 4;
	case 8:
		/* Sub-function 0 (return query data) echoes any length. */
		if (have < 4)
			return RTU_LEN_MORE;
		return (buf[2] == 0 && buf[3] == 0) ? RTU_LEN_SILENCE : 8;
	case 15: case 16:
		return rtu_counted(buf, have, 6, 9);
	case 20: case 21:
		return rtu_counted(buf, have, 2, 5);
	case 22:
		return 10;
	case 23:
		return rtu_counted(buf, have, 10, 13);
	case 24:
		return 6;
	case 43:
		if (have < 3)
			return RTU_LEN_MORE;
		return buf[2] == 14 ? 7 : RTU_LEN_SILENCE;
	default:
		return RTU_LEN_SILENCE;
	}
}

/* 43/14: 8 header bytes, then objects of (id, length, value), then CRC. */
static int
rtu_device_id_length(const uint8_t *buf, size_t have)
{
	size_t at = 8;
	unsigned nobj, i;

	if (have < 8)
		return RTU_LEN_MORE;
	nobj = buf[7];
	for (i = 0; i < nobj; i++) {
		if (have < at + 2)
			return RTU_LEN_MORE;
		at += 2 + buf[at + 1];
		if (at + 2 > RTU_MAX_ADU)
			return RTU_LEN_SILENCE;
	}
	return (int)(at + 2);
}

int
rtu_reply_length(const uint8_t *buf, size_t have)
{
	if (have < 2)
		return RTU_LEN_MORE;
	if (buf[1] & 0x80)
		return 5;
	switch (buf[1]) {
	case 1: case 2: case 3: case 4: case 12: case 17:
	case 20: case 21: case 23:
		return rtu_counted(buf, have, 2, 5);
	case 5: case 6: case 15: case 16:
		return 8;
	case 7:
		return 5;
	case 8:
		if (have < 4)
			return RTU_LEN_MORE;
		return (buf[2] == 0 && buf[3] == 0) ? RTU_LEN_SILENCE : 8;
	case 11:
		return 8;
	case 22:
		return 10;
	case 24:
		/* A 16-bit byte count covering the FIFO count and values. */
		if (have < 4)
			return RTU_LEN_MORE;
		return 6 + ((buf[2] << 8) | buf[3]);
	case 43:
		if (have < 3)
			return RTU_LEN_MORE;
		return buf[2] == 14 ? rtu_device_id_length(buf, have) :
		    RTU_LEN_SILENCE;
	default:
		return RTU_LEN_SILENCE;
	}
}

/* A whole candidate frame: ours, ours but damaged, someone else's, noise. */
static enum rtu_scan
rtu_judge(const uint8_t *buf, size_t len, uint8_t unit, uint8_t function)
{
	int ours = buf[0] == unit && (buf[1] & 0x7F) == function;

	if (rtu_crc_ok(buf, len))
		return ours ? RTU_SCAN_REPLY : RTU_SCAN_FOREIGN;
	/*
	 * A bad CRC on a frame with our address and function is most likely
	 * our reply, damaged on the line; anything else is noise, and the
	 * reply may start at the next byte.
	 */
	return ours ? RTU_SCAN_DAMAGED : RTU_SCAN_NOISE;
}

enum rtu_scan
rtu_scan_reply(const uint8_t *buf, size_t have, uint8_t unit,
    uint8_t function, size_t *len)
{
	int n;

	if (have < 2)
		return RTU_SCAN_MORE;
	n = rtu_reply_length(buf, have);
	if (n == RTU_LEN_MORE)
		return RTU_SCAN_MORE;
	if (n == RTU_LEN_SILENCE)
		return RTU_SCAN_SILENCE;
	if (n < 4 || n > RTU_MAX_ADU)
		return RTU_SCAN_NOISE;
	if (have < (size_t)n)
		return RTU_SCAN_MORE;
	*len = (size_t)n;
	return rtu_judge(buf, (size_t)n, unit, function);
}

enum rtu_scan
rtu_scan_silent(const uint8_t *buf, size_t have, uint8_t unit,
    uint8_t function)
{
	if (have < 4 || have > RTU_MAX_ADU)
		return RTU_SCAN_NOISE;
	return rtu_judge(buf, have, unit, function);
}

/* The 16-bit field at buf[at], high byte first. */
static unsigned
rtu_word(const uint8_t *buf, size_t at)
{
	return (unsigned)(buf[at] << 8 | buf[at + 1]);
}

/* The reply repeats n bytes of the request from offset 2, and is len long. */
static int
rtu_echoes(const uint8_t *req, size_t req_len, const uint8_t *rsp,
    size_t rsp_len, size_t n, size_t len)
{
	return rsp_len == len && req_len >= 2 + n &&
	    memcmp(rsp + 2, req + 2, n) == 0;
}

/*
 * A request too short for the field checked (a gateway client's malformed
 * one) is judged on unit and function alone: the device's exception to it
 * must still come back.
 */
int
rtu_reply_fits(const uint8_t *req, size_t req_len, const uint8_t *rsp,
    size_t rsp_len)
{
	if (req_len < 4 || rsp_len < 4 || rsp[0] != req[0] ||
	    (rsp[1] & 0x7F) != req[1])
		return 0;
	if (rsp[1] & 0x80)
		return 1;
	switch (req[1]) {
	case 1: case 2:
		return req_len < 8 || rsp[2] == (rtu_word(req, 4) + 7) / 8;
	case 3: case 4: case 23:
		/* 23's read quantity comes first, where 3's is. */
		return req_len < 8 || rsp[2] == 2 * rtu_word(req, 4);
	case 5: case 6: case 15: case 16:
		return rtu_echoes(req, req_len, rsp, rsp_len, 4, 8);
	case 22:
		return rtu_echoes(req, req_len, rsp, rsp_len, 6, 10);
	case 8:
		/* Return query data (0) echoes the whole request. */
		if (req_len >= 6 && rtu_word(req, 2) == 0)
			return rsp_len == req_len &&
			    memcmp(rsp, req, req_len) == 0;
		return rtu_echoes(req, req_len, rsp, rsp_len, 2, rsp_len);
	case 43:
		/* The MEI type, and for 14 the read device id code. */
		return req_len < 7 || (rsp[2] == req[2] &&
		    (req[2] != 14 || rsp_len < 5 || rsp[3] == req[3]));
	default:
		return 1;
	}
}

uint32_t
rtu_char_us(uint32_t baud)
{
	return (uint32_t)((11ULL * 1000000 + baud - 1) / baud);
}

uint32_t
rtu_frame_us(uint32_t baud, size_t bytes)
{
	return (uint32_t)((11ULL * 1000000 * bytes + baud - 1) / baud);
}

uint32_t
rtu_t35_us(uint32_t baud)
{
	if (baud > 19200)
		return 1750;
	return (uint32_t)((38500000ULL + baud - 1) / baud);
}
