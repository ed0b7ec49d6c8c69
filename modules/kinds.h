/*
 * The settings the module-backed profiles describe, shared with mews-sim so
 * it serves exactly the layout the daemon reads.
 *
 * Breaker state values (the `state` metric): 0 open, 1 closed, 2 tripped.
 * Output state values: 0 off, 1 on.
 */
#ifndef MEWS_KINDS_H
#define MEWS_KINDS_H

#include "config/profile.h"

enum breaker_state { BREAKER_OPEN, BREAKER_CLOSED, BREAKER_TRIPPED };

/* pulse-counter: channel k's counter at counter.address + (k-1) * stride. */
struct pulse_profile {
	int			channels;
	struct profile_reg	counter;
	int			stride;
};

enum pulse_medium { PULSE_ELECTRICITY, PULSE_WATER, PULSE_GAS };

/* A pulse-counter device: one channel and what its pulses measure. */
struct pulse_device {
	enum pulse_medium	medium;
	double			weight;		/* pulses per kWh or per m3 */
	double			offset;		/* the index at zero pulses */
};

/* breaker: commands are values written (function 6) to one register. */
struct breaker_profile {
	struct profile_reg	state;
	int			has_trips;
	struct profile_reg	trips;
	uint16_t		command_address;
	uint16_t		cmd_open;
	uint16_t		cmd_close;
	uint16_t		cmd_reset;
};

/*
 * output: channel k's state at state.address + (k-1) * stride, switched by
 * writing on/off (function 6) to command.address + (k-1) * stride; a pulse
 * is timed by the device: its length in ms written to pulse.address +
 * (k-1) * stride.
 */
struct output_profile {
	int			channels;
	int			stride;
	struct profile_reg	state;
	uint16_t		command_address;
	uint16_t		cmd_on;
	uint16_t		cmd_off;
	int			has_pulse;
	uint16_t		pulse_address;
};

#endif
