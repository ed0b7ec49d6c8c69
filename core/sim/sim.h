/*
 * mews-sim: simulated meters for demos and tests.  A separate program, so
 * unlike the daemon it may block: it waits in ppoll() and lets libmodbus
 * build the replies from one mapping per device.
 *
 * It uses GNU extensions (posix_openpt, ptsname_r, ppoll, accept4,
 * asprintf): configure defines _GNU_SOURCE for every file.
 */
#ifndef MEWS_SIM_H
#define MEWS_SIM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <modbus.h>

#include "config/profile.h"
#include "modbus/rtu.h"

#define SIM_ADDR_MAX		247	/* highest unicast RTU address */
#define SIM_GARBAGE_MAX		16	/* random bytes sent as noise, at most */
#define SIM_REPLY_MAX		(MODBUS_TCP_MAX_ADU_LENGTH + SIM_GARBAGE_MAX)
/*
 * Written (function 6) to a simulated breaker's command register, trips it
 * as a fault would: a simulator-only command, so tests and demos can make
 * a trip.  A profile whose own commands use the value keeps its meaning.
 */
#define SIM_BREAKER_TRIP	0xFFFF

struct sim_device;

struct sim {
	/* Options. */
	const char		*sim_pty;	/* --pty PATH */
	char			*sim_tcp_host;	/* --tcp HOST:PORT */
	int			 sim_tcp_port;
	uint32_t		 sim_baud;
	char			 sim_parity;	/* 'N', 'E', 'O' */
	int			 sim_stop_bits;
	int			 sim_wire_time;
	uint32_t		 sim_delay_ms;
	double			 sim_crc_error_rate;
	double			 sim_garbage_rate;
	const char		*sim_profile_dir;
	const char		*sim_control;	/* --control FILE */

	/* The control file as last applied: a change is read again. */
	struct timespec		 sim_control_mtime;
	ino_t			 sim_control_ino;
	off_t			 sim_control_size;

	/* Devices by address; NULL where nothing answers. */
	struct sim_device	*sim_dev[SIM_ADDR_MAX + 1];

	/*
	 * modbus_reply writes its answer to sim_capture[0]; we read it back
	 * from sim_capture[1] so faults and delays can be applied to it.
	 */
	modbus_t		*sim_ctx;
	int			 sim_capture[2];

	uint64_t		 sim_rng;
};

/* sim_main.c */
extern volatile sig_atomic_t sim_quit;
extern sigset_t sim_waitmask;	/* the mask to wait with: signals let in */
uint64_t sim_random(struct sim *);
double sim_random_unit(struct sim *);	/* [0, 1) */
int sim_chance(struct sim *, double p);
int sim_capture_open(struct sim *);
void sim_capture_close(struct sim *);
/* Set up sim->sim_ctx, once made, to reply without libmodbus's pauses. */
int sim_capture_quiet(struct sim *);
/*
 * Turn a request into its reply: what modbus_reply or
 * modbus_reply_exception (exception != 0) wrote on sim->sim_ctx.  Returns
 * the reply's length, 0 when libmodbus sends nothing, -1 on error.
 */
int sim_capture_reply(struct sim *, const uint8_t *req, int len,
    modbus_mapping_t *, int exception, uint8_t *rsp, size_t rspsize);
/* Apply --garbage-rate to a reply: returns the new length. */
size_t sim_garble(struct sim *, uint8_t *buf, size_t len, size_t size,
    const char **what);

/*
 * "WHO ADDR function F register R count N" for -v, from the address (or
 * unit id) and the PDU that follows it.
 */
void sim_describe(const char *who, const uint8_t *adu, size_t len,
    char *buf, size_t size);
/*
 * The functions libmodbus 3.1.6 does not answer, answered here: 43/14 from
 * the profile, 7 (read exception status: none) and 8/0 (return query
 * data: the echo).  The reply PDU's length; 0: not one of them.
 */
size_t sim_own_reply(const struct sim_device *,
    const uint8_t *pdu, size_t len, uint8_t *rsp, size_t size);

/* sim_device.c */
struct sim_device *sim_device_new(struct sim *, int addr, const char *profile,
    const char *dir);
void sim_device_free(struct sim_device *);
/* Bring the values up to now and encode them into the mapping. */
modbus_mapping_t *sim_device_refresh(struct sim *, struct sim_device *);
int sim_device_dead(const struct sim_device *);
void sim_device_set_dead(struct sim_device *);
const struct profile *sim_device_profile(const struct sim_device *);
/*
 * Hold a total (energy_import, water_volume...) at value from now on, as
 * a meter with no load or a test's made-up reading; NAN lets it run again
 * from there.  -1 when the metric is no total the simulator keeps.
 */
int sim_device_pin(struct sim_device *, const char *metric, double value);

/* sim_control.c */
/*
 * --control FILE: its lines "ADDR METRIC VALUE" pin those totals
 * (sim_device_pin), every other total runs free.  Read again whenever it
 * changes (a test writes a new file and renames it over the old one).
 */
void sim_control_poll(struct sim *);

/* sim_rtu.c */
int sim_rtu_run(struct sim *);

/* sim_tcp.c */
int sim_tcp_run(struct sim *);

#endif
