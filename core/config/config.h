/*
 * mews.conf, loaded and validated in one pass, so that `mewsd -t` sees every
 * mistake and nothing at run time fails on configuration.  Profiles are
 * loaded here.  Gateway host names are only checked for form: a reload runs
 * inside the loop, so names are resolved asynchronously by the gateway
 * client.  Relative paths are taken from the configuration file's folder.
 */
#ifndef MEWS_CONFIG_H
#define MEWS_CONFIG_H

#include "base/conf.h"
#include "base/csv.h"
#include "base/log.h"
#include "base/metric.h"
#include "base/netmask.h"

#define CONFIG_ID_MAX		32	/* [a-z0-9_-]{1,32} */
/* devices[].reset_confirm_s's default: a total low this long was reset. */
#define CONFIG_RESET_CONFIRM_S	300

struct tariff;
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

/*
 * A virtual meter (config_virtual.c): a device computed from others, with
 * no bus.  op is applied metric by metric to the sources' live values.
 */
enum config_virtual_op {
	CONFIG_VIRTUAL_SUM,		/* the sources added */
	CONFIG_VIRTUAL_DIFFERENCE,	/* the first minus the rest */
	CONFIG_VIRTUAL_SCALE		/* the one source times factor */
};

struct config_virtual {
	enum config_virtual_op	 op;
	double			 factor;	/* scale; 1 otherwise */
	size_t			 nof;
	char			 (*of)[CONFIG_ID_MAX + 1];	/* sources */
	int			 chosen;	/* metrics listed in the file */
	size_t			 nmetrics;	/* what it computes, resolved */
	char			 (*metrics)[METRIC_NAME_MAX + 1];
	int			 line;
	int			 of_line;	/* where the sources are named */
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
	/* total_guard.h: W it can meter (0: unknown), a reset's delay. */
	double			 max_power;
	int			 reset_confirm_s;
	size_t			 nreplacements;	/* sorted by time */
	struct config_replacement *replacements;
	size_t			 ntariffs;	/* one per metric at most */
	const struct tariff	**tariffs;	/* into config's tariffs */
	/* A virtual meter: no bus, gateway, address or profile (NULL). */
	struct config_virtual	*virt;
	int			 line;
};

/*
 * A group of devices (config_groups.c): a panel, a feeder, a use.  Groups
 * form trees through parent; a device may be in several groups.
 */
struct config_group {
	char			 id[CONFIG_ID_MAX + 1];
	char			*name;
	int			 parent;	/* index in groups; -1: a root */
	size_t			 ndevices;
	char			 (*devices)[CONFIG_ID_MAX + 1];
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

/*
 * An entry of modbus_tcp.allow: clients in from may connect, with that
 * access.  The first entry that matches a client is its own.
 */
enum config_access { CONFIG_ACCESS_READ, CONFIG_ACCESS_WRITE };

struct config_allow {
	struct netmask		 from;
	char			 text[64];	/* as written, for the log */
	enum config_access	 access;
	int			 line;
};

/*
 * The MQTT client (mqtt.c): the broker is an address literal, since
 * libmosquitto resolves names with a blocking lookup.
 */
struct config_mqtt {
	int			 enabled;
	char			*host;
	int			 port;
	int			 tls;
	char			*ca_file;	/* "": the system's CAs */
	char			*user;		/* "": no credentials */
	char			*password;
	char			*client_id;
	char			*topic_prefix;
	char			*discovery_prefix;
	int			 min_interval_s;
	int			 max_interval_s;
	int			 commands;	/* the command topics */
};

/* How mail reaches the server: STARTTLS, implicit TLS (smtps), or none. */
enum config_mail_security {
	CONFIG_MAIL_STARTTLS,
	CONFIG_MAIL_TLS,
	CONFIG_MAIL_NONE
};

/* The SMTP server reports go through (config_reports.c). */
struct config_mail {
	char			*server;	/* "": no mail */
	int			 port;
	enum config_mail_security security;
	char			*user;		/* "": no AUTH */
	char			*password;
	char			*from;
	char			*ca_file;	/* "": the system's CAs */
	int			 verify;	/* 0: no certificate check */
	int			 retry_s;	/* a failed delivery's first wait */
	int			 line;
};

/* Where a report's files are uploaded instead of mailed. */
struct config_push {
	char			*url;		/* ftp, ftps, sftp, https; a folder */
	char			*user;
	char			*password;
	char			*ca_file;
	int			 verify;
	char			*host_key;	/* sftp: base64 SHA256 of the key */
	char			*key_file;	/* sftp: a private key */
};

enum config_every { CONFIG_EVERY_DAY, CONFIG_EVERY_WEEK, CONFIG_EVERY_MONTH };

struct config_report {
	char			 name[CONFIG_ID_MAX + 1];
	enum config_every	 every;
	int			 at_min;	/* local time, minutes after 0:00 */
	int			 weekday;	/* weeks: 0 Monday .. 6 Sunday */
	int			 day;		/* months: 1..28 */
	size_t			 ndevices;	/* 0: every device */
	char			 (*devices)[CONFIG_ID_MAX + 1];
	size_t			 nto;		/* e-mail recipients, or */
	char			**to;
	struct config_push	*push;		/* an upload instead */
	int			 line;
};

/* What an alarm rule watches (config_alarms.c). */
enum config_alarm_kind {
	CONFIG_ALARM_ABOVE,		/* a live value above a threshold */
	CONFIG_ALARM_BELOW,
	CONFIG_ALARM_OFFLINE,		/* the device stopped answering */
	CONFIG_ALARM_TRIPPED,		/* a breaker's state is 2 */
	CONFIG_ALARM_BUDGET		/* consumption in the period over it */
};

enum config_severity {
	CONFIG_SEVERITY_INFO,
	CONFIG_SEVERITY_WARNING,
	CONFIG_SEVERITY_CRITICAL
};

#define CONFIG_ALARM_NAME_MAX	64

struct config_alarm {
	char			 id[CONFIG_ID_MAX + 1];
	/* What people call it ("Main incomer overvoltage"); "": the id. */
	char			 name[CONFIG_ALARM_NAME_MAX + 1];
	char			 device[CONFIG_ID_MAX + 1];
	char			 metric[48];	/* "": offline, tripped */
	enum config_alarm_kind	 kind;
	double			 threshold;	/* above, below, budget */
	double			 hysteresis;	/* >= 0 */
	int			 delay_s;
	enum config_severity	 severity;
	int			 notify;	/* mailed to alarm_to */
	enum config_every	 period;	/* budget: day, week, month */
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
		int		 max_connections_per_address;
		int		 session_idle_s;
		int		 session_max_s;
		char		*metrics_token;	/* "": /metrics by session only */
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
		int		 max_clients_per_address;
		int		 has_allow;	/* 0: open to every address */
		size_t		 nallow;
		struct config_allow *allow;
	} modbus_tcp;
	struct {
		int		 enabled;
		char		*listen;
		int		 port;
		int		 require_tls;	/* AUTH TLS and PROT P */
		int		 passive_first;	/* passive_ports = [ first, */
		int		 passive_last;	/* last ] */
		int		 max_sessions;
		int		 max_sessions_per_address;
		int		 idle_timeout_s;
	} ftp;
	struct config_mqtt	 mqtt;
	struct csv_format	 csv;
	struct {
		int		 enabled;
		int		 max_mb;	/* the archives' budget */
		char		*rrdcached;	/* "unix:/path", or "" */
	} history;

