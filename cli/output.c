/*
 * output - one way to print rows: aligned table, CSV or JSON.
 *
 * In the table form control characters from hostile report text (C0, DEL,
 * C1, bidi controls: str_ctl_len) are shown as '?', so a report cannot move
 * the cursor of the terminal that reads it or reorder what it shows.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/json.h"
#include "../util/mem.h"
#include "../util/str.h"
#include "cli.h"

int cli_isatty(void)
{
	return isatty(STDOUT_FILENO);
}

int out_format_parse(const char *s, enum out_format *f)
{
	if (strcmp(s, "table") == 0)
		*f = OUT_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = OUT_JSON;
	else if (strcmp(s, "csv") == 0)
		*f = OUT_CSV;
	else
		return -1;
	return 0;
}

void table_init(struct table *t, size_t ncols, const char **cols)
{
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->cols = cols;
	t->numeric = xcalloc(ncols, sizeof(int));
}

void table_numeric(struct table *t, size_t col)
{
	t->numeric[col] = 1;
}

void table_row(struct table *t)
{
	if (t->nrows == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 16;
		t->cells = xrealloc(t->cells, t->cap * t->ncols * sizeof(char *));
	}
	memset(t->cells + t->nrows * t->ncols, 0, t->ncols * sizeof(char *));
	t->nrows++;
}

void table_set(struct table *t, size_t col, const char *val)
{
	char **cell = &t->cells[(t->nrows - 1) * t->ncols + col];

	free(*cell);
	*cell = val ? xstrdup(val) : NULL;
}

void table_setf(struct table *t, size_t col, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	table_set(t, col, s);
	free(s);
}

void csv_field(struct buf *b, const char *s)
{
	int quote;

	if (s == NULL)
		return;
	quote = strpbrk(s, ",\"\r\n") != NULL || strchr("=+-@", s[0]) != NULL;
	if (!quote) {
		buf_puts(b, s);
		return;
	}
	buf_putc(b, '"');
	if (strchr("=+-@", s[0]) && s[0])
		buf_putc(b, '\'');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(b, '"');
		buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/* display_width - count UTF-8 code points (a fair width for a table) */
static size_t display_width(const char *s)
{
	size_t w = 0;

	for (; s && *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			w++;
	return w;
}

static void put_cell(FILE *fp, const char *s, size_t width, int last)
{
	size_t w = 0, n = s ? strlen(s) : 0, k;
	unsigned cp;

	for (size_t i = 0; i < n; i += k) {
		if ((k = str_ctl_len(s + i, n - i, &cp)) > 0) {
			fputc('?', fp);
		} else {
			if ((k = utf8_seq_len((const unsigned char *)s + i, n - i)) == 0)
				k = 1;
			fwrite(s + i, 1, k, fp);
		}
		w++;
	}
	if (!last)
		for (; w < width + 2; w++)
			fputc(' ', fp);
}

static void print_table(const struct table *t, FILE *fp)
{
	size_t *w = xcalloc(t->ncols, sizeof(size_t));
	const size_t cap = 60;

	for (size_t c = 0; c < t->ncols; c++)
		w[c] = display_width(t->cols[c]);
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t n = display_width(t->cells[r * t->ncols + c]);

			if (n > w[c])
				w[c] = n > cap ? cap : n;
		}
	for (size_t c = 0; c < t->ncols; c++)
		put_cell(fp, t->cols[c], w[c], c + 1 == t->ncols);
	fputc('\n', fp);
	for (size_t r = 0; r < t->nrows; r++) {
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			char *cut = NULL;

			if (s && display_width(s) > cap && c + 1 != t->ncols) {
				size_t i = 0, n = 0;

				while (s[i] && n < cap - 1) {
					i++;
					while (((unsigned char)s[i] & 0xc0) == 0x80)
						i++;
					n++;
				}
				cut = xmalloc(i + 4);
				memcpy(cut, s, i);
				memcpy(cut + i, "\xe2\x80\xa6", 4);
				s = cut;
			}
			put_cell(fp, s ? s : "-", w[c], c + 1 == t->ncols);
			free(cut);
		}
		fputc('\n', fp);
	}
	free(w);
}

void table_print(const struct table *t, enum out_format f, FILE *fp)
{
	struct buf b;

	if (f == OUT_TABLE) {
		print_table(t, fp);
		return;
	}
	buf_init(&b, 0);
	if (f == OUT_CSV) {
		for (size_t c = 0; c < t->ncols; c++) {
			if (c)
				buf_putc(&b, ',');
			csv_field(&b, t->cols[c]);
		}
		buf_puts(&b, "\r\n");
		for (size_t r = 0; r < t->nrows; r++) {
			for (size_t c = 0; c < t->ncols; c++) {
				if (c)
					buf_putc(&b, ',');
				csv_field(&b, t->cells[r * t->ncols + c]);
			}
			buf_puts(&b, "\r\n");
		}
	} else {
		buf_putc(&b, '[');
		for (size_t r = 0; r < t->nrows; r++) {
			int first = 1;

			buf_puts(&b, r ? ",\n{" : "\n{");
			for (size_t c = 0; c < t->ncols; c++) {
				const char *s = t->cells[r * t->ncols + c];

				json_key(&b, &first, t->cols[c]);
				if (s && t->numeric[c] && *s && strspn(s, "-0123456789.") == strlen(s))
					buf_puts(&b, s);
				else
					json_str(&b, s);
			}
			buf_putc(&b, '}');
		}
		buf_puts(&b, t->nrows ? "\n]\n" : "]\n");
	}
	fwrite(b.data, 1, b.len, fp);
	buf_free(&b);
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->numeric);
	memset(t, 0, sizeof(*t));
}
