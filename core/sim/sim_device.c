/*
 * The simulated devices: one electrical state per device that moves with
 * time, encoded through the device's profile into a libmodbus mapping.
 *
 * The model is a load that wanders around a base power (a slow swell plus a
 * bounded random walk), split over the phases.  Voltages stay near 230 V,
 * the frequency near 50 Hz, power factors between 0.9 and 1, and the rest
 * follows: I = P / (V * PF), Q = P * tan(acos PF), S = V * I.  Energy
 * counters integrate the power over the time between refreshes, so they
 * only ever rise.
 */
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "log.h"

enum sim_quantity {
	SQ_ENERGY_IMPORT, SQ_ENERGY_EXPORT, SQ_REACTIVE_IMPORT,
	SQ_REACTIVE_EXPORT, SQ_WATER, SQ_GAS,
	SQ_POWER, SQ_POWER_PHASE, SQ_POWER_REACTIVE, SQ_POWER_APPARENT,
	SQ_VOLTAGE, SQ_VOLTAGE_LL, SQ_CURRENT, SQ_CURRENT_N, SQ_FREQUENCY,
	SQ_POWER_FACTOR, SQ_THD_VOLTAGE, SQ_THD_CURRENT,
	SQ_HARMONIC_VOLTAGE, SQ_HARMONIC_CURRENT, SQ_STATE, SQ_UNKNOWN
};

/* Canonical metric -> what the model computes, and for which phase. */
static const struct sim_metric {
	const char		*sm_name;
	enum sim_quantity	 sm_q;
	int			 sm_phase;
} sim_metrics[] = {
	{ "energy_import", SQ_ENERGY_IMPORT, 0 },
	{ "energy_export", SQ_ENERGY_EXPORT, 0 },
	{ "energy_reactive_import", SQ_REACTIVE_IMPORT, 0 },
	{ "energy_reactive_export", SQ_REACTIVE_EXPORT, 0 },
	{ "water_volume", SQ_WATER, 0 },
	{ "gas_volume", SQ_GAS, 0 },
	{ "power", SQ_POWER, 0 },
	{ "power_l1", SQ_POWER_PHASE, 0 },
	{ "power_l2", SQ_POWER_PHASE, 1 },
	{ "power_l3", SQ_POWER_PHASE, 2 },
	{ "power_reactive", SQ_POWER_REACTIVE, 0 },
	{ "power_apparent", SQ_POWER_APPARENT, 0 },
	{ "voltage_l1", SQ_VOLTAGE, 0 },
	{ "voltage_l2", SQ_VOLTAGE, 1 },
	{ "voltage_l3", SQ_VOLTAGE, 2 },
	{ "voltage_l12", SQ_VOLTAGE_LL, 0 },
	{ "voltage_l23", SQ_VOLTAGE_LL, 1 },
	{ "voltage_l31", SQ_VOLTAGE_LL, 2 },
	{ "current_l1", SQ_CURRENT, 0 },
	{ "current_l2", SQ_CURRENT, 1 },
	{ "current_l3", SQ_CURRENT, 2 },
	{ "current_n", SQ_CURRENT_N, 0 },
	{ "frequency", SQ_FREQUENCY, 0 },
	{ "power_factor", SQ_POWER_FACTOR, 0 },
	{ "thd_voltage_l1", SQ_THD_VOLTAGE, 0 },
	{ "thd_voltage_l2", SQ_THD_VOLTAGE, 1 },
	{ "thd_voltage_l3", SQ_THD_VOLTAGE, 2 },
	{ "thd_current_l1", SQ_THD_CURRENT, 0 },
	{ "thd_current_l2", SQ_THD_CURRENT, 1 },
	{ "thd_current_l3", SQ_THD_CURRENT, 2 },
	{ "state", SQ_STATE, 0 },
};

