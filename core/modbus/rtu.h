/*
 * Modbus RTU framing, pure: no I/O, no time source.  Used by the daemon's
 * non-blocking line state machine and by the simulator.
 */
#ifndef MEWS_RTU_H
#define MEWS_RTU_H

#include <stddef.h>
#include <stdint.h>

#define RTU_MAX_ADU	256	/* address + PDU (253) + CRC */
#define RTU_BROADCAST	0

/* rtu_*_length() results besides a positive total length in bytes. */
#define RTU_LEN_MORE	0	/* need more bytes before the length is known */
#define RTU_LEN_SILENCE	(-1)	/* no length can be known: t3.5 ends it */

uint16_t rtu_crc16(const uint8_t *buf, size_t len);
/* 1 when the frame's last two bytes are its CRC (low byte first). */
int rtu_crc_ok(const uint8_t *frame, size_t len);
/* Append the CRC to frame[0..len); returns len + 2. */
size_t rtu_crc_append(uint8_t *frame, size_t len);

/*
 * The total length (address to CRC) of a frame from its first `have` bytes,
 * from the function code and the byte-count fields the protocol defines.
 */
int rtu_request_length(const uint8_t *buf, size_t have);
int rtu_reply_length(const uint8_t *buf, size_t have);

/*
 * What the bytes received so far hold while waiting for the reply of
 * `unit` to `function`: the master's framing decision, kept pure.
 */
enum rtu_scan {
	RTU_SCAN_MORE,		/* the frame is not complete yet */
	RTU_SCAN_SILENCE,	/* only a t3.5 silence can end it: wait, then
				   call rtu_scan_silent */
	RTU_SCAN_REPLY,		/* *len bytes at buf[0]: the reply */
	RTU_SCAN_DAMAGED,	/* *len bytes at buf[0]: the reply, bad CRC */
	RTU_SCAN_FOREIGN,	/* *len bytes: a valid frame, not ours */
	RTU_SCAN_NOISE		/* buf[0] starts no frame: drop one byte */
};

enum rtu_scan rtu_scan_reply(const uint8_t *buf, size_t have, uint8_t unit,
    uint8_t function, size_t *len);
/* After a silence: all `have` bytes as one frame (never MORE/SILENCE). */
enum rtu_scan rtu_scan_silent(const uint8_t *buf, size_t have, uint8_t unit,
    uint8_t function);

/*
 * 1 when a whole frame with a good CRC can be the reply to a request (both
 * address to CRC): the unit and function, then what a reply repeats of
 * its request (a read's byte count, a write's address and value or
 * quantity, a diagnostic's sub-function).  Two requests whose replies can
 * fit both cannot be told apart by their replies: RTU has no transaction
 * id.  An exception fits every request of its unit and function.
 */
int rtu_reply_fits(const uint8_t *req, size_t req_len, const uint8_t *rsp,
    size_t rsp_len);

/* Time on the wire, in microseconds, at 11 bits a character. */
uint32_t rtu_char_us(uint32_t baud);
uint32_t rtu_frame_us(uint32_t baud, size_t bytes);
/* Inter-frame silence: 3.5 characters, fixed 1750 us above 19200 baud. */
uint32_t rtu_t35_us(uint32_t baud);

#endif
