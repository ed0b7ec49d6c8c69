/*
 * Least privilege: started as root, mewsd binds its ports and makes its
 * files first, then becomes the configured user, keeping as supplementary
 * groups only those owning its serial ports (dialout, usually), so a flaw
 * in a parser reachable from the network cannot use root's rights.
 * state_dir is handed to that user, since the daemon writes it from then
 * on.  Ports below 1024 cannot be bound again afterwards: a reload that
 * moves one is refused (and logged); systemd's unit grants
 * CAP_NET_BIND_SERVICE instead and starts mewsd as its user directly.
 */
#ifndef MEWS_PRIVDROP_H
#define MEWS_PRIVDROP_H

struct config;

/* 0 when there is nothing to do or it is done; -1 (logged) on failure. */
int privdrop(const struct config *);

#endif