/* One register of the profile, bound to its quantity and mapping words. */
struct sim_binding {
	const struct profile_reg *sb_reg;
	enum sim_quantity	 sb_q;
	int			 sb_phase;	/* 0..2 */
	int			 sb_order;	/* harmonics: 2..63 */
	uint16_t		*sb_words;
};

struct sim_device {
	int			 dev_addr;
	int			 dev_dead;
	struct profile		*dev_prof;
	modbus_mapping_t	*dev_map;
	struct sim_binding	*dev_bind;
	int			 dev_phases;	/* 1 or 3 */

	uint64_t		 dev_born_us;
	uint64_t		 dev_last_us;

	double			 dev_base_w;	/* the load wanders around it */
	double			 dev_swell_s;	/* period of its slow swell */
	double			 dev_walk;	/* random walk, +-0.3 */
	double			 dev_share[3];	/* of the load, per phase */
	double			 dev_v_offset[3];
	double			 dev_v[3];
	double			 dev_pf[3];
	double			 dev_p[3];
	double			 dev_i[3];
	double			 dev_thd_v[3];
	double			 dev_thd_i[3];
	double			 dev_freq;

	double			 dev_e_import;	/* kWh */
	double			 dev_e_export;
	double			 dev_q_import;	/* kvarh */
	double			 dev_q_export;
	double			 dev_water;	/* m3 */
	double			 dev_gas;
	double			 dev_water_flow; /* m3/s */
	double			 dev_gas_flow;
};

static void sim_device_move(struct sim *, struct sim_device *, double);

static double
sim_uniform(struct sim *sim, double lo, double hi)
{
	return lo + (hi - lo) * sim_random_unit(sim);
}

static double
sim_noise(struct sim *sim, double amplitude)
{
	return sim_uniform(sim, -amplitude, amplitude);
}

static double
sim_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void
sim_bind(struct sim_binding *b, const struct profile_reg *r)
{
	char kind[8];
	size_t i;
	int phase, order, end = 0;

	b->sb_reg = r;
	b->sb_q = SQ_UNKNOWN;
	b->sb_phase = 0;
	b->sb_order = 0;
	for (i = 0; i < sizeof(sim_metrics) / sizeof(*sim_metrics); i++)
		if (strcmp(sim_metrics[i].sm_name, r->metric) == 0) {
			b->sb_q = sim_metrics[i].sm_q;
			b->sb_phase = sim_metrics[i].sm_phase;
			return;
		}
	if (sscanf(r->metric, "harmonic_%7[a-z]_l%d_h%d%n", kind, &phase,
	    &order, &end) == 3 && r->metric[end] == '\0' && phase >= 1 &&
	    phase <= 3 && order >= 2 && order <= 63) {
		if (strcmp(kind, "voltage") == 0)
			b->sb_q = SQ_HARMONIC_VOLTAGE;
		else if (strcmp(kind, "current") == 0)
			b->sb_q = SQ_HARMONIC_CURRENT;
		b->sb_phase = phase - 1;
		b->sb_order = order;
	}
}

/* The [first, end) span of the registers read with one function. */
static void
sim_span(const struct profile *p, uint8_t function, unsigned *first,
    unsigned *count)
{
	unsigned lo = 0x10000, hi = 0, end;
	size_t i;

	for (i = 0; i < p->nregs; i++) {
		if (p->regs[i].function != function)
			continue;
		end = p->regs[i].address + profile_type_words(p->regs[i].type);
		if (p->regs[i].address < lo)
			lo = p->regs[i].address;
		if (end > hi)
			hi = end;
	}
	*first = hi ? lo : 0;
	*count = hi ? hi - lo : 0;
}

