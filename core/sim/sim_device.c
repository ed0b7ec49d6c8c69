/*
 * The simulated devices: one state per device that moves with time,
 * encoded through the device's profile into a libmodbus mapping.
 *
 * Meters (a register map): the model is a load that wanders around a base
 * power (a slow swell plus a bounded random walk), split over the phases.
 * Voltages stay near 230 V, the frequency near 50 Hz, power factors between
 * 0.9 and 1, and the rest follows: I = P / (V * PF), Q = P * tan(acos PF),
 * S = V * I.  Energy counters integrate the power over the time between
 * refreshes, so they only ever rise.
 *
 * Module-backed profiles (a `module` key) describe their registers in the
 * module's own keys (modules/kinds.h); the simulator serves exactly that
 * layout, read from the same parsed settings the daemon uses:
 *
 *   pulse-counter  each channel's pulse count rises at a rate of its own,
 *                  wandering between 1 and 10 pulses a second;
 *   breaker        closed at start; open, close and reset written to the
 *                  command register act, and a tripped breaker closes only
 *                  once reset.  Writing 0xFFFF (SIM_BREAKER_TRIP, sim.h)
 *                  there trips it, trip counter and all: a simulator-only
 *                  command standing in for a fault, so tests and demos can
 *                  make one.  A profile whose own commands use 0xFFFF
 *                  keeps its meaning and has no simulated trip;
 *   output         on and off written to a channel's command register, a
 *                  pulse's length in ms written to its pulse register,
 *                  timed here as the device would.
 *
 * libmodbus applies a write to the mapping itself and says nothing, so a
 * command is found at the next refresh, which comes before any reply to
 * the device: a command register that holds something other than what we
 * left in it was written.  That is why the daemon's read right after a
 * command already shows its effect, as a motor operator that has switched
 * by the time it is asked again.  (A write of the very value we left there
 * goes unseen; in the reference layouts it asks for nothing: the breaker's
 * 0, or the output's present state.)  A real device refuses a value it
 * does not know with exception 3; here libmodbus has already accepted it,
 * so it is ignored.
 */
#include "base/clock.h"
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "base/log.h"
#include "modules/kinds.h"
#include "modules/module.h"

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

enum sim_kind { SIM_METER, SIM_PULSE, SIM_BREAKER, SIM_OUTPUT, SIM_UNKNOWN };

/*
 * A register the master writes commands to.  What we left in it after the
 * last refresh tells a write apart.
 */
struct sim_cmd {
	uint16_t		*sc_word;
	uint16_t		 sc_left;
};

/* One input of a pulse counter. */
struct sim_input {
	struct profile_reg	 in_reg;	/* raw = pulses / scale */
	uint16_t		*in_words;
	double			 in_pulses;	/* and a fraction of one */
	double			 in_rate;	/* pulses/s */
	double			 in_lo;		/* its band: inputs differ */
	double			 in_hi;
};

/* One relay of an output module. */
struct sim_relay {
	struct profile_reg	 rl_reg;	/* its state register */
	uint16_t		*rl_state;
	struct sim_cmd		 rl_cmd;	/* may be the state's own */
	uint16_t		*rl_pulse;	/* NULL: no pulse register */
	int			 rl_on;
	uint64_t		 rl_pulse_end_us; /* 0: no pulse running */
};

struct sim_breaker {
	uint16_t		*br_state;
	uint16_t		*br_trips;	/* NULL: the profile has none */
	struct sim_cmd		 br_cmd;
	enum breaker_state	 br_now;
	unsigned		 br_trip_count;
};

/* Where a table's registers lie: [sp_lo, sp_hi), empty while sp_hi is 0. */
struct sim_span {
	unsigned		 sp_lo;
	unsigned		 sp_hi;
};

