/*
 * Modbus TCP framing (MBAP), pure.  A request's size comes from its MBAP
 * length field, never from the quantities inside its PDU: a gateway that
 * sizes function 15/16 from their byte counts loses step with the stream
 * the first time a client sends them inconsistent.
 */
#ifndef MEWS_MBAP_H
#define MEWS_MBAP_H

#include <stddef.h>
#include <stdint.h>

#define MBAP_HEADER	7	/* transaction, protocol, length, unit */
#define MBAP_PDU_MAX	253
#define MBAP_ADU_MAX	(MBAP_HEADER + MBAP_PDU_MAX)

struct mbap {
	uint16_t	tid;
	uint16_t	protocol;
	uint16_t	length;		/* unit id + PDU */
	uint8_t		unit;
};

enum mbap_status {
	MBAP_MORE,		/* not a whole frame yet */
	MBAP_OK,		/* a whole frame of *frame_len bytes */
	MBAP_BAD_PROTOCOL,	/* protocol id is not 0 */
	MBAP_BAD_LENGTH		/* length outside 2..254: no function code,
				   or more than a PDU can hold */
};

/*
 * The frame at buf: its header in *h as soon as 7 bytes are there, then
 * MBAP_OK with its whole length once it has arrived.  A bad header is
 * known at 7 bytes: the stream cannot be resynchronised after it.
 */
enum mbap_status mbap_parse(const uint8_t *buf, size_t have, struct mbap *h,
    size_t *frame_len);
const char *mbap_status_name(enum mbap_status);

/* A response: header echoing tid and unit, then the PDU.  Its length. */
size_t mbap_build(uint8_t *out, uint16_t tid, uint8_t unit,
    const uint8_t *pdu, size_t pdu_len);
/* An exception response to function fc.  Its length (9). */
size_t mbap_exception(uint8_t *out, uint16_t tid, uint8_t unit, uint8_t fc,
    uint8_t code);

/* The exception codes a gateway answers with itself. */
#define MBAP_EX_ILLEGAL_FUNCTION	0x01
#define MBAP_EX_ILLEGAL_ADDRESS		0x02
#define MBAP_EX_DEVICE_FAILURE		0x04
#define MBAP_EX_BUSY			0x06
#define MBAP_EX_PATH_UNAVAILABLE	0x0A
#define MBAP_EX_TARGET_FAILED		0x0B

#endif
