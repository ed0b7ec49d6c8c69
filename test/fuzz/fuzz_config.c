/*
 * mews.conf as anyone might write it: the loader must report mistakes,
 * never crash, leak or read out of bounds.  The input is the file.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/log.h"
#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	char path[64];
	int fd;

	/* A file without a file system: libconfig wants a path. */
	if ((fd = memfd_create("mews.conf", 0)) == -1)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		cfg = config_load(path, &errs);
		config_free(cfg);
		conf_errors_free(&errs);
	}
	close(fd);
	return 0;
}