static int
sim_device_map(struct sim_device *dev)
{
	const struct profile *p = dev->dev_prof;
	unsigned hfirst, hcount, ifirst, icount;
	size_t i;

	sim_span(p, 3, &hfirst, &hcount);
	sim_span(p, 4, &ifirst, &icount);
	dev->dev_map = modbus_mapping_new_start_address(0, 0, 0, 0,
	    hfirst, hcount, ifirst, icount);
	if (dev->dev_map == NULL)
		return -1;
	if ((dev->dev_bind = calloc(p->nregs ? p->nregs : 1,
	    sizeof(*dev->dev_bind))) == NULL)
		return -1;
	dev->dev_phases = 1;
	for (i = 0; i < p->nregs; i++) {
		struct sim_binding *b = &dev->dev_bind[i];
		const struct profile_reg *r = &p->regs[i];

		sim_bind(b, r);
		if (r->function == 3)
			b->sb_words = dev->dev_map->tab_registers +
			    (r->address - hfirst);
		else
			b->sb_words = dev->dev_map->tab_input_registers +
			    (r->address - ifirst);
		/* A line-to-line voltage or an L2/L3 value: three phases. */
		if (b->sb_phase > 0 || b->sb_q == SQ_VOLTAGE_LL)
			dev->dev_phases = 3;
	}
	return 0;
}

static void
sim_device_start(struct sim *sim, struct sim_device *dev)
{
	double sum = 0;
	int k;

	dev->dev_born_us = dev->dev_last_us = sim_now_us();
	dev->dev_base_w = dev->dev_phases == 3 ? sim_uniform(sim, 2000, 12000) :
	    sim_uniform(sim, 300, 3000);
	dev->dev_swell_s = sim_uniform(sim, 120, 600);
	for (k = 0; k < 3; k++) {
		dev->dev_share[k] = k < dev->dev_phases ?
		    sim_uniform(sim, 0.8, 1.2) : 0;
		sum += dev->dev_share[k];
		dev->dev_v_offset[k] = sim_noise(sim, 2.5);
		dev->dev_v[k] = 230 + dev->dev_v_offset[k];
		dev->dev_pf[k] = sim_uniform(sim, 0.92, 0.99);
		dev->dev_thd_v[k] = sim_uniform(sim, 1.5, 3.5);
		dev->dev_thd_i[k] = sim_uniform(sim, 5, 12);
	}
	for (k = 0; k < 3; k++)
		dev->dev_share[k] /= sum;
	dev->dev_freq = 50 + sim_noise(sim, 0.03);
	dev->dev_e_import = sim_uniform(sim, 1000, 30000);
	dev->dev_e_export = sim_uniform(sim, 0, 500);
	dev->dev_q_import = sim_uniform(sim, 100, 3000);
	dev->dev_q_export = sim_uniform(sim, 0, 100);
	dev->dev_water = sim_uniform(sim, 10, 500);
	dev->dev_gas = sim_uniform(sim, 100, 5000);
	dev->dev_water_flow = sim_uniform(sim, 2e-5, 2e-4);
	dev->dev_gas_flow = sim_uniform(sim, 2e-5, 2e-4);
	sim_device_move(sim, dev, 0);
}

struct sim_device *
sim_device_new(struct sim *sim, int addr, const char *name, const char *dir)
{
	struct conf_errors errs = { 0, NULL };
	struct sim_device *dev;
	size_t i;

	if ((dev = calloc(1, sizeof(*dev))) == NULL) {
		fprintf(stderr, "mews-sim: out of memory\n");
		return NULL;
	}
	dev->dev_addr = addr;
	if ((dev->dev_prof = profile_load(dir, name, &errs)) == NULL) {
		fprintf(stderr, "mews-sim: --device %d:%s: cannot load the "
		    "profile '%s' from %s\n", addr, name, name, dir);
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "mews-sim: %s\n", errs.msgs[i]);
		conf_errors_free(&errs);
		free(dev);
		return NULL;
	}
	conf_errors_free(&errs);
	if (sim_device_map(dev) == -1) {
		fprintf(stderr, "mews-sim: --device %d:%s: out of memory\n",
		    addr, name);
		sim_device_free(dev);
		return NULL;
	}
	if (dev->dev_prof->nregs == 0)
		fprintf(stderr, "mews-sim: warning: --device %d:%s: the "
		    "profile has no register map (module '%s'); every read "
		    "gets 'illegal data address'\n", addr, name,
		    dev->dev_prof->module ? dev->dev_prof->module : "");
	sim_device_start(sim, dev);
	return dev;
}

