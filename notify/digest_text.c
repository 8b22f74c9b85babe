/*
 * digest_text - the plain-text digest: the same sections as the HTML page,
 * as aligned columns that read in a terminal and in any mail client, every
 * line within DIGEST_TEXT_WIDTH columns.
 */
#include <stdio.h>
#include <string.h>

#include "digest.h"

#define BAR_MAX 40
#define DIGEST_TEXT_WIDTH 78       /* every line fits a mail and an 80-column terminal */

/* cell - s cleaned, cut to width - 1 characters and padded to width (right-aligned when right) */
static void cell(struct buf *out, const char *s, int width, int right)
{
	struct buf t;
	size_t i, chars = 0, cut = 0, room = (size_t)width - 1;

	buf_init(&t, DIGEST_FIELD_MAX + 8);
	digest_clean(&t, s, DIGEST_FIELD_MAX);
	for (i = 0; i < t.len; i++)
		if (((unsigned char)t.data[i] & 0xc0) != 0x80 && ++chars == room - 1)
			cut = i;
	if (chars > room) {
		t.len = cut;
		t.data[cut] = '\0';
		buf_puts(&t, "..");
		chars = room;
	}
	if (right)
		for (i = chars; i < (size_t)width; i++)
			buf_putc(out, ' ');
	buf_append(out, t.data, t.len);
	if (!right)
		for (i = chars; i < (size_t)width; i++)
			buf_putc(out, ' ');
	buf_free(&t);
}

/* num - a right-aligned number cell */
static void num(struct buf *out, long v, int width)
{
	char s[32];

	snprintf(s, sizeof(s), "%ld", v);
	cell(out, s, width, 1);
}

/* summary_row - one line of the summary, with the previous period when prev >= 0 */
static void summary_row(struct buf *out, const char *what, long cur, long prev)
{
	buf_puts(out, "  ");
	cell(out, what, 32, 0);
	num(out, cur, 10);
	if (prev >= 0) {
		buf_puts(out, "  ");
		num(out, prev, 9);
		buf_puts(out, "  ");
		digest_trend(out, cur, prev);
	}
	buf_putc(out, '\n');
}

/* text of column k of an incident row (period column per show_age) into t */
static void inc_field(struct buf *t, const struct digest_inc *in, const struct digest *dg, int k, int show_age)
{
	buf_reset(t);
	switch (k) {
	case 0: buf_printf(t, "#%lld", in->id); break;
	case 1: buf_puts(t, digest_verdict(in->verdict, "-")); break;
	case 2: digest_clean(t, *in->host ? in->host : in->ip, DIGEST_FIELD_MAX); break;
	case 3: digest_clean(t, digest_label(in->owner, "-"), DIGEST_FIELD_MAX); break;
	case 4: buf_puts(t, digest_status(in->status)); break;
	case 5:
		if (show_age)
			digest_age(t, in->last_seen, dg->to);
		else
			buf_printf(t, "%ld", in->period_reports);
		break;
	default: buf_printf(t, "%ld", in->reports); break;
	}
}

/* chars - display width of UTF-8 text (one cell a character) */
static size_t chars(const struct buf *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->len; i++)
		n += ((unsigned char)t->data[i] & 0xc0) != 0x80;
	return n;
}

/* incs - one section of incidents, its columns as wide as their text and
 * the host and owner shortened so that a line fits DIGEST_TEXT_WIDTH; with
 * others, the open incidents not listed under New or Growing */
static void incs(struct buf *out, const char *title, const struct digest_incs *l, const struct digest *dg,
		 int show_age, int others)
{
	const char *head[7] = { "id", "verdict", "host", "owner", "status", show_age ? "quiet for" : "period",
				"total" };
	size_t w[7], listed = l->n, sum = 2;
	long total = others ? digest_others(dg, &listed) : l->total;
	struct buf t;

	if (total <= 0)
		return;
	buf_init(&t, 64);
	for (int k = 0; k < 7; k++)
		w[k] = strlen(head[k]);
	for (size_t i = 0; i < l->n; i++) {
		if (others && digest_shown_above(dg, l->v[i].id))
			continue;
		for (int k = 0; k < 7; k++) {
			inc_field(&t, &l->v[i], dg, k, show_age);
			if (chars(&t) > w[k])
				w[k] = chars(&t);
		}
	}
	for (int k = 0; k < 7; k++)
		sum += ++w[k];          /* a space after each */
	/* too wide: the host gives way down to 16, then the owner down to 8 */
	while (sum > DIGEST_TEXT_WIDTH && w[2] > 16)
		w[2]--, sum--;
	while (sum > DIGEST_TEXT_WIDTH && w[3] > 8)
		w[3]--, sum--;
	buf_printf(out, "\n%s (%ld)\n", title, total);
	if (others && total != l->total)
		buf_printf(out, "(%ld open in all; the %ld under New or Growing are not repeated)\n", l->total,
			   l->total - total);
	buf_puts(out, "  ");
	for (int k = 0; k < 7; k++)
		cell(out, head[k], (int)w[k], k >= 5);
	buf_putc(out, '\n');
	for (size_t i = 0; i < l->n; i++) {
		if (others && digest_shown_above(dg, l->v[i].id))
			continue;
		buf_puts(out, "  ");
		for (int k = 0; k < 7; k++) {
			inc_field(&t, &l->v[i], dg, k, show_age);
			cell(out, t.data, (int)w[k], k >= 5);
		}
		buf_putc(out, '\n');
	}
	buf_free(&t);
	if (total > (long)listed)
		buf_printf(out, "  ... and %ld more\n", total - (long)listed);
}

