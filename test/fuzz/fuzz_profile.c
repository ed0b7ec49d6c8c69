/*
 * A device profile (register map or module settings) as anyone might
 * write it: reported, never a crash, a leak or a read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/conf.h"
#include "config/profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[128];

/* libFuzzer has no teardown: the file and its folder go at exit. */
static void
fuzz_profile_cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors errs = { 0, NULL };
	struct profile *p;
	FILE *f;

	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "/tmp/mews-fuzz-profile.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/p.conf", dir);
		atexit(fuzz_profile_cleanup);
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	p = profile_load(dir, "p", &errs);
	if (p != NULL) {
		uint16_t words[4] = { 0 };
		double v;
		size_t i;

		for (i = 0; i < p->nregs; i++)
			(void)profile_decode(&p->regs[i], words, &v);
	}
	profile_free(p);
	conf_errors_free(&errs);
	return 0;
}
