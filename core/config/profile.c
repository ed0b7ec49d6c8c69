#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "config/profile.h"
#include "modules/module.h"

static const char *const type_names[] = {
	"u16", "s16", "u32", "s32", "u64", "s64", "float32", "float64", NULL
};
static const char *const order_names[] = { "high_first", "low_first", NULL };

unsigned
profile_type_words(enum profile_type t)
{
	switch (t) {
	case PROFILE_U16: case PROFILE_S16:
		return 1;
	case PROFILE_U32: case PROFILE_S32: case PROFILE_FLOAT32:
		return 2;
	default:
		return 4;
	}
}

int
profile_type_parse(const char *s, enum profile_type *t)
{
	int i;

	for (i = 0; type_names[i] != NULL; i++)
		if (strcmp(type_names[i], s) == 0) {
			*t = (enum profile_type)i;
			return 0;
		}
	return -1;
}

const char *
profile_type_name(enum profile_type t)
{
	return type_names[t];
}

/* The words as one big-endian integer, whatever order the meter sent. */
static uint64_t
profile_raw(const struct profile_reg *r, const uint16_t *words)
{
	unsigned n = profile_type_words(r->type), i;
	uint64_t raw = 0;

	for (i = 0; i < n; i++) {
		uint16_t w = r->order == PROFILE_HIGH_FIRST ? words[i] :
		    words[n - 1 - i];
		raw = (raw << 16) | w;
	}
	return raw;
}

static void
profile_unraw(const struct profile_reg *r, uint64_t raw, uint16_t *words)
{
	unsigned n = profile_type_words(r->type), i;

	for (i = 0; i < n; i++) {
		uint16_t w = (uint16_t)(raw >> (16 * (n - 1 - i)));

		if (r->order == PROFILE_HIGH_FIRST)
			words[i] = w;
		else
			words[n - 1 - i] = w;
	}
}

enum profile_value
profile_decode(const struct profile_reg *r, const uint16_t *words,
    double *value)
{
	uint64_t raw = profile_raw(r, words);
	double v;
	float f;
	uint32_t r32;

	switch (r->type) {
	case PROFILE_U16:
		if (raw == 0xFFFF)
			return PROFILE_VALUE_NA;
		v = (double)raw;
		break;
	case PROFILE_S16:
		if (raw == 0x7FFF)
			return PROFILE_VALUE_NA;
		v = (double)(int16_t)raw;
		break;
	case PROFILE_U32:
		if (raw == 0xFFFFFFFFu)
			return PROFILE_VALUE_NA;
		v = (double)raw;
		break;
	case PROFILE_S32:
		if (raw == 0x7FFFFFFFu)
			return PROFILE_VALUE_NA;
		v = (double)(int32_t)(uint32_t)raw;
		break;
	case PROFILE_U64:
		if (raw == UINT64_MAX)
			return PROFILE_VALUE_NA;
		v = (double)raw;
		break;
	case PROFILE_S64:
		if (raw == (uint64_t)INT64_MAX)
			return PROFILE_VALUE_NA;
		v = (double)(int64_t)raw;
		break;
	case PROFILE_FLOAT32:
		r32 = (uint32_t)raw;
		memcpy(&f, &r32, sizeof(f));
		if (r32 == 0xFFFFFFFFu || !isfinite(f))
			return PROFILE_VALUE_NA;
		v = f;
		break;
	default:
		memcpy(&v, &raw, sizeof(v));
		if (raw == UINT64_MAX || !isfinite(v))
			return PROFILE_VALUE_NA;
		break;
	}
	*value = v * r->scale + r->offset;
	return PROFILE_VALUE_OK;
}

/* Round to the nearest raw integer, clamped below the NA pattern. */
static uint64_t
profile_clamp(double raw, double lo, double hi)
{
	raw = nearbyint(raw);
	if (raw < lo)
		raw = lo;
	if (raw > hi)
		raw = hi;
	return raw < 0 ? (uint64_t)(int64_t)raw : (uint64_t)raw;
}