/* counts - a count table with up to three columns */
static void counts(struct buf *out, const char *title, const struct digest_counts *c,
		   const char *const *cols, int ncols, const char *dflt, int verdicts, size_t max)
{
	if (c->n == 0)
		return;
	buf_printf(out, "\n%s\n  ", title);
	cell(out, cols[0], 40, 0);
	for (int k = 1; k <= ncols; k++)
		cell(out, cols[k], 10, 1);
	buf_putc(out, '\n');
	for (size_t i = 0; i < c->n && i < max; i++) {
		buf_puts(out, "  ");
		cell(out, verdicts ? digest_verdict(c->v[i].key, dflt) : digest_label(c->v[i].key, dflt), 40, 0);
		for (int k = 0; k < ncols; k++)
			num(out, c->v[i].v[k], 10);
		buf_putc(out, '\n');
	}
	if (c->n > max)
		buf_printf(out, "  ... and %zu more\n", c->n - max);
}

/* chart - reports per day as bars; not_ours apart */
static void chart(struct buf *out, const struct digest *dg)
{
	int no = digest_not_ours(dg);
	long top = 1;
	char day[64];

	for (int i = 0; i < DIGEST_CHART_DAYS; i++)
		if (digest_day_ours(dg, i) > top)
			top = digest_day_ours(dg, i);
	buf_printf(out, "\nReports per day (last %d days, UTC)\n", DIGEST_CHART_DAYS);
	for (int i = 0; i < DIGEST_CHART_DAYS; i++) {
		long n = digest_day_ours(dg, i), w = (n * BAR_MAX + top - 1) / top;

		digest_day(dg->chart_start + i * 86400LL, day);
		buf_printf(out, "  %s %7ld ", day, n);
		for (long k = 0; k < w; k++)
			buf_putc(out, '#');
		while (out->len && out->data[out->len - 1] == ' ')
			out->data[--out->len] = '\0';
		buf_putc(out, '\n');
	}
	if (no >= 0)
		buf_printf(out, "Not counted above: %ld report%s of mail that did not come from our\n"
			   "network (verdict \"Not ours\"): nothing for us to fix.\n",
			   dg->chart_verdicts.v[no].v[0], dg->chart_verdicts.v[no].v[0] == 1 ? "" : "s");
}

/* untraced - reports of the period that could not be parsed or traced;
 * the subject on a line of its own, so that a line fits the width */
static void untraced(struct buf *out, const struct digest *dg)
{
	char when[64];

	if (dg->untraced_total == 0)
		return;
	buf_printf(out, "\nNot parsed or traced (%ld)\n%ld pending or failed, %ld unknown format,"
		   " %ld without a verdict\n  ", dg->untraced_total, dg->bad_status, dg->bad_format,
		   dg->bad_verdict);
	cell(out, "report", 8, 0);
	cell(out, "received", 17, 0);
	cell(out, "status", 8, 0);
	cell(out, "format", 9, 0);
	cell(out, "verdict", 9, 0);
	buf_puts(out, "reporter / subject\n");
	for (size_t i = 0; i < dg->n_untraced; i++) {
		const struct digest_report *r = &dg->untraced[i];
		char id[32];

		snprintf(id, sizeof(id), "%lld", r->id);
		digest_time(r->received_at, when);
		buf_puts(out, "  ");
		cell(out, id, 8, 0);
		cell(out, when, 17, 0);
		cell(out, r->status, 8, 0);
		cell(out, digest_label(r->format, "-"), 9, 0);
		cell(out, digest_verdict(r->verdict, "-"), 9, 0);
		cell(out, digest_label(r->reporter, "-"), DIGEST_TEXT_WIDTH - 53, 0);
		while (out->len && out->data[out->len - 1] == ' ')
			out->data[--out->len] = '\0';
		buf_puts(out, "\n          ");
		cell(out, digest_label(r->subject, "-"), DIGEST_TEXT_WIDTH - 10, 0);
		while (out->len && out->data[out->len - 1] == ' ')
			out->data[--out->len] = '\0';
		buf_putc(out, '\n');
	}
	if (dg->untraced_total > (long)dg->n_untraced)
		buf_printf(out, "  ... and %ld more ('abusedesk reports' lists them)\n",
			   dg->untraced_total - (long)dg->n_untraced);
}

