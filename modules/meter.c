/*
 * The register-map meter: everything a profile file describes, read in as
 * few requests as the device allows.  Each request costs a turnaround and
 * two t3.5 silences on the line, so merging is what makes a bus of many
 * meters fast.
 */
#include <stdlib.h>
#include <string.h>

#include "module.h"

struct meter_read {
	struct module_read	 rd;
	size_t			 first;		/* index into sorted regs */
	size_t			 nregs;
};

struct meter {
	/* The profile as this meter reads it: maybe another register list. */
	struct profile		  view;
	struct module_metric	 *metrics;	/* in the profile's order */
	const struct profile_reg **regs;	/* by function, then address */
	size_t			  nreads;
	struct meter_read	 *reads;
};

static void meter_free(void *);

static int
meter_reg_cmp(const void *a, const void *b)
{
	const struct profile_reg *ra = *(const struct profile_reg *const *)a;
	const struct profile_reg *rb = *(const struct profile_reg *const *)b;

	if (ra->function != rb->function)
		return ra->function - rb->function;
	return (int)ra->address - (int)rb->address;
}

/*
 * Greedy merge over the sorted registers: a register joins the current
 * read when it has the same function, the gap before it is within the
 * profile's merge_gap, and the read stays within max_registers.
 */
static int
meter_plan_reads(struct meter *m)
{
	const struct profile *p = &m->view;
	struct meter_read *cur = NULL;
	size_t i;

	if ((m->reads = calloc(p->nregs ? p->nregs : 1, sizeof(*m->reads)))
	    == NULL)
		return -1;
	for (i = 0; i < p->nregs; i++) {
		const struct profile_reg *r = m->regs[i];
		unsigned words = profile_type_words(r->type);
		unsigned end = r->address + words;

		if (cur != NULL && cur->rd.function == r->function) {
			unsigned cur_end = cur->rd.address + cur->rd.count;
			unsigned gap = r->address > cur_end ?
			    r->address - cur_end : 0;
			unsigned new_end = end > cur_end ? end : cur_end;

			if (gap <= (unsigned)p->merge_gap &&
			    new_end - cur->rd.address <=
			    (unsigned)p->max_registers) {
				cur->rd.count = new_end - cur->rd.address;
				cur->nregs++;
				continue;
			}
		}
		cur = &m->reads[m->nreads++];
		cur->rd.function = r->function;
		cur->rd.address = r->address;
		cur->rd.count = words;
		cur->first = i;
		cur->nregs = 1;
	}
	return 0;
}

int
meter_init_regs(const struct profile *prof, struct profile_reg *regs,
    size_t nregs, void **state)
{
	const struct profile *p;
	struct meter *m;
	size_t i;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return -1;
	m->view = *prof;
	m->view.regs = regs;
	m->view.nregs = nregs;
	p = &m->view;
	m->regs = calloc(p->nregs ? p->nregs : 1, sizeof(*m->regs));
	m->metrics = calloc(p->nregs ? p->nregs : 1, sizeof(*m->metrics));
	if (m->regs == NULL || m->metrics == NULL) {
		meter_free(m);
		return -1;
	}
	for (i = 0; i < p->nregs; i++) {
		m->regs[i] = &p->regs[i];
		m->metrics[i].name = p->regs[i].metric;
		m->metrics[i].info = p->regs[i].info;
	}
	qsort(m->regs, p->nregs, sizeof(*m->regs), meter_reg_cmp);
	if (meter_plan_reads(m) == -1) {
		meter_free(m);
		return -1;
	}
	*state = m;
	return 0;
}

static int
meter_init(const struct profile *p, const struct module_device *dev,
    void **state)
{
	(void)dev;
	return meter_init_regs(p, p->regs, p->nregs, state);
}

static size_t
meter_metrics(const void *state, const struct module_metric **metrics)
{
	const struct meter *m = state;

	*metrics = m->metrics;
	return m->view.nregs;
}

static size_t
meter_plan(void *state, struct module_read *reads, size_t max)
{
	struct meter *m = state;
	size_t i;

	for (i = 0; i < m->nreads && i < max; i++)
		reads[i] = m->reads[i].rd;
	return i;
}

static void
meter_take(void *state, size_t i, const uint16_t *words, size_t nwords,
    module_value_cb cb, void *arg)
{
	struct meter *m = state;
	const struct meter_read *rd;
	size_t k;

	if (i >= m->nreads)
		return;
	rd = &m->reads[i];
	for (k = rd->first; k < rd->first + rd->nregs; k++) {
		const struct profile_reg *r = m->regs[k];
		size_t off = r->address - rd->rd.address;
		struct module_value v = { (size_t)(r - m->view.regs), 0,
		    PROFILE_VALUE_NA };

		if (off + profile_type_words(r->type) > nwords)
			continue;
		v.quality = profile_decode(r, words + off, &v.value);
		cb(arg, &v);
	}
}

static json_t *
meter_describe(const void *state)
{
	const struct meter *m = state;
	const struct profile *p = &m->view;

	return json_pack("{s:s, s:s?, s:s?, s:I, s:I}", "profile", p->name,
	    "manufacturer", p->manufacturer, "model", p->model,
	    "registers", (json_int_t)p->nregs,
	    "requests_per_poll", (json_int_t)m->nreads);
}

static void
meter_free(void *state)
{
	struct meter *m = state;

	if (m == NULL)
		return;
	free(m->regs);
	free(m->metrics);
	free(m->reads);
	free(m);
}

const struct module module_meter = {
	.name = "meter",
	.init = meter_init,
	.metrics = meter_metrics,
	.plan = meter_plan,
	.take = meter_take,
	.describe = meter_describe,
	.free = meter_free,
};
