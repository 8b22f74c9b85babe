/*
 * message - read one message file (or stdin) for `abusedesk parse` and
 * `abusedesk trace`, and parse it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util/mem.h"
#include "../util/msg.h"
#include "message.h"

/*
 * read_regular - a regular file of known size in one read (a short read of a
 * regular file is its end); NULL with *done = 0 when the file is not regular,
 * is too big or changed size, so the caller reads it the general way
 */
static char *read_regular(const char *file, size_t *len, int *done)
{
	struct stat st;
	char *d;
	ssize_t n;
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	*done = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= APP_MESSAGE_MAX) {
		close(fd);
		return NULL;
	}
	d = xmalloc((size_t)st.st_size + 2);
	do
		n = read(fd, d, (size_t)st.st_size + 1);
	while (n < 0 && errno == EINTR);
	close(fd);
	if (n < 0 || n > st.st_size) {   /* an error, or the file grew: read it again the general way */
		free(d);
		return NULL;
	}
	d[n] = '\0';
	*len = (size_t)n;
	*done = 1;
	return d;
}

/* app_read_message - a message file ("-" for stdin), cut at APP_MESSAGE_MAX */
char *app_read_message(const char *file, size_t *len, int *trunc)
{
	FILE *fp;
	int done;
	char *d = strcmp(file, "-") ? read_regular(file, len, &done) : NULL;

	*trunc = 0;
	if (d)
		return d;
	fp = strcmp(file, "-") ? fopen(file, "rb") : stdin;
	struct buf b;
	char chunk[65536];
	size_t n;

	*trunc = 0;
	if (fp == NULL) {
		msg_error("%s: %s", file, strerror(errno));
		return NULL;
	}
	buf_init(&b, APP_MESSAGE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (buf_append(&b, chunk, n) != 0) {
			buf_append(&b, chunk, APP_MESSAGE_MAX - b.len);
			*trunc = 1;
			break;
		}
	}
	if (ferror(fp)) {
		msg_error("%s: read error", file);
		if (fp != stdin)
			fclose(fp);
		buf_free(&b);
		return NULL;
	}
	if (fp != stdin)
		fclose(fp);
	*len = b.len;
	return buf_steal(&b);
}

/* app_parse_file - read and parse one message file */
char *app_parse_file(const char *file, struct report *r)
{
	size_t len = 0;
	int trunc;
	char *data = app_read_message(file, &len, &trunc);

	if (data == NULL)
		return NULL;
	report_init(r);
	parse_message(data, len, r);
	if (trunc) {
		r->flags |= REPORT_F_TRUNCATED;
		report_warn(r, "message larger than %ld bytes; cut there", APP_MESSAGE_MAX);
	}
	return data;
}
