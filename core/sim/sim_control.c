/*
 * --control FILE: what a test makes the simulated meters read, in a file
 * it rewrites as it goes.  Each line "ADDR METRIC VALUE" holds that total
 * of the device at ADDR at VALUE (a meter's index read 0 after a power
 * blip, a garbled read, a meter swapped); '#' starts a comment.  A total
 * that leaves the file runs free again from where it was held.
 *
 * A file rather than a socket: the simulator waits in ppoll() on its line
 * and needs no other descriptor, and a shell writes a file and renames it
 * over the old one, which this sees at the next request (a stat).
 */
#include "sim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/log.h"

/* Is this the file as last applied? */
static int
sim_control_same(const struct sim *sim, const struct stat *st)
{
	return st->st_ino == sim->sim_control_ino &&
	    st->st_size == sim->sim_control_size &&
	    st->st_mtim.tv_sec == sim->sim_control_mtime.tv_sec &&
	    st->st_mtim.tv_nsec == sim->sim_control_mtime.tv_nsec;
}

/* Every total of every device free, before the file says which are held. */
static void
sim_control_free_all(struct sim *sim)
{
	static const char *const totals[] = { "energy_import",
	    "energy_export", "energy_reactive_import",
	    "energy_reactive_export", "water_volume", "gas_volume" };
	size_t a, i;

	for (a = 0; a <= SIM_ADDR_MAX; a++)
		for (i = 0; sim->sim_dev[a] != NULL &&
		    i < sizeof(totals) / sizeof(totals[0]); i++)
			sim_device_pin(sim->sim_dev[a], totals[i], NAN);
}

static void
sim_control_line(struct sim *sim, const char *line, int lineno)
{
	char metric[64], extra[2];
	double value;
	int addr, n;

	n = sscanf(line, "%d %63s %lf %1s", &addr, metric, &value, extra);
	if (n == EOF || line[strspn(line, " \t\r\n")] == '#')
		return;
	if (n != 3 || !isfinite(value)) {
		log_warnx("%s:%d: not ADDR METRIC VALUE: ignored",
		    sim->sim_control, lineno);
		return;
	}
	if (addr < 1 || addr > SIM_ADDR_MAX || sim->sim_dev[addr] == NULL) {
		log_warnx("%s:%d: no device at address %d: ignored",
		    sim->sim_control, lineno, addr);
		return;
	}
	if (sim_device_pin(sim->sim_dev[addr], metric, value) == -1) {
		log_warnx("%s:%d: address %d: %s is no total of its meter: "
		    "ignored", sim->sim_control, lineno, addr, metric);
		return;
	}
	log_info("address %d: %s held at %.10g", addr, metric, value);
}

void
sim_control_poll(struct sim *sim)
{
	char line[256];
	struct stat st;
	FILE *fp;
	int lineno = 0;

	if (sim->sim_control == NULL)
		return;
	if (stat(sim->sim_control, &st) == -1) {
		/* Not written yet, or gone: nothing held any more. */
		if (sim->sim_control_ino != 0)
			sim_control_free_all(sim);
		sim->sim_control_ino = 0;
		return;
	}
	if (sim_control_same(sim, &st))
		return;
	if ((fp = fopen(sim->sim_control, "r")) == NULL) {
		log_warn("%s", sim->sim_control);
		return;
	}
	sim->sim_control_ino = st.st_ino;
	sim->sim_control_size = st.st_size;
	sim->sim_control_mtime = st.st_mtim;
	sim_control_free_all(sim);
	while (fgets(line, sizeof(line), fp) != NULL)
		sim_control_line(sim, line, ++lineno);
	if (ferror(fp))
		log_warn("%s", sim->sim_control);
	fclose(fp);
}
