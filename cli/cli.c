/*
 * cli - configuration and database for the subcommands.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../parse/report.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "cli.h"

int cli_config(struct cli *c)
{
	struct buf err;

	if (c->cfg_loaded)
		return 0;
	buf_init(&err, 4096);
	if (config_load(&c->cfg, c->config_path, &err) < 0) {
		msg_error("%s", err.data);
		buf_free(&err);
		config_free(&c->cfg);
		return -1;
	}
	buf_free(&err);
	c->cfg_loaded = 1;
	return 0;
}

int cli_db(struct cli *c, struct db *d)
{
	char err[512];

	if (cli_config(c) < 0)
		return -1;
	if (db_open(d, c->cfg.database, c->cfg.db_busy_timeout, 0, err, sizeof(err)) != DB_OK) {
		msg_error("%s", err);
		return -1;
	}
	if (db_schema_version(d) < DB_SCHEMA_VERSION) {
		msg_error("%s: schema is older than this abusedesk: run 'abusedesk init' to migrate it",
			  c->cfg.database);
		db_close(d);
		return -1;
	}
	return 0;
}

FILE *cli_open_input(const char *file)
{
	FILE *fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");

	if (fp == NULL)
		msg_error("%s: %s", file, strerror(errno));
	return fp;
}

void cli_close_input(FILE *fp)
{
	if (fp && fp != stdin)
		fclose(fp);
}

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
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= CLI_MESSAGE_MAX) {
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

/* cli_read_message - a message file ("-" for stdin), cut at CLI_MESSAGE_MAX */
char *cli_read_message(const char *file, size_t *len, int *trunc)
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
	buf_init(&b, CLI_MESSAGE_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (buf_append(&b, chunk, n) != 0) {
			buf_append(&b, chunk, CLI_MESSAGE_MAX - b.len);
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

/* cli_parse_file - read and parse one message file (parse, trace) */
char *cli_parse_file(const char *file, struct report *r)
{
	size_t len = 0;
	int trunc;
	char *data = cli_read_message(file, &len, &trunc);

	if (data == NULL)
		return NULL;
	report_init(r);
	parse_message(data, len, r);
	if (trunc) {
		r->flags |= REPORT_F_TRUNCATED;
		report_warn(r, "message larger than %ld bytes; cut there", CLI_MESSAGE_MAX);
	}
	return data;
}