	struct config_mail	 mail;
	size_t			 nalarm_to;	/* mail.alarm_to */
	char			**alarm_to;
	size_t			 nalarms;
	struct config_alarm	*alarms;
	struct {
		int		 max_kb;	/* rotate past it */
		int		 max_files;	/* rotated files kept */
	} events;
	size_t			 nreports;
	struct config_report	*reports;
	size_t			 ntariffs;
	struct tariff		*tariffs;	/* tariff.h */

	size_t			 nbuses;
	struct config_bus	*buses;
	size_t			 ngateways;
	struct config_gateway	*gateways;
	size_t			 ndevices;
	struct config_device	*devices;
	size_t			 nprofiles;
	struct profile		**profiles;
	size_t			 ngroups;
	struct config_group	*groups;
	/*
	 * What is allowed but unsafe, as "FILE:LINE: warning: message":
	 * mewsd -t prints it, and the log has it at each start and reload.
	 */
	struct conf_errors	 warnings;
};

/* NULL on any mistake, each one added to errs as "FILE:LINE: message". */
struct config *config_load(const char *path, struct conf_errors *errs);
const char *config_access_name(enum config_access);
void config_free(struct config *);

int config_id_ok(const char *);
const struct config_device *config_find_device(const struct config *,
    const char *id);

/* config_virtual.c: a device's virtual block, then the checks across them. */
void config_virtual_load(const config_setting_t *device,
    struct config_device *, const char *file, struct conf_errors *);
void config_virtual_check(struct config *, const char *file,
    struct conf_errors *);
void config_virtual_free(struct config_virtual *);
/* config_groups.c: the groups list, after the devices it names. */
void config_groups_load(struct config *, const config_setting_t *root,
    const char *file, struct conf_errors *);
void config_groups_free(struct config *);
/* A host name or address literal, checked for form only (RFC 1123). */
int config_host_ok(const char *);

/* mail and reports (config_reports.c), after devices: reports name them. */
void config_reports_defaults(struct config *);
void config_reports_load(struct config *, const config_setting_t *root,
    const char *file, struct conf_errors *);
/*
 * The mail group alone, over *m's current values (for a test with the
 * settings being edited): 0, or -1 with the mistakes in errs.
 */
int config_mail_load(struct config_mail *, const config_setting_t *group,
    const char *file, struct conf_errors *);
void config_mail_defaults(struct config_mail *);
void config_mail_clear(struct config_mail *);
void config_reports_free(struct config *);
const char *config_every_name(enum config_every);

/* tariffs (config_tariffs.c), after devices: devices name them. */
void config_tariffs_load(struct config *, const config_setting_t *root,
    const char *file, struct conf_errors *);
void config_tariffs_free(struct config *);
/* The device's tariff for that metric, or NULL. */
const struct tariff *config_tariff_of(const struct config *,
    const char *device, const char *metric);
/* local@domain, plainly: what a mail header and RCPT TO can carry. */
int config_address_ok(const char *);

/* alarms, mail.alarm_to and events (config_alarms.c), after reports. */
void config_alarms_defaults(struct config *);
void config_alarms_load(struct config *, const config_setting_t *root,
    const char *file, struct conf_errors *);
void config_alarms_free(struct config *);
const char *config_alarm_kind_name(enum config_alarm_kind);
const char *config_severity_name(enum config_severity);
const char *config_parity_name(enum config_parity);

#endif
