/*
 * output - one way to print rows: aligned table, CSV or JSON.
 *
 * In the table form control characters from hostile report text (C0, DEL,
 * C1, bidi controls: str_ctl_len) are shown as '?', so a report cannot move
 * the cursor of the terminal that reads it or reorder what it shows.
 *
 * The table form fits the terminal (out_width): columns marked by
 * table_fit are dropped (highest first) until the rest fits at their
 * shortest, then shortened with an ellipsis, widest first. --wide, or
 * output to a pipe without $COLUMNS, prints every column whole (each cell
 * but the last capped at 60).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "../util/json.h"
#include "../util/mem.h"
#include "../util/str.h"
#include "cli.h"

static int wide;

int cli_isatty(void)
{
	return isatty(STDOUT_FILENO);
}

void out_set_wide(void)
{
	wide = 1;
}

int out_width(void)
{
	const char *e = getenv("COLUMNS");
	struct winsize ws;
	long n;

	if (wide)
		return 0;
	if (e && *e && str_to_long(e, 20, 10000, &n) == 0)
		return (int)n;
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
		return ws.ws_col;
	return 0;
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
	t->minw = xcalloc(ncols, sizeof(size_t));
	t->drop = xcalloc(ncols, sizeof(int));
}

void table_fit(struct table *t, size_t col, size_t minw, int drop)
{
	t->minw[col] = minw;
	t->drop[col] = drop;
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

/* cut - s shortened to width display cells, the last one an ellipsis (owned) */
static char *cut(const char *s, size_t width)
{
	size_t i = 0, n = 0;
	char *c;

	while (s[i] && n + 1 < width) {
		i++;
		while (((unsigned char)s[i] & 0xc0) == 0x80)
			i++;
		n++;
	}
	c = xmalloc(i + 4);
	memcpy(c, s, i);
	memcpy(c + i, "\xe2\x80\xa6", 4);
	return c;
}

/* line_width - the table's width with the visible columns at widths w */
static size_t line_width(const struct table *t, const size_t *w, const int *vis)
{
	size_t sum = t->indent, n = 0;

	for (size_t c = 0; c < t->ncols; c++)
		if (vis[c]) {
			sum += w[c] + (n ? 2 : 0);
			n++;
		}
	return sum;
}

/* fit - drop, then shorten, columns until the table is at most width wide */
static void fit(const struct table *t, size_t *w, int *vis, size_t width)
{
	size_t *m = xcalloc(t->ncols, sizeof(size_t));

	for (size_t c = 0; c < t->ncols; c++)
		m[c] = t->minw[c] && t->minw[c] < w[c] ? t->minw[c] : w[c];
	while (line_width(t, m, vis) > width) {
		size_t best = t->ncols;

		for (size_t c = 0; c < t->ncols; c++)
			if (vis[c] && t->drop[c] > 0 && (best == t->ncols || t->drop[c] > t->drop[best]))
				best = c;
		if (best == t->ncols)
			break;
		vis[best] = 0;
	}
	while (line_width(t, w, vis) > width) {
		size_t best = t->ncols;

		for (size_t c = 0; c < t->ncols; c++)
			if (vis[c] && w[c] > m[c] && (best == t->ncols || w[c] > w[best]))
				best = c;
		if (best == t->ncols)
			break;
		w[best]--;
	}
	free(m);
}

static void print_table(const struct table *t, FILE *fp)
{
	size_t *w = xcalloc(t->ncols, sizeof(size_t)), last = 0;
	int *vis = xcalloc(t->ncols, sizeof(int));
	const size_t cap = 60;
	int width = out_width();

	if (t->nrows == 0) {
		fprintf(fp, "%*s%s\n", (int)t->indent, "", NOTHING_FOUND);
		free(w);
		free(vis);
		return;
	}
	for (size_t c = 0; c < t->ncols; c++) {
		w[c] = display_width(t->cols[c]);
		vis[c] = 1;
	}
	for (size_t r = 0; r < t->nrows; r++)
		for (size_t c = 0; c < t->ncols; c++) {
			size_t n = display_width(t->cells[r * t->ncols + c]);

			if (n > w[c])
				w[c] = n > cap && (width > 0 || c + 1 != t->ncols) ? cap : n;
		}
	if (width > 0)
		fit(t, w, vis, (size_t)width);
	for (size_t c = 0; c < t->ncols; c++)
		if (vis[c])
			last = c;
	fprintf(fp, "%*s", (int)t->indent, "");
	for (size_t c = 0; c < t->ncols; c++)
		if (vis[c]) {
			const char *s = t->cols[c];
			char *x = display_width(s) > w[c] ? cut(s, w[c]) : NULL;

			put_cell(fp, x ? x : s, w[c], c == last);
			free(x);
		}
	fputc('\n', fp);
	for (size_t r = 0; r < t->nrows; r++) {
		fprintf(fp, "%*s", (int)t->indent, "");
		for (size_t c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];
			char *x = NULL;

			if (!vis[c])
				continue;
			if (s && display_width(s) > w[c] && (width > 0 || c != last))
				s = x = cut(s, w[c]);
			put_cell(fp, s ? s : "-", w[c], c == last);
			free(x);
		}
		fputc('\n', fp);
	}
	free(w);
	free(vis);
}

void out_clip(const char *text, size_t len, int width, FILE *fp)
{
	size_t i = 0;

	if (width <= 0) {
		fwrite(text, 1, len, fp);
		return;
	}
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - text) : len, j = i, n = 0, cells = 0;

		/* display cells of the line (UTF-8 lead bytes) */
		for (size_t k = i; k < end; k++)
			if (((unsigned char)text[k] & 0xc0) != 0x80)
				cells += text[k] == '\t' ? 8 : 1;
		if (cells <= (size_t)width) {
			fwrite(text + i, 1, end - i, fp);
		} else {
			while (j < end && n + 1 < (size_t)width) {
				n += text[j] == '\t' ? 8 : 1;
				j++;
				while (j < end && ((unsigned char)text[j] & 0xc0) == 0x80)
					j++;
			}
			fwrite(text + i, 1, j - i, fp);
			fputs("\xe2\x80\xa6", fp);
		}
		if (nl)
			fputc('\n', fp);
		i = nl ? end + 1 : len;
	}
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
	free(t->minw);
	free(t->drop);
	memset(t, 0, sizeof(*t));
}
