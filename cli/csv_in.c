/*
 * csv_in - a small CSV record reader with caps and line numbers.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../util/str.h"
#include "csv_in.h"

void csv_in_init(struct csv_in *c, FILE *fp)
{
	memset(c, 0, sizeof(*c));
	c->fp = fp;
	c->line = 1;
	for (size_t i = 0; i < CSV_MAX_FIELDS; i++)
		buf_init(&c->field[i], CSV_MAX_FIELD);
}

void csv_in_free(struct csv_in *c)
{
	for (size_t i = 0; i < CSV_MAX_FIELDS; i++)
		buf_free(&c->field[i]);
}

/* skip_line - consume the rest of a line */
static void skip_line(struct csv_in *c)
{
	int ch;

	while ((ch = getc(c->fp)) != EOF && ch != '\n')
		;
	c->line++;
}

/* finish - trim the fields and point f[] at them */
static int finish(struct csv_in *c)
{
	for (size_t i = 0; i < c->n; i++)
		c->f[i] = str_trim(c->field[i].data);
	return 1;
}

/* put - one byte into the current field, checking the caps */
static int put(struct csv_in *c, int ch, char *err, size_t errlen)
{
	if (buf_putc(&c->field[c->n - 1], ch) < 0) {
		snprintf(err, errlen, "field longer than %d bytes", CSV_MAX_FIELD);
		return -1;
	}
	return 0;
}

/* next_field - start another field */
static int next_field(struct csv_in *c, char *err, size_t errlen)
{
	if (c->n == CSV_MAX_FIELDS) {
		snprintf(err, errlen, "more than %d fields", CSV_MAX_FIELDS);
		return -1;
	}
	buf_reset(&c->field[c->n++]);
	return 0;
}

int csv_in_next(struct csv_in *c, char *err, size_t errlen)
{
	int ch, quoted = 0, inq = 0, any = 0;

	for (;;) {   /* skip blank and comment lines */
		ch = getc(c->fp);
		if (ch == EOF)
			return 0;
		if (ch == '\n' || ch == '\r') {
			if (ch == '\n')
				c->line++;
			continue;
		}
		if (ch == '#') {
			skip_line(c);
			continue;
		}
		ungetc(ch, c->fp);
		break;
	}
	c->rec_line = c->line;
	c->n = 0;
	next_field(c, err, errlen);
	while ((ch = getc(c->fp)) != EOF) {
		if (inq) {
			if (ch == '"') {
				int nx = getc(c->fp);

				if (nx == '"') {
					if (put(c, '"', err, errlen) < 0)
						goto bad;
					continue;
				}
				inq = 0;
				if (nx != EOF)
					ungetc(nx, c->fp);
				continue;
			}
			if (ch == '\n')
				c->line++;
			if (put(c, ch, err, errlen) < 0)
				goto bad;
			continue;
		}
		if (ch == '\n') {
			c->line++;
			return finish(c);
		}
		if (ch == '\r')
			continue;
		if (ch == ',') {
			if (next_field(c, err, errlen) < 0)
				goto bad;
			quoted = any = 0;
			continue;
		}
		if (ch == '"' && !quoted && !any && str_trim(c->field[c->n - 1].data)[0] == '\0') {
			quoted = inq = 1;
			buf_reset(&c->field[c->n - 1]);
			continue;
		}
		if (ch != ' ' && ch != '\t')
			any = 1;
		if (put(c, ch, err, errlen) < 0)
			goto bad;
	}
	if (inq) {
		snprintf(err, errlen, "unterminated quoted field");
		return -1;
	}
	return finish(c);
bad:
	skip_line(c);
	return -1;
}

int csv_in_col(const struct csv_in *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->f[i], name) == 0)
			return (int)i;
	return -1;
}