/* header - title, period and the one-line backlog warning */
static void header(struct buf *out, const struct digest *dg, const char *org)
{
	buf_puts(out, "abusedesk digest");
	if (org && *org) {
		buf_puts(out, " for ");
		digest_clean(out, org, DIGEST_FIELD_MAX);
	}
	buf_puts(out, "\nPeriod: ");
	digest_period(dg, out);
	if (dg->owner) {
		buf_puts(out, "\nOwner: ");
		digest_clean(out, dg->owner, DIGEST_FIELD_MAX);
	}
	buf_putc(out, '\n');
	if (dg->pending_all || dg->failed_all)
		buf_printf(out, "Backlog: %ld reports pending and %ld failed (any date):\n"
			   "  run 'abusedesk reprocess --pending'\n", dg->pending_all, dg->failed_all);
}

/* footer - what the words mean */
static void footer(struct buf *out, const struct digest *dg)
{
	char now[64];

	digest_time(dg->now, now);
	buf_printf(out, "\n--\nNew: created in the period. Growing: older incidents with reports\n"
		   "in the period. Open: open, notified or acknowledged now. Stale: open,\n"
		   "notified or acknowledged with no state change and no new report for\nmore than %d days.\n"
		   "Generated %s UTC by abusedesk.\n", DIGEST_STALE_DAYS, now);
}

void digest_text(const struct digest *dg, const char *org, struct buf *out)
{
	static const char *const vcols[] = { "verdict", "reports", "new", "open" };
	static const char *const ocols[] = { "owner", "reports", "new", "open" };
	static const char *const ccols[] = { "category", "reports", "incidents" };
	static const char *const hcols[] = { "host", "reports" };
	static const char *const icols[] = { "injector IP", "reports" };
	static const char *const rcols[] = { "reporter domain", "reports" };

	header(out, dg, org);
	if (digest_is_empty(dg)) {
		buf_puts(out, "\nNothing new in this period: no reports, no new, growing or resolved"
			 " incidents.\n");
		buf_printf(out, "Still open: %ld incidents (%ld stale).\n", dg->open.total, dg->stale.total);
		incs(out, "Stale incidents", &dg->stale, dg, 1, 0);
		footer(out, dg);
		return;
	}
	buf_puts(out, "\n  ");
	cell(out, "Summary", 30, 0);
	cell(out, "this period", 12, 1);
	buf_puts(out, "  ");
	cell(out, "previous", 9, 1);
	buf_puts(out, "  trend\n");
	summary_row(out, "reports received", dg->reports, dg->prev_reports);
	summary_row(out, "new incidents", dg->new_count, dg->prev_new);
	summary_row(out, "resolved incidents", dg->resolved_count, dg->prev_resolved);
	summary_row(out, "growing incidents", dg->growing.total, -1);
	summary_row(out, "open incidents (now)", dg->open.total, -1);
	summary_row(out, "stale incidents", dg->stale.total, -1);
	summary_row(out, "reports not parsed or traced", dg->untraced_total, -1);
	incs(out, "New incidents", &dg->new_incs, dg, 0, 0);
	incs(out, "Growing incidents", &dg->growing, dg, 0, 0);
	incs(out, "Resolved incidents", &dg->resolved, dg, 0, 0);
	incs(out, "Stale incidents", &dg->stale, dg, 1, 0);
	incs(out, "Other open incidents, most recent first", &dg->open, dg, 0, 1);
	counts(out, "By verdict", &dg->by_verdict, vcols, 3, "(no verdict yet)", 1, 20);
	counts(out, "By category", &dg->by_category, ccols, 2, "-", 0, 20);
	counts(out, "By owner", &dg->by_owner, ocols, 3, "(no owner)", 0, 20);
	counts(out, "Top abused hosts", &dg->hosts, hcols, 1, "-", 0, DIGEST_TOP_MAX);
	counts(out, "Top injector IPs", &dg->injectors, icols, 1, "-", 0, DIGEST_TOP_MAX);
	counts(out, "Reporters", &dg->reporters, rcols, 1, "-", 0, DIGEST_TOP_MAX);
	untraced(out, dg);
	chart(out, dg);
	footer(out, dg);
}

void digest_subject(const struct digest *dg, struct buf *out)
{
	char a[64], b[64];

	digest_day(dg->from, a);
	digest_day(dg->to - 1, b);
	buf_printf(out, "[abusedesk] digest %s", a);
	if (strcmp(a, b) != 0)
		buf_printf(out, " to %s", b);
	if (dg->owner) {
		buf_puts(out, " for ");
		digest_clean(out, dg->owner, 64);
	}
	buf_printf(out, " (%ld new incident%s)", dg->new_count, dg->new_count == 1 ? "" : "s");
}
