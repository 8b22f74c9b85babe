/*
 * csv - the CSV record reader (RFC 4180) with caps and line numbers; format
 * and caps in csv.h.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "str.h"

/* csv_in_init - read records from fp */
void csv_in_init(struct csv_in *c, FILE *fp)
{
	memset(c, 0, sizeof(*c));
	c->fp = fp;
	c->line = 1;
	c->max_fields = CSV_FIELDS;
	c->max_record = CSV_MAX_RECORD;
	for (size_t i = 0; i < CSV_MAX_FIELDS; i++)
		buf_init(&c->field[i], CSV_MAX_FIELD);
}

/* csv_in_init_mem - read records from memory */
void csv_in_init_mem(struct csv_in *c, const char *data, size_t len)
{
	csv_in_init(c, NULL);
	c->mem = data;
	c->memlen = len;
}

/* csv_in_free - the field buffers (not the source) */
void csv_in_free(struct csv_in *c)
{
	for (size_t i = 0; i < CSV_MAX_FIELDS; i++)
		buf_free(&c->field[i]);
}

/* rd - the next byte of the source, or EOF */
static int rd(struct csv_in *c)
{
	if (c->fp)
		return getc(c->fp);
	return c->mempos < c->memlen ? (unsigned char)c->mem[c->mempos++] : EOF;
}

/* unrd - give back the byte rd returned last */
static void unrd(struct csv_in *c, int ch)
{
	if (c->fp)
		ungetc(ch, c->fp);
	else
		c->mempos--;
}

/* skip_line - consume the rest of a line */
static void skip_line(struct csv_in *c)
{
	int ch;

	while ((ch = rd(c)) != EOF && ch != '\n')
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

/* refuse - note why the record is refused; -1 */
static int refuse(struct csv_in *c, enum csv_err why, char *err, size_t errlen)
{
	c->why = why;
	switch (why) {
	case CSV_E_FIELD:
		snprintf(err, errlen, "field longer than %d bytes", CSV_MAX_FIELD);
		break;
	case CSV_E_FIELDS:
		snprintf(err, errlen, "more than %zu fields", c->max_fields);
		break;
	case CSV_E_RECORD:
		snprintf(err, errlen, "record longer than %zu bytes", c->max_record);
		break;
	case CSV_E_NUL:
		snprintf(err, errlen, "NUL byte");
		break;
	default:
		snprintf(err, errlen, "unterminated quoted field");
		break;
	}
	return -1;
}

/* put - one byte into the current field, checking the caps */
static int put(struct csv_in *c, int ch, char *err, size_t errlen)
{
	if (ch == '\0' && c->reject_nul)
		return refuse(c, CSV_E_NUL, err, errlen);
	if (buf_putc(&c->field[c->n - 1], ch) < 0)
		return refuse(c, CSV_E_FIELD, err, errlen);
	return 0;
}

/* next_field - start another field */
static int next_field(struct csv_in *c, char *err, size_t errlen)
{
	if (c->n == c->max_fields || c->n == CSV_MAX_FIELDS)
		return refuse(c, CSV_E_FIELDS, err, errlen);
	buf_reset(&c->field[c->n++]);
	return 0;
}

/* get - the next byte of the record, counted against max_record (-2 past it) */
static int get(struct csv_in *c)
{
	int ch = rd(c);

	if (ch != EOF && ch != '\n' && ++c->rec_len > c->max_record)
		return -2;
	return ch;
}

/* csv_in_next - the next record */
int csv_in_next(struct csv_in *c, char *err, size_t errlen)
{
	int ch, quoted = 0, inq = 0, any = 0;

	c->why = CSV_OK;
	for (;;) {   /* skip blank and comment lines */
		ch = rd(c);
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
		unrd(c, ch);
		break;
	}
	c->rec_line = c->line;
	c->n = 0;
	c->rec_len = 0;
	next_field(c, err, errlen);
	while ((ch = get(c)) != EOF) {
		if (ch == -2) {
			refuse(c, CSV_E_RECORD, err, errlen);
			goto bad;
		}
		if (inq) {
			if (ch == '"') {
				int nx = get(c);

				if (nx == '"') {
					if (put(c, '"', err, errlen) < 0)
						goto bad;
					continue;
				}
				inq = 0;
				if (nx == -2) {
					refuse(c, CSV_E_RECORD, err, errlen);
					goto bad;
				}
				if (nx != EOF) {
					unrd(c, nx);
					if (nx != '\n')
						c->rec_len--;
				}
				continue;
			}
			if (ch == '\n') {
				c->line++;
				if (++c->rec_len > c->max_record) {
					refuse(c, CSV_E_RECORD, err, errlen);
					goto bad;
				}
			}
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
	if (inq)
		return refuse(c, CSV_E_QUOTE, err, errlen);
	return finish(c);
bad:
	skip_line(c);
	return -1;
}

/* csv_in_col - index of a header column */
int csv_in_col(const struct csv_in *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcasecmp(c->f[i], name) == 0)
			return (int)i;
	return -1;
}
