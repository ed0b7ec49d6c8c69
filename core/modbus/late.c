#include <string.h>

#include "modbus/late.h"

static int
late_expired(const struct late_req *r, uint64_t now_us)
{
	return now_us - r->at_us > LATE_HORIZON_US;
}

int
late_add(struct late *l, const uint8_t *adu, size_t len, uint64_t now_us)
{
	struct late_req *slot = NULL, *r;
	size_t i;
	int pushed;

	for (i = 0; i < LATE_MAX; i++) {
		r = &l->reqs[i];
		if (r->len == 0 || late_expired(r, now_us)) {
			slot = r;
			break;
		}
		if (slot == NULL || r->at_us < slot->at_us)
			slot = r;
	}
	pushed = slot->len != 0 && !late_expired(slot, now_us);
	memcpy(slot->adu, adu, len);
	slot->len = len;
	slot->at_us = now_us;
	return pushed;
}

int
late_take(struct late *l, const uint8_t *frame, size_t len, uint64_t now_us,
    uint64_t *age_us)
{
	struct late_req *oldest = NULL, *r;
	size_t i;

	for (i = 0; i < LATE_MAX; i++) {
		r = &l->reqs[i];
		if (r->len == 0)
			continue;
		if (late_expired(r, now_us)) {
			r->len = 0;
			continue;
		}
		if (rtu_reply_fits(r->adu, r->len, frame, len) &&
		    (oldest == NULL || r->at_us < oldest->at_us))
			oldest = r;
	}
	if (oldest == NULL)
		return 0;
	*age_us = now_us - oldest->at_us;
	oldest->len = 0;
	return 1;
}

size_t
late_forget(struct late *l, uint8_t unit)
{
	size_t i, n = 0;

	for (i = 0; i < LATE_MAX; i++)
		if (l->reqs[i].len > 0 && l->reqs[i].adu[0] == unit) {
			l->reqs[i].len = 0;
			n++;
		}
	return n;
}
