/*
 * The serial port under a bus: opened non-blocking, raw, at the bus's
 * settings, in kernel RS485 mode where the driver has one.
 */
#ifndef MEWS_SERIAL_H
#define MEWS_SERIAL_H

#include <stddef.h>

struct config_bus;

/*
 * Open and configure the bus's port.  Returns the descriptor, or -1 with a
 * message naming the bus, the port and the setting refused in err.
 */
int serial_open(const struct config_bus *, char *err, size_t errlen);

#endif
