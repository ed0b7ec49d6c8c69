/*
 * Device profiles: register maps kept as data (modules/profiles/NAME.conf,
 * libconfig) so a new meter needs a file, not code.  Decoding and encoding
 * are pure so they are tested exhaustively and shared with the simulator.
 */
#ifndef MEWS_PROFILE_H
#define MEWS_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

#include "base/metric.h"

#define PROFILE_NAME_MAX	32
#define PROFILE_MAX_REGISTERS	125	/* per read request, the protocol's limit */
/* max_power's bound: a GW is no meter's. */
#define PROFILE_MAX_POWER_W	1e9

struct conf_errors;

enum profile_type {
	PROFILE_U16, PROFILE_S16, PROFILE_U32, PROFILE_S32,
	PROFILE_U64, PROFILE_S64, PROFILE_FLOAT32, PROFILE_FLOAT64
};

/* Modbus sends each word big-endian; meters disagree on the words' order. */
enum profile_word_order { PROFILE_HIGH_FIRST, PROFILE_LOW_FIRST };

struct profile_reg {
	char			 metric[METRIC_NAME_MAX];
	const struct metric_info *info;
	uint8_t			 function;	/* 3 holding, 4 input */
	uint16_t		 address;	/* PDU address, 0-based */
	enum profile_type	 type;
	enum profile_word_order	 order;
	double			 scale;		/* value = raw * scale + offset */
	double			 offset;
	int			 line;		/* in the profile file */
};

struct profile {
	char			 name[PROFILE_NAME_MAX + 1];
	char			*path;
	char			*manufacturer;
	char			*model;
	char			*description;
	char			*module;	/* NULL: a plain register map */
	void			*module_data;	/* the module's own settings */
	int			 max_registers;	/* per request, <= 125 */
	int			 merge_gap;	/* unmapped registers a read may span */
	/* The W the device can meter; 0: unknown. */
	double			 max_power;
	enum profile_word_order	 order;		/* the file's default */
	size_t			 nregs;
	struct profile_reg	*regs;
};

enum profile_value { PROFILE_VALUE_OK, PROFILE_VALUE_NA };

/*
 * Load DIR/NAME.conf.  On error returns NULL and adds each mistake to errs as
 * "FILE:LINE: message".
 */
struct profile *profile_load(const char *dir, const char *name,
    struct conf_errors *errs);
void profile_free(struct profile *);

/*
 * The fields every register description has, in a register map or in a
 * module's own keys: function, address, type, word_order, scale, offset.
 * The caller checks which keys are allowed.  0, or -1 with errors added.
 */
int profile_reg_parse(const config_setting_t *, const char *file,
    enum profile_word_order def_order, int max_registers,
    struct conf_errors *, struct profile_reg *);

unsigned profile_type_words(enum profile_type);
int profile_type_parse(const char *, enum profile_type *);
const char *profile_type_name(enum profile_type);

/*
 * Decode a register from the words as received (host-order uint16, in wire
 * order).  Returns PROFILE_VALUE_NA for the 'not available' patterns:
 * all ones for unsigned types, 0x7FFF... for signed ones, NaN/Inf or all
 * ones for floats.
 */
enum profile_value profile_decode(const struct profile_reg *,
    const uint16_t *words, double *value);
/* The inverse, for the simulator: value is in the metric's unit. */
void profile_encode(const struct profile_reg *, double value, uint16_t *words);
/* The type's 'not available' pattern. */
void profile_encode_na(const struct profile_reg *, uint16_t *words);

#endif
