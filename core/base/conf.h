/*
 * Shared by every libconfig file we read (mews.conf, profiles): typed
 * getters that check the type and range and report each mistake as
 * "FILE:LINE: message", collecting them all so one `mewsd -t` run shows
 * every error, not just the first.
 */
#ifndef MEWS_CONF_H
#define MEWS_CONF_H

#include <libconfig.h>
#include <stddef.h>

struct conf_errors {
	size_t	  n;
	char	**msgs;
};

void conf_errors_add(struct conf_errors *, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void conf_errors_free(struct conf_errors *);

/*
 * Read FILE into cfg; a syntax error is added to errs.  Returns 0 on success.
 */
int conf_read_file(config_t *cfg, const char *file, struct conf_errors *errs);

/* The line of a setting, or of its nearest ancestor that has one. */
int conf_line(const config_setting_t *);
const char *conf_file(const config_setting_t *, const char *fallback);
/* Report a mistake at setting s. */
void conf_error(struct conf_errors *, const config_setting_t *s,
    const char *fallback_file, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Every member of group must be in allowed (NULL-terminated); each unknown
 * one is reported.  Returns the number of unknown keys.
 */
int conf_check_keys(struct conf_errors *, const char *file,
    const config_setting_t *group, const char *const *allowed);

/*
 * Getters: when the key is absent, *out is left as is (the caller's
 * default) and they return 0, or report it when required.  A wrong type or
 * an out-of-range value is reported and returns -1.
 */
int conf_get_string(struct conf_errors *, const char *file,
    const config_setting_t *group, const char *key, int required,
    const char **out);
int conf_get_int(struct conf_errors *, const char *file,
    const config_setting_t *group, const char *key, int required,
    long long min, long long max, long long *out);
int conf_get_bool(struct conf_errors *, const char *file,
    const config_setting_t *group, const char *key, int *out);
int conf_get_number(struct conf_errors *, const char *file,
    const config_setting_t *group, const char *key, int required,
    double *out);
/*
 * An array of strings, [ "a", "b" ] (or a list of them): their count, with
 * *out (the caller frees the array, not the strings, which live as long as
 * the configuration) NULL when there are none; -1 when it is not one.
 */
int conf_get_strings(struct conf_errors *, const char *file,
    const config_setting_t *group, const char *key, int required,
    const char ***out);
/* A string that must be one of choices (NULL-terminated); *out its index. */
int conf_get_choice(struct conf_errors *, const char *file,
    const config_setting_t *group, const char *key,
    const char *const *choices, int *out);

#endif
