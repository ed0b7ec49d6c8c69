/*
 * Telling systemd how mewsd is doing (sd_notify): ready once its ports are
 * open, reloading while it applies a new configuration, stopping.  Built
 * without libsystemd (configure --without-systemd, or no libsystemd-dev),
 * these do nothing and the unit is Type=simple.
 */
#ifndef MEWS_NOTIFY_H
#define MEWS_NOTIFY_H

void notify_ready(void);
void notify_reloading(void);
void notify_stopping(void);

#endif
