#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "base/log.h"
#include "daemon/notify.h"

static void
notify_send(const char *state)
{
#ifdef HAVE_LIBSYSTEMD
	int rc = sd_notify(0, state);

	/* 0: not started by systemd, nothing to tell. */
	if (rc < 0)
		log_debug("sd_notify %s failed: error %d", state, -rc);
#else
	(void)state;
#endif
}

void
notify_ready(void)
{
	notify_send("READY=1\nSTATUS=serving");
}

void
notify_reloading(void)
{
	notify_send("RELOADING=1\nSTATUS=reloading the configuration");
}

void
notify_stopping(void)
{
	notify_send("STOPPING=1\nSTATUS=stopping");
}
