/*
 * What every listening server of the daemon (gateway, HTTPS, redirect,
 * FTP) does the same way: bind an address literal, report the port it got,
 * and name a peer in the logs as "ADDR:PORT".
 */
#ifndef MEWS_NET_H
#define MEWS_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/listener.h>

#define NET_PEER_MAX	(46 + 7)	/* INET6_ADDRSTRLEN + ":65535" */

/*
 * Listen on addr (an IPv4 or IPv6 literal) and port (0: the kernel picks);
 * what names the server in the log.  NULL (logged) on failure.
 */
struct evconnlistener *net_listen(struct event_base *, evconnlistener_cb,
    void *arg, const char *what, const char *addr, int port, int backlog);
/*
 * An accept error, out of descriptors mostly: accepting again at once
 * would spin, failing the same way.  The listener pauses for
 * NET_ACCEPT_PAUSE_MS (logged, naming the server) while idle timeouts free
 * some; resume is a timer made with net_accept_resume and the listener.
 */
#define NET_ACCEPT_PAUSE_MS	1000
void net_accept_pause(struct evconnlistener *, struct event *resume,
    const char *what);
void net_accept_resume(evutil_socket_t, short, void *listener);
/* The port a listener got. */
int net_port(struct evconnlistener *);
/* "ADDR:PORT" into out; "ADDR" only when with_port is 0. */
/*
 * text with every IPv4 or IPv6 address in it (with a port or not, an IPv6
 * one in brackets or not) replaced by "a client", into out: what a log
 * line says to someone who may not know who connected.
 */
void net_mask_addresses(const char *text, char *out, size_t size);
void net_peer(const struct sockaddr *, int with_port, char *out,
    size_t size);

#endif
