/*
 * fuzz_config - libFuzzer target: the config file reader (util/config.h).
 *
 * config_load reads a path, so the input goes into a memfd and is read as
 * /proc/self/fd/N. When the file loads, its config_dump is loaded again and
 * must dump the same: what `abusedesk config` prints is a valid config.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../util/config.h"

/* load_bytes - config_load of data through a memfd; returns config_load's result */
static int load_bytes(const void *data, size_t size, struct config *c, struct buf *err)
{
	char path[64];
	int fd = memfd_create("fuzz_config", 0), rc;

	if (fd < 0)
		abort();
	if (size && write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = config_load(c, path, err);
	close(fd);
	return rc;
}

/* LLVMFuzzerTestOneInput - load, dump, reload, dump again */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c, d;
	struct buf err, dump1, dump2;

	if (size > 256 * 1024)
		return 0;
	unsetenv("ABUSEDESK_CONFIG");
	buf_init(&err, 0);
	buf_init(&dump1, 0);
	buf_init(&dump2, 0);
	if (load_bytes(data, size, &c, &err) == 0) {
		config_dump(&c, &dump1);
		buf_reset(&err);
		if (load_bytes(dump1.data, dump1.len, &d, &err) != 0) {
			fprintf(stderr, "dump does not load: %s\n%s", err.data, dump1.data);
			abort();
		}
		config_dump(&d, &dump2);
		if (dump1.len != dump2.len || memcmp(dump1.data, dump2.data, dump1.len) != 0) {
			fprintf(stderr, "dump changed on reload:\n%s---\n%s", dump1.data, dump2.data);
			abort();
		}
		config_free(&d);
	} else if (err.len == 0) {
		abort();   /* an error always says why */
	}
	config_free(&c);
	buf_free(&err);
	buf_free(&dump1);
	buf_free(&dump2);
	return 0;
}