struct sim_device {
	int			 dev_addr;
	int			 dev_dead;
	struct profile		*dev_prof;
	enum sim_kind		 dev_kind;
	modbus_mapping_t	*dev_map;
	struct sim_span		 dev_span[2];	/* holding, input registers */
	int			 dev_nch;	/* inputs or relays */
	struct sim_binding	*dev_bind;	/* meters */
	struct sim_input	*dev_in;	/* pulse-counter */
	struct sim_relay	*dev_relay;	/* output */
	struct sim_breaker	 dev_breaker;	/* breaker */
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
	/* Totals held by --control (SQ_ENERGY_IMPORT..SQ_GAS); NAN: free. */
	double			 dev_pin[SQ_GAS + 1];
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

/*
 * The words of `count` registers at `address` of table `function` (3 or
 * 4).  The layout is walked twice: before the mapping exists each call
 * widens the table's span and returns NULL; once it exists, the words.
 * -1 when the registers run past 65535.
 */
static int
sim_reg(struct sim_device *dev, uint8_t function, unsigned address,
    unsigned count, uint16_t **words)
{
	struct sim_span *sp = &dev->dev_span[function == 3 ? 0 : 1];

	*words = NULL;
	if (address + count > 0x10000)
		return -1;
	if (dev->dev_map == NULL) {
		if (sp->sp_hi == 0 || address < sp->sp_lo)
			sp->sp_lo = address;
		if (address + count > sp->sp_hi)
			sp->sp_hi = address + count;
		return 0;
	}
	*words = (function == 3 ? dev->dev_map->tab_registers :
	    dev->dev_map->tab_input_registers) + (address - sp->sp_lo);
	return 0;
}

static int
sim_layout_meter(struct sim_device *dev)
{
	const struct profile *p = dev->dev_prof;
	size_t i;

	for (i = 0; i < p->nregs; i++) {
		struct sim_binding *b = &dev->dev_bind[i];
		const struct profile_reg *r = &p->regs[i];

		/* profile_load keeps every register inside 0..65535. */
		sim_reg(dev, r->function, r->address,
		    profile_type_words(r->type), &b->sb_words);
		if (dev->dev_map == NULL)
			continue;
		sim_bind(b, r);
		/* A line-to-line voltage or an L2/L3 value: three phases. */
		if (b->sb_phase > 0 || b->sb_q == SQ_VOLTAGE_LL)
			dev->dev_phases = 3;
	}
	return 0;
}

static int
sim_layout_pulse(struct sim_device *dev)
{
	const struct pulse_profile *pp = dev->dev_prof->module_data;
	unsigned words = profile_type_words(pp->counter.type);
	int k;

	for (k = 0; k < dev->dev_nch; k++) {
		struct sim_input *in = &dev->dev_in[k];

		/*
		 * The register holds whole pulses over the counter's scale;
		 * the module's own offset is the device's, not the
		 * register's.
		 */
		in->in_reg = pp->counter;
		in->in_reg.offset = 0;
		if (sim_reg(dev, pp->counter.function, pp->counter.address +
		    (unsigned)(k * pp->stride), words, &in->in_words) == -1)
			return -1;
	}
	return 0;
}

static int
sim_layout_breaker(struct sim_device *dev)
{
	const struct breaker_profile *bp = dev->dev_prof->module_data;
	struct sim_breaker *br = &dev->dev_breaker;

	sim_reg(dev, bp->state.function, bp->state.address,
	    profile_type_words(bp->state.type), &br->br_state);
	if (bp->has_trips)
		sim_reg(dev, bp->trips.function, bp->trips.address,
		    profile_type_words(bp->trips.type), &br->br_trips);
	sim_reg(dev, 3, bp->command_address, 1, &br->br_cmd.sc_word);
	return 0;
}

static int
sim_layout_output(struct sim_device *dev)
{
	const struct output_profile *op = dev->dev_prof->module_data;
	unsigned words = profile_type_words(op->state.type), step;
	int k;

	for (k = 0; k < dev->dev_nch; k++) {
		struct sim_relay *rl = &dev->dev_relay[k];

		step = (unsigned)(k * op->stride);
		rl->rl_reg = op->state;
		rl->rl_reg.address = (uint16_t)(op->state.address + step);
		if (sim_reg(dev, op->state.function, op->state.address + step,
		    words, &rl->rl_state) == -1 ||
		    sim_reg(dev, 3, op->command_address + step, 1,
		    &rl->rl_cmd.sc_word) == -1 ||
		    (op->has_pulse && sim_reg(dev, 3, op->pulse_address + step,
		    1, &rl->rl_pulse) == -1))
			return -1;
	}
	return 0;
}

static int
sim_layout(struct sim_device *dev)
{
	switch (dev->dev_kind) {
	case SIM_METER:
		return sim_layout_meter(dev);
	case SIM_PULSE:
		return sim_layout_pulse(dev);
	case SIM_BREAKER:
		return sim_layout_breaker(dev);
	case SIM_OUTPUT:
		return sim_layout_output(dev);
	default:
		return 0;
	}
}

/*
 * Which kind the profile is: its module, whose parsed settings
 * (module_data) are the layout.  Then the per-channel state.
 */
static int
sim_device_kind(struct sim_device *dev)
{
	const struct profile *p = dev->dev_prof;
	const struct module *mod = module_for_profile(p);
	size_t n = 1;

	if (p->module == NULL) {
		dev->dev_kind = SIM_METER;
		n = p->nregs;
	} else if (mod == &module_pulse_counter) {
		dev->dev_kind = SIM_PULSE;
		dev->dev_nch = ((const struct pulse_profile *)
		    p->module_data)->channels;
		if ((dev->dev_in = calloc((size_t)dev->dev_nch,
		    sizeof(*dev->dev_in))) == NULL)
			return -1;
	} else if (mod == &module_breaker)
		dev->dev_kind = SIM_BREAKER;
	else if (mod == &module_output) {
		dev->dev_kind = SIM_OUTPUT;
		dev->dev_nch = ((const struct output_profile *)
		    p->module_data)->channels;
		if ((dev->dev_relay = calloc((size_t)dev->dev_nch,
		    sizeof(*dev->dev_relay))) == NULL)
			return -1;
	} else
		dev->dev_kind = SIM_UNKNOWN;
	if ((dev->dev_bind = calloc(n ? n : 1, sizeof(*dev->dev_bind))) ==
	    NULL)
		return -1;
	return 0;
}

/*
 * One mapping per device, covering the holding and input registers its
 * layout uses.  libmodbus maps each table as one range, so registers in
 * the gaps between those of the layout read as 0 rather than being
 * refused as a real device might.
 */
static int
sim_device_map(struct sim_device *dev)
{
	const struct sim_span *h = &dev->dev_span[0], *in = &dev->dev_span[1];

	/* -2: a layout the module's own checks let through, see sim_reg. */
	if (sim_layout(dev) == -1)
		return -2;
	dev->dev_map = modbus_mapping_new_start_address(0, 0, 0, 0,
	    h->sp_lo, h->sp_hi - h->sp_lo, in->sp_lo, in->sp_hi - in->sp_lo);
	if (dev->dev_map == NULL)
		return -1;
	dev->dev_phases = 1;
	return sim_layout(dev);
}

static void
sim_device_start(struct sim *sim, struct sim_device *dev)
{
	double sum = 0;
	int k;

	dev->dev_born_us = dev->dev_last_us = clock_now_us();
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
	for (k = 0; k <= SQ_GAS; k++)
		dev->dev_pin[k] = NAN;
	sim_device_move(sim, dev, 0);
}

/*
 * Each input its own band of rates, so no two channels count alike, and a
 * count the meter has already run up.  A 16-bit counter starts low: it
 * would otherwise reach its top (and stick there) within the hour.
 */
static void
sim_pulse_start(struct sim *sim, struct sim_device *dev)
{
	double width = 9.0 / dev->dev_nch, top;
	int k;

	for (k = 0; k < dev->dev_nch; k++) {
		struct sim_input *in = &dev->dev_in[k];

		in->in_lo = 1 + k * width;
		in->in_hi = in->in_lo + width;
		in->in_rate = sim_uniform(sim, in->in_lo, in->in_hi);
		top = profile_type_words(in->in_reg.type) == 1 ? 1000 : 500000;
		in->in_pulses = floor(sim_uniform(sim, 0, top));
	}
}

static void
sim_kind_start(struct sim *sim, struct sim_device *dev)
{
	int k;

	switch (dev->dev_kind) {
	case SIM_PULSE:
		sim_pulse_start(sim, dev);
		break;
	case SIM_BREAKER:
		dev->dev_breaker.br_now = BREAKER_CLOSED;
		break;
	case SIM_OUTPUT:
		for (k = 0; k < dev->dev_nch; k++)
			dev->dev_relay[k].rl_on = 0;
		break;
	default:
		break;
	}
}

struct sim_device *
sim_device_new(struct sim *sim, int addr, const char *name, const char *dir)
{
	struct conf_errors errs = { 0, NULL };
	struct sim_device *dev;
	size_t i;
	int rc;

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
	if ((rc = sim_device_kind(dev)) == 0)
		rc = sim_device_map(dev);
	if (rc != 0) {
		if (rc == -2)
			fprintf(stderr, "mews-sim: --device %d:%s: a channel's "
			    "registers run past register 65535\n", addr, name);
		else
			fprintf(stderr, "mews-sim: --device %d:%s: out of "
			    "memory\n", addr, name);
		sim_device_free(dev);
		return NULL;
	}
	if (dev->dev_kind == SIM_UNKNOWN)
		fprintf(stderr, "mews-sim: warning: --device %d:%s: the "
		    "simulator does not know module '%s'; every read gets "
		    "'illegal data address'\n", addr, name,
		    dev->dev_prof->module);
	sim_device_start(sim, dev);
	sim_kind_start(sim, dev);
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
	free(dev->dev_in);
	free(dev->dev_relay);
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

const struct profile *
sim_device_profile(const struct sim_device *dev)
{
	return dev->dev_prof;
}

/* The state of a total quantity, or NULL. */
static double *
sim_total(struct sim_device *dev, enum sim_quantity q)
{
	switch (q) {
	case SQ_ENERGY_IMPORT:
		return &dev->dev_e_import;
	case SQ_ENERGY_EXPORT:
		return &dev->dev_e_export;
	case SQ_REACTIVE_IMPORT:
		return &dev->dev_q_import;
	case SQ_REACTIVE_EXPORT:
		return &dev->dev_q_export;
	case SQ_WATER:
		return &dev->dev_water;
	case SQ_GAS:
		return &dev->dev_gas;
	default:
		return NULL;
	}
}

int
sim_device_pin(struct sim_device *dev, const char *metric, double value)
{
	size_t i;
	double *v;

	for (i = 0; i < sizeof(sim_metrics) / sizeof(*sim_metrics); i++)
		if (strcmp(sim_metrics[i].sm_name, metric) == 0)
			break;
	if (dev->dev_kind != SIM_METER ||
	    i == sizeof(sim_metrics) / sizeof(*sim_metrics) ||
	    (v = sim_total(dev, sim_metrics[i].sm_q)) == NULL)
		return -1;
	dev->dev_pin[sim_metrics[i].sm_q] = value;
	if (!isnan(value))
		*v = value;
	return 0;
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
	for (k = 0; k <= SQ_GAS; k++)
		if (!isnan(dev->dev_pin[k]))
			*sim_total(dev, (enum sim_quantity)k) = dev->dev_pin[k];
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

/* Count what came in since the last refresh; each rate wanders in its band. */
static void
sim_pulse_refresh(struct sim *sim, struct sim_device *dev, double dt)
{
	double step = sqrt(fmin(dt, 60));
	int k;

	for (k = 0; k < dev->dev_nch; k++) {
		struct sim_input *in = &dev->dev_in[k];

		in->in_pulses += in->in_rate * dt;
		in->in_rate = sim_clamp(in->in_rate + sim_noise(sim, 0.3 *
		    step), in->in_lo, in->in_hi);
		/* Only whole pulses count, so the register only rises. */
		profile_encode(&in->in_reg, floor(in->in_pulses),
		    in->in_words);
	}
}

/* Take a written command, if any: 1 and its value, or 0. */
static int
sim_cmd_take(const struct sim_cmd *c, uint16_t *value)
{
	if (*c->sc_word == c->sc_left)
		return 0;
	*value = *c->sc_word;
	return 1;
}

static const char *const sim_breaker_names[] = { "open", "closed",
    "tripped" };

static void
sim_breaker_command(struct sim_device *dev, uint16_t v)
{
	const struct breaker_profile *bp = dev->dev_prof->module_data;
	struct sim_breaker *br = &dev->dev_breaker;
	enum breaker_state was = br->br_now;

	if (v == bp->cmd_open)
		br->br_now = BREAKER_OPEN;
	else if (v == bp->cmd_close) {
		/* A tripped breaker must be reset before it closes again. */
		if (br->br_now != BREAKER_TRIPPED)
			br->br_now = BREAKER_CLOSED;
	} else if (v == bp->cmd_reset) {
		if (br->br_now == BREAKER_TRIPPED)
			br->br_now = BREAKER_OPEN;
	} else if (v == SIM_BREAKER_TRIP) {
		br->br_now = BREAKER_TRIPPED;
		br->br_trip_count++;
	} else {
		log_info("address %d: breaker: command value %u ignored",
		    dev->dev_addr, v);
		return;
	}
	log_info("address %d: breaker: command %u: %s -> %s", dev->dev_addr,
	    v, sim_breaker_names[was], sim_breaker_names[br->br_now]);
}

static void
sim_breaker_refresh(struct sim_device *dev)
{
	const struct breaker_profile *bp = dev->dev_prof->module_data;
	struct sim_breaker *br = &dev->dev_breaker;
	uint16_t v;

	if (sim_cmd_take(&br->br_cmd, &v))
		sim_breaker_command(dev, v);
	/*
	 * Cleared, so the next command is seen even if it is the same one;
	 * then the state, which wins if a profile shares the register.
	 */
	*br->br_cmd.sc_word = 0;
	profile_encode(&bp->state, br->br_now, br->br_state);
	if (br->br_trips != NULL)
		profile_encode(&bp->trips, br->br_trip_count, br->br_trips);
	br->br_cmd.sc_left = *br->br_cmd.sc_word;
}

static void
sim_output_refresh(struct sim_device *dev, uint64_t now)
{
	const struct output_profile *op = dev->dev_prof->module_data;
	uint16_t v;
	int k;

	for (k = 0; k < dev->dev_nch; k++) {
		struct sim_relay *rl = &dev->dev_relay[k];

		if (sim_cmd_take(&rl->rl_cmd, &v)) {
			/* on or off ends a pulse that was running. */
			if (v == op->cmd_on || v == op->cmd_off) {
				rl->rl_on = v == op->cmd_on;
				rl->rl_pulse_end_us = 0;
				log_info("address %d: output %d: %s",
				    dev->dev_addr, k + 1, rl->rl_on ? "on" :
				    "off");
			} else
				log_info("address %d: output %d: command "
				    "value %u ignored", dev->dev_addr, k + 1,
				    v);
		}
		if (rl->rl_pulse != NULL && *rl->rl_pulse != 0) {
			log_info("address %d: output %d: pulse of %u ms",
			    dev->dev_addr, k + 1, *rl->rl_pulse);
			rl->rl_on = 1;
			rl->rl_pulse_end_us = now + *rl->rl_pulse * 1000ULL;
			*rl->rl_pulse = 0;
		}
		/* Ended by the first request after: no reader can tell. */
		if (rl->rl_pulse_end_us != 0 && now >= rl->rl_pulse_end_us) {
			log_info("address %d: output %d: pulse over, off",
			    dev->dev_addr, k + 1);
			rl->rl_on = 0;
			rl->rl_pulse_end_us = 0;
		}
		/*
		 * A command register of its own echoes the command of the
		 * present state; one that is the state register itself (as
		 * in output.conf) shows the state, encoded last.
		 */
		*rl->rl_cmd.sc_word = rl->rl_on ? op->cmd_on : op->cmd_off;
		profile_encode(&rl->rl_reg, rl->rl_on, rl->rl_state);
		rl->rl_cmd.sc_left = *rl->rl_cmd.sc_word;
	}
}

static void
sim_meter_refresh(struct sim_device *dev)
{
	const struct sim_binding *b;
	size_t i;
	double v;

	for (i = 0; i < dev->dev_prof->nregs; i++) {
		b = &dev->dev_bind[i];
		v = sim_value(dev, b);
		if (isnan(v))
			profile_encode_na(b->sb_reg, b->sb_words);
		else
			profile_encode(b->sb_reg, v, b->sb_words);
	}
}

modbus_mapping_t *
sim_device_refresh(struct sim *sim, struct sim_device *dev)
{
	uint64_t now = clock_now_us(), before = dev->dev_last_us;

	/* Before every reply: a test's new readings show at once. */
	sim_control_poll(sim);
	sim_device_step(sim, dev, now);
	switch (dev->dev_kind) {
	case SIM_METER:
		sim_meter_refresh(dev);
		break;
	case SIM_PULSE:
		sim_pulse_refresh(sim, dev,
		    (double)(dev->dev_last_us - before) / 1e6);
		break;
	case SIM_BREAKER:
		sim_breaker_refresh(dev);
		break;
	case SIM_OUTPUT:
		sim_output_refresh(dev, now);
		break;
	default:
		break;
	}
	return dev->dev_map;
}
