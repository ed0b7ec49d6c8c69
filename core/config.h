/*
 * mews.conf, loaded and validated in one pass, so that `mewsd -t` sees every
 * mistake and nothing at run time fails on configuration.  Profiles are
 * loaded here.  Gateway host names are only checked for form: a reload runs
 * inside the loop, so names are resolved asynchronously by the gateway
 * client.  Relative paths are taken from the configuration file's folder.
 */
#ifndef MEWS_CONFIG_H
#define MEWS_CONFIG_H

#include "conf.h"
#include "log.h"

#define CONFIG_ID_MAX		32	/* [a-z0-9_-]{1,32} */
#define CONFIG_DEFAULT_PATH	SYSCONFDIR "/mews/mews.conf"

enum config_parity { CONFIG_PARITY_NONE, CONFIG_PARITY_EVEN, CONFIG_PARITY_ODD };

struct config_bus {
	char			 name[CONFIG_ID_MAX + 1];
	char			*port;		/* /dev/ttyUSB0 */
	int			 baud;
	enum config_parity	 parity;
	int			 stop_bits;
	int			 timeout_ms;
	int			 silence_us;	/* t3.5 override; -1: from baud */
	int			 turnaround_ms;	/* after a broadcast */
	int			 line;
};

struct config_gateway {
	char			 name[CONFIG_ID_MAX + 1];
	char			*host;
	int			 port;
	int			 timeout_ms;
	int			 line;
};

/* A meter swapped for another: its total jumps from old_final to new_initial. */
struct config_replacement {
	char			 metric[48];
	long long		 at;		/* UNIX time */
	double			 old_final;
	double			 new_initial;
	int			 line;
};

struct config_device {
	char			 id[CONFIG_ID_MAX + 1];
	char			*name;
	struct config_bus	*bus;		/* exactly one of bus, gateway */
	struct config_gateway	*gateway;
	int			 address;
	struct profile		*profile;	/* shared, owned by config */
	int			 channel;	/* of channelled modules, else 0 */
	void			*module_data;	/* the module's device settings */
	int			 poll_ms;
	size_t			 nreplacements;	/* sorted by time */
	struct config_replacement *replacements;
	int			 line;
};

/* Units first..last of the gateway go to a bus or an upstream gateway. */
struct config_route {
	int			 first;
	int			 last;
	struct config_bus	*bus;		/* exactly one of bus, gateway */
	struct config_gateway	*gateway;
	int			 line;
};

struct config_listen {
	char			*listen;	/* an address literal */
	int			 port;
};

struct config {
	char			*path;
	char			*state_dir;
	char			*profile_dir;
	char			*user;		/* "": stay as started */
	char			*group;		/* "": the user's own */
	enum log_level		 log_level;

	struct {
		char		*listen;
		int		 https_port;
		int		 http_port;
		char		*cert;		/* "": self-signed in state_dir/tls */
		char		*key;
		char		*www;		/* the pages */
		int		 max_connections;
		int		 session_idle_s;
		int		 session_max_s;
	} http;
	struct {
		int		 enabled;
		char		*listen;
		int		 port;
		int		 max_clients;
		int		 idle_timeout_s;	/* 0: never */
		int		 max_pending;	/* requests queued per client */
		int		 retries;	/* after a timeout */
		int		 unit_id;	/* the box's own image; 0: none */
		size_t		 nroutes;
		struct config_route *routes;
	} modbus_tcp;
	struct {
		int		 enabled;
		char		*listen;
		int		 port;
		int		 require_tls;	/* AUTH TLS and PROT P */
		int		 passive_first;	/* passive_ports = [ first, */
		int		 passive_last;	/* last ] */
		int		 max_sessions;
		int		 idle_timeout_s;
	} ftp;
	struct {
		char		 separator;	/* ';' or ',' */
		char		 decimal;	/* ',' or '.' */
		int		 bom;
	} csv;
	struct {
		int		 enabled;
		int		 max_mb;	/* the archives' budget */
		char		*rrdcached;	/* "unix:/path", or "" */
	} history;

	size_t			 nbuses;
	struct config_bus	*buses;
	size_t			 ngateways;
	struct config_gateway	*gateways;
	size_t			 ndevices;
	struct config_device	*devices;
	size_t			 nprofiles;
	struct profile		**profiles;
};

/* NULL on any mistake, each one added to errs as "FILE:LINE: message". */
struct config *config_load(const char *path, struct conf_errors *errs);
void config_free(struct config *);

int config_id_ok(const char *);
const char *config_parity_name(enum config_parity);

#endif
