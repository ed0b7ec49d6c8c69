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

/*
 * A function that only reads (1-4, 7, 11, 12, 17, 20, 24): what a
 * read-only client of the gateway may send.  Every other code may change
 * a device: writes (5, 6, 15, 16, 21, 22, 23), diagnostics (8: its
 * sub-function 4 puts a device in listen-only mode), 43 (MEI transport)
 * and codes the specification leaves to vendors.
 */
int mbap_is_read(uint8_t fc);
/*
 * A request PDU for the logs: "function 6, register 0, value 1", with the
 * first register (or coil) a write changes, the sub-function of 8 and the
 * MEI type of 43.
 */
void mbap_describe(const uint8_t *pdu, size_t len, char *out, size_t size);

/* The exception codes a gateway answers with itself. */
#define MBAP_EX_ILLEGAL_FUNCTION	0x01
#define MBAP_EX_ILLEGAL_ADDRESS		0x02
#define MBAP_EX_DEVICE_FAILURE		0x04
#define MBAP_EX_BUSY			0x06
#define MBAP_EX_PATH_UNAVAILABLE	0x0A
#define MBAP_EX_TARGET_FAILED		0x0B

#endif