void
profile_encode(const struct profile_reg *r, double value, uint16_t *words)
{
	double raw = (value - r->offset) / r->scale;
	uint64_t bits;
	float f;
	uint32_t b32;

	/* No number: say so, rather than cast NaN to an integer (undefined). */
	if (isnan(raw)) {
		profile_encode_na(r, words);
		return;
	}
	switch (r->type) {
	case PROFILE_U16:
		bits = profile_clamp(raw, 0, 0xFFFE);
		break;
	case PROFILE_S16:
		bits = profile_clamp(raw, -32768, 32766) & 0xFFFF;
		break;
	case PROFILE_U32:
		bits = profile_clamp(raw, 0, 4294967294.0);
		break;
	case PROFILE_S32:
		bits = profile_clamp(raw, -2147483648.0, 2147483646.0) &
		    0xFFFFFFFFu;
		break;
	case PROFILE_U64:
		bits = profile_clamp(raw, 0, 9.0e18);
		break;
	case PROFILE_S64:
		bits = profile_clamp(raw, -9.0e18, 9.0e18);
		break;
	case PROFILE_FLOAT32:
		f = (float)raw;
		memcpy(&b32, &f, sizeof(b32));
		bits = b32;
		break;
	default:
		memcpy(&bits, &raw, sizeof(bits));
		break;
	}
	profile_unraw(r, bits, words);
}

void
profile_encode_na(const struct profile_reg *r, uint16_t *words)
{
	uint64_t bits;

	switch (r->type) {
	case PROFILE_S16:
		bits = 0x7FFF;
		break;
	case PROFILE_S32:
		bits = 0x7FFFFFFF;
		break;
	case PROFILE_S64:
		bits = (uint64_t)INT64_MAX;
		break;
	default:
		bits = UINT64_MAX;
		break;
	}
	profile_unraw(r, bits, words);
}

static char *
profile_strdup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

int
profile_reg_parse(const config_setting_t *s, const char *file,
    enum profile_word_order def_order, int max_registers,
    struct conf_errors *errs, struct profile_reg *r)
{
	const char *type = NULL;
	long long fc = 0, addr = 0;
	int order = def_order;
	double scale = 1.0, offset = 0.0;
	size_t before = errs->n;

	conf_get_int(errs, file, s, "function", 1, 3, 4, &fc);
	conf_get_int(errs, file, s, "address", 1, 0, 0xFFFF, &addr);
	conf_get_string(errs, file, s, "type", 1, &type);
	conf_get_choice(errs, file, s, "word_order", order_names, &order);
	conf_get_number(errs, file, s, "scale", 0, &scale);
	conf_get_number(errs, file, s, "offset", 0, &offset);
	if (errs->n != before)
		return -1;
	r->line = conf_line(s);
	r->function = (uint8_t)fc;
	r->address = (uint16_t)addr;
	r->order = (enum profile_word_order)order;
	r->scale = scale;
	r->offset = offset;
	if (profile_type_parse(type, &r->type) == -1) {
		conf_error(errs, s, file, "unknown type '%s' (u16, s16, u32, "
		    "s32, u64, s64, float32, float64)", type);
		return -1;
	}
	if (scale == 0 || !isfinite(scale) || !isfinite(offset)) {
		conf_error(errs, s, file, "'scale' must be a non-zero number "
		    "and 'offset' a number");
		return -1;
	}
	if (addr + profile_type_words(r->type) > 0x10000) {
		conf_error(errs, s, file, "register %lld runs past 65535",
		    addr);
		return -1;
	}
	if (profile_type_words(r->type) > (unsigned)max_registers) {
		conf_error(errs, s, file, "a %s needs %u registers, more "
		    "than max_registers (%d): it could never be read", type,
		    profile_type_words(r->type), max_registers);
		return -1;
	}
	return 0;
}