void
sim_device_free(struct sim_device *dev)
{
	if (dev == NULL)
		return;
	if (dev->dev_map != NULL)
		modbus_mapping_free(dev->dev_map);
	free(dev->dev_bind);
	profile_free(dev->dev_prof);
	free(dev);
}

int
sim_device_dead(const struct sim_device *dev)
{
	return dev->dev_dead;
}

void
sim_device_set_dead(struct sim_device *dev)
{
	dev->dev_dead = 1;
}

const char *
sim_device_profile(const struct sim_device *dev)
{
	return dev->dev_prof->name;
}

static double
sim_reactive(const struct sim_device *dev, int k)
{
	double pf = dev->dev_pf[k];

	return dev->dev_p[k] * sqrt(1 - pf * pf) / pf;
}

/*
 * Move the load, the voltages and the rest by a random step whose size
 * grows like a random walk's: with the root of the time since the last one.
 */
static void
sim_device_move(struct sim *sim, struct sim_device *dev, double dt)
{
	double step = sqrt(fmin(dt, 60)), t, load;
	int k;

	t = (double)(dev->dev_last_us - dev->dev_born_us) / 1e6;
	dev->dev_walk = sim_clamp(dev->dev_walk + sim_noise(sim, 0.03 * step),
	    -0.3, 0.3);
	load = dev->dev_base_w * (1 + 0.25 * sin(2 * M_PI * t /
	    dev->dev_swell_s) + dev->dev_walk);
	dev->dev_freq = sim_clamp(dev->dev_freq + (50 - dev->dev_freq) *
	    fmin(1, 0.2 * step) + sim_noise(sim, 0.01 * step), 49.9, 50.1);
	for (k = 0; k < dev->dev_phases; k++) {
		double target = 230 + dev->dev_v_offset[k];

		dev->dev_v[k] = sim_clamp(dev->dev_v[k] + (target -
		    dev->dev_v[k]) * fmin(1, 0.2 * step) +
		    sim_noise(sim, 0.5 * step), 215, 245);
		dev->dev_pf[k] = sim_clamp(dev->dev_pf[k] + (0.95 -
		    dev->dev_pf[k]) * fmin(1, 0.05 * step) +
		    sim_noise(sim, 0.005 * step), 0.9, 0.999);
		dev->dev_thd_v[k] = sim_clamp(dev->dev_thd_v[k] +
		    sim_noise(sim, 0.05 * step), 1, 4);
		dev->dev_thd_i[k] = sim_clamp(dev->dev_thd_i[k] +
		    sim_noise(sim, 0.2 * step), 3, 15);
		dev->dev_p[k] = load * dev->dev_share[k] *
		    (1 + sim_noise(sim, 0.01 * step));
		dev->dev_i[k] = dev->dev_p[k] / (dev->dev_v[k] * dev->dev_pf[k]);
	}
}

/* Integrate what held since the last refresh, then move on to now. */
static void
sim_device_step(struct sim *sim, struct sim_device *dev, uint64_t now)
{
	double dt, p = 0, q = 0;
	int k;

	if (now <= dev->dev_last_us)
		return;
	dt = (double)(now - dev->dev_last_us) / 1e6;
	dev->dev_last_us = now;
	for (k = 0; k < dev->dev_phases; k++) {
		p += dev->dev_p[k];
		q += sim_reactive(dev, k);
	}
	dev->dev_e_import += fmax(p, 0) * dt / 3.6e6;
	dev->dev_e_export += fmax(-p, 0) * dt / 3.6e6;
	dev->dev_q_import += fmax(q, 0) * dt / 3.6e6;
	dev->dev_q_export += fmax(-q, 0) * dt / 3.6e6;
	dev->dev_water += dev->dev_water_flow * dt;
	dev->dev_gas += dev->dev_gas_flow * dt;
	sim_device_move(sim, dev, dt);
}

