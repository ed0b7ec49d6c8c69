#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "base/net.h"

static int
net_addr(const char *addr, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -1;
}

struct evconnlistener *
net_listen(struct event_base *base, evconnlistener_cb cb, void *arg,
    const char *what, const char *addr, int port, int backlog)
{
	struct evconnlistener *l;
	struct sockaddr_storage ss;
	socklen_t sslen;
	int one = 1;

	if (net_addr(addr, port, &ss, &sslen) == -1) {
		log_warnx("%s: bad listen address %s", what, addr);
		return NULL;
	}
	l = evconnlistener_new_bind(base, cb, arg, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, backlog,
	    (struct sockaddr *)&ss, (int)sslen);
	if (l == NULL) {
		log_warn("%s: cannot listen on %s port %d", what, addr, port);
		return NULL;
	}
	/*
	 * Accepted sockets inherit it.  Small answers (a Modbus reply, a TLS
	 * record with headers and another with the body) must not wait for
	 * the peer's delayed ACK.
	 */
	if (setsockopt(evconnlistener_get_fd(l), IPPROTO_TCP, TCP_NODELAY,
	    &one, sizeof(one)) == -1)
		log_warn("%s: TCP_NODELAY", what);
	return l;
}

void
net_accept_pause(struct evconnlistener *l, struct event *resume,
    const char *what)
{
	struct timeval pause = { NET_ACCEPT_PAUSE_MS / 1000,
	    (NET_ACCEPT_PAUSE_MS % 1000) * 1000 };

	log_warnx("%s: accept: %s; pausing %d ms", what,
	    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()),
	    NET_ACCEPT_PAUSE_MS);
	evconnlistener_disable(l);
	evtimer_add(resume, &pause);
}

void
net_accept_resume(evutil_socket_t fd, short what, void *listener)
{
	(void)fd;
	(void)what;
	evconnlistener_enable(listener);
}

int
net_port(struct evconnlistener *l)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);

	if (getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&ss,
	    &sslen) == -1)
		return -1;
	return ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
}

void
net_peer(const struct sockaddr *sa, int with_port, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";
	int port = 0;

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
		port = ntohs(in6->sin6_port);
	}
	if (with_port)
		snprintf(out, size, "%s:%d", host, port);
	else
		snprintf(out, size, "%s", host);
}

/* Is s[0..n) an address, alone or followed by :PORT? */
static int
net_is_address(const char *s, size_t n)
{
	unsigned char buf[sizeof(struct in6_addr)];
	char tok[INET6_ADDRSTRLEN + 8];
	char *colon;

	if (n == 0 || n >= sizeof(tok))
		return 0;
	memcpy(tok, s, n);
	tok[n] = '\0';
	if (inet_pton(AF_INET6, tok, buf) == 1 ||
	    inet_pton(AF_INET, tok, buf) == 1)
		return 1;
	/* An IPv4 address and its port. */
	if ((colon = strrchr(tok, ':')) == NULL || colon[1] == '\0' ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1))
		return 0;
	*colon = '\0';
	return inet_pton(AF_INET, tok, buf) == 1;
}

void
net_mask_addresses(const char *text, char *out, size_t size)
{
	static const char chars[] = "0123456789abcdefABCDEF.:";
	static const char mask[] = "a client";
	size_t o = 0, n, skip;
	const char *p = text;
	int word;

	if (size == 0)
		return;
	while (*p != '\0' && o + 1 < size) {
		word = p > text && (isalnum((unsigned char)p[-1]) ||
		    p[-1] == '_');
		n = word ? 0 : strspn(p, chars);
		/* "[::1]:5000": the brackets and the port go too. */
		skip = 0;
		if (!word && *p == '[' && (n = strspn(p + 1, chars)) > 0 &&
		    p[1 + n] == ']' && net_is_address(p + 1, n)) {
			skip = n + 2;
			if (p[skip] == ':')
				skip += 1 + strspn(p + skip + 1, "0123456789");
		} else if (n > 0 && !isalnum((unsigned char)p[n])) {
			/* A sentence's ':' or '.' after it is not its own. */
			while (n > 0 && !net_is_address(p, n) &&
			    (p[n - 1] == ':' || p[n - 1] == '.'))
				n--;
			if (n > 0 && net_is_address(p, n))
				skip = n;
		}
		if (skip > 0) {
			n = strlen(mask) < size - 1 - o ? strlen(mask) :
			    size - 1 - o;
			memcpy(out + o, mask, n);
			o += n;
			p += skip;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}