static int
profile_load_reg(struct profile *p, const config_setting_t *s,
    enum profile_word_order def_order, struct conf_errors *errs)
{
	static const char *const keys[] = { "metric", "unit", "function",
	    "address", "type", "word_order", "scale", "offset", NULL };
	struct profile_reg *r = &p->regs[p->nregs];
	const char *metric = NULL, *unit = NULL;
	size_t before = errs->n;

	if (!config_setting_is_group(s)) {
		conf_error(errs, s, p->path, "a register must be a group "
		    "{ metric = ...; }");
		return -1;
	}
	memset(r, 0, sizeof(*r));
	conf_check_keys(errs, p->path, s, keys);
	conf_get_string(errs, p->path, s, "metric", 1, &metric);
	conf_get_string(errs, p->path, s, "unit", 1, &unit);
	if (profile_reg_parse(s, p->path, def_order, p->max_registers, errs,
	    r) == -1 || errs->n != before)
		return -1;
	if ((r->info = metric_find(metric)) == NULL) {
		conf_error(errs, s, p->path, "unknown metric '%s' (see the "
		    "metric names in README.md)", metric);
		return -1;
	}
	if (strcmp(r->info->unit, unit) != 0) {
		conf_error(errs, s, p->path, "metric '%s' is in '%s', not "
		    "'%s'", metric, r->info->unit, unit);
		return -1;
	}
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	p->nregs++;
	return 0;
}

static int
profile_check_duplicates(struct profile *p, const config_setting_t *list,
    struct conf_errors *errs)
{
	size_t i, j;
	int bad = 0;

	for (i = 0; i < p->nregs; i++)
		for (j = 0; j < i; j++)
			if (strcmp(p->regs[i].metric, p->regs[j].metric) == 0) {
				conf_errors_add(errs, conf_file(list, p->path),
				    p->regs[i].line, "metric '%s' already "
				    "mapped at line %d", p->regs[i].metric,
				    p->regs[j].line);
				bad = 1;
			}
	return bad ? -1 : 0;
}

/* The base keys plus the module's own. */
static int
profile_keys(const struct module *mod, const char **keys, size_t max)
{
	static const char *const base[] = { "manufacturer", "model",
	    "description", "module", "max_registers", "merge_gap",
	    "word_order", "registers", "max_power", NULL };
	size_t n = 0, i;

	for (i = 0; base[i] != NULL && n + 1 < max; i++)
		keys[n++] = base[i];
	for (i = 0; mod && mod->profile_keys && mod->profile_keys[i] &&
	    n + 1 < max; i++)
		keys[n++] = mod->profile_keys[i];
	keys[n] = NULL;
	return 0;
}

static int
profile_load_regs(struct profile *p, const config_setting_t *list,
    enum profile_word_order order, struct conf_errors *errs)
{
	size_t before = errs->n;
	int i, count;

	if (!config_setting_is_list(list)) {
		conf_error(errs, list, p->path, "'registers' must be a list "
		    "( { ... }, ... )");
		return -1;
	}
	count = config_setting_length(list);
	if ((p->regs = calloc(count ? count : 1, sizeof(*p->regs))) == NULL) {
		conf_errors_add(errs, p->path, 0, "out of memory");
		return -1;
	}
	for (i = 0; i < count; i++)
		profile_load_reg(p, config_setting_get_elem(list, i), order,
		    errs);
	if (errs->n == before)
		profile_check_duplicates(p, list, errs);
	return errs->n == before ? 0 : -1;
}

/*
 * The most the device can meter (rated current x voltage x phases), so
 * that an energy index rising faster is known for a bad read
 * (total_guard.h).
 */
static void
profile_max_power(struct profile *p, const config_setting_t *root,
    struct conf_errors *errs)
{
	double w = 0;

	if (conf_get_number(errs, p->path, root, "max_power", 0, &w) == -1)
		return;
	if (config_setting_get_member(root, "max_power") == NULL)
		return;
	if (!(w > 0 && w <= PROFILE_MAX_POWER_W))
		conf_error(errs, config_setting_get_member(root, "max_power"),
		    p->path, "'max_power' is in W, above 0 and at most %.0f",
		    PROFILE_MAX_POWER_W);
	else
		p->max_power = w;
}