static double
sim_value(const struct sim_device *dev, const struct sim_binding *b)
{
	double sum = 0, sum2 = 0, x, y, share;
	int k = b->sb_phase, j = (b->sb_phase + 1) % 3;

	switch (b->sb_q) {
	case SQ_ENERGY_IMPORT:
		return dev->dev_e_import;
	case SQ_ENERGY_EXPORT:
		return dev->dev_e_export;
	case SQ_REACTIVE_IMPORT:
		return dev->dev_q_import;
	case SQ_REACTIVE_EXPORT:
		return dev->dev_q_export;
	case SQ_WATER:
		return dev->dev_water;
	case SQ_GAS:
		return dev->dev_gas;
	case SQ_POWER:
		for (k = 0; k < dev->dev_phases; k++)
			sum += dev->dev_p[k];
		return sum;
	case SQ_POWER_PHASE:
		return dev->dev_p[k];
	case SQ_POWER_REACTIVE:
		for (k = 0; k < dev->dev_phases; k++)
			sum += sim_reactive(dev, k);
		return sum;
	case SQ_POWER_APPARENT:
		for (k = 0; k < dev->dev_phases; k++)
			sum += dev->dev_v[k] * dev->dev_i[k];
		return sum;
	case SQ_VOLTAGE:
		return dev->dev_v[k];
	case SQ_VOLTAGE_LL:
		/* Two phasors 120 degrees apart. */
		return sqrt(dev->dev_v[k] * dev->dev_v[k] + dev->dev_v[j] *
		    dev->dev_v[j] + dev->dev_v[k] * dev->dev_v[j]);
	case SQ_CURRENT:
		return dev->dev_i[k];
	case SQ_CURRENT_N:
		if (dev->dev_phases == 1)
			return dev->dev_i[0];
		x = dev->dev_i[0] - 0.5 * (dev->dev_i[1] + dev->dev_i[2]);
		y = sqrt(3) / 2 * (dev->dev_i[2] - dev->dev_i[1]);
		return sqrt(x * x + y * y);
	case SQ_FREQUENCY:
		return dev->dev_freq;
	case SQ_POWER_FACTOR:
		for (k = 0; k < dev->dev_phases; k++) {
			sum += dev->dev_p[k];
			sum2 += dev->dev_v[k] * dev->dev_i[k];
		}
		return sum2 > 0 ? sum / sum2 : 1;
	case SQ_THD_VOLTAGE:
		return dev->dev_thd_v[k];
	case SQ_THD_CURRENT:
		return dev->dev_thd_i[k];
	case SQ_HARMONIC_VOLTAGE:
	case SQ_HARMONIC_CURRENT:
		/* Odd orders carry the distortion, fading with the order. */
		x = b->sb_q == SQ_HARMONIC_VOLTAGE ? dev->dev_thd_v[k] :
		    dev->dev_thd_i[k];
		share = b->sb_order % 2 ? 0.8 / ((b->sb_order - 1) / 2) : 0.02;
		return x * share;
	case SQ_STATE:
		return 1;	/* closed */
	default:
		return NAN;
	}
}

modbus_mapping_t *
sim_device_refresh(struct sim *sim, struct sim_device *dev)
{
	const struct sim_binding *b;
	size_t i;
	double v;

	sim_device_step(sim, dev, sim_now_us());
	for (i = 0; i < dev->dev_prof->nregs; i++) {
		b = &dev->dev_bind[i];
		v = sim_value(dev, b);
		if (isnan(v))
			profile_encode_na(b->sb_reg, b->sb_words);
		else
			profile_encode(b->sb_reg, v, b->sb_words);
	}
	return dev->dev_map;
}