static int
profile_parse(struct profile *p, config_t *cfg, struct conf_errors *errs)
{
	const config_setting_t *root = config_root_setting(cfg), *list;
	const char *manufacturer = NULL, *model = NULL, *description = NULL;
	const char *module = NULL, *keys[64];
	const struct module *mod = NULL;
	long long maxreg = PROFILE_MAX_REGISTERS, gap = 0;
	int order = PROFILE_HIGH_FIRST;
	size_t before = errs->n;

	if (conf_get_string(errs, p->path, root, "module", 0, &module) == 0 &&
	    module != NULL && (mod = module_find(module)) == NULL)
		conf_error(errs, config_setting_get_member(root, "module"),
		    p->path, "unknown module '%s' (this build has: %s)",
		    module, module_names());
	profile_keys(mod, keys, sizeof(keys) / sizeof(keys[0]));
	conf_check_keys(errs, p->path, root, keys);
	conf_get_string(errs, p->path, root, "manufacturer", 1, &manufacturer);
	conf_get_string(errs, p->path, root, "model", 1, &model);
	conf_get_string(errs, p->path, root, "description", 0, &description);
	conf_get_int(errs, p->path, root, "max_registers", 0, 1,
	    PROFILE_MAX_REGISTERS, &maxreg);
	conf_get_int(errs, p->path, root, "merge_gap", 0, 0,
	    PROFILE_MAX_REGISTERS, &gap);
	conf_get_choice(errs, p->path, root, "word_order", order_names, &order);
	profile_max_power(p, root, errs);
	p->manufacturer = profile_strdup_opt(manufacturer);
	p->model = profile_strdup_opt(model);
	p->description = profile_strdup_opt(description);
	p->module = profile_strdup_opt(module);
	p->max_registers = (int)maxreg;
	p->merge_gap = (int)gap;
	p->order = (enum profile_word_order)order;
	if (errs->n != before)
		return -1;

	list = config_setting_get_member(root, "registers");
	if (mod != NULL) {
		/* A module describes its registers in its own keys. */
		if (list != NULL) {
			conf_error(errs, list, p->path, "a '%s' profile "
			    "describes its registers in its own keys, not in "
			    "'registers'", mod->name);
			return -1;
		}
		return mod->load_profile(p, root, errs);
	}
	if (list == NULL) {
		conf_errors_add(errs, p->path, 1, "missing 'registers' (a "
		    "meter profile needs its register map)");
		return -1;
	}
	return profile_load_regs(p, list, (enum profile_word_order)order, errs);
}

static int
profile_name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > PROFILE_NAME_MAX)
		return 0;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

struct profile *
profile_load(const char *dir, const char *name, struct conf_errors *errs)
{
	struct profile *p;
	config_t cfg;
	int rc = -1;

	if (!profile_name_ok(name)) {
		conf_errors_add(errs, dir, 0, "bad profile name '%s'", name);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    asprintf(&p->path, "%s/%s.conf", dir, name) == -1) {
		free(p);
		conf_errors_add(errs, dir, 0, "out of memory");
		return NULL;
	}
	snprintf(p->name, sizeof(p->name), "%s", name);
	config_init(&cfg);
	if (conf_read_file(&cfg, p->path, errs) == 0)
		rc = profile_parse(p, &cfg, errs);
	config_destroy(&cfg);
	if (rc == -1) {
		profile_free(p);
		return NULL;
	}
	return p;
}

void
profile_free(struct profile *p)
{
	if (p == NULL)
		return;
	free(p->path);
	free(p->manufacturer);
	free(p->model);
	free(p->description);
	if (p->module_data != NULL)
		module_find(p->module)->free_profile(p->module_data);
	free(p->module);
	free(p->regs);
	free(p);
}
