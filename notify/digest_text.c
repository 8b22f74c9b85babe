/*
 * digest_text - the plain-text digest: the same sections as the HTML page,
 * as aligned columns that read in a terminal and in any mail client.
 */
#include <stdio.h>
#include <string.h>

#include "digest.h"

#define BAR_MAX 40

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

/* incs - one section of incidents */
static void incs(struct buf *out, const char *title, const struct digest_incs *l, const struct digest *dg,
		 int show_age)
{
	if (l->total == 0)
		return;
	buf_printf(out, "\n%s (%ld)\n  ", title, l->total);
	cell(out, "id", 7, 0);
	cell(out, "verdict", 20, 0);
	cell(out, "host", 30, 0);
	cell(out, "owner", 14, 0);
	cell(out, "status", 13, 0);
	cell(out, show_age ? "quiet for" : "period", 10, 1);
	cell(out, "total", 7, 1);
	buf_putc(out, '\n');
	for (size_t i = 0; i < l->n; i++) {
		const struct digest_inc *in = &l->v[i];
		struct buf t;

		buf_init(&t, 64);
		buf_printf(&t, "#%lld", in->id);
		buf_puts(out, "  ");
		cell(out, t.data, 7, 0);
		cell(out, in->verdict, 20, 0);
		cell(out, *in->host ? in->host : in->ip, 30, 0);
		cell(out, digest_label(in->owner, "-"), 14, 0);
		cell(out, in->status, 13, 0);
		buf_reset(&t);
		if (show_age)
			digest_age(&t, in->last_seen, dg->to);
		else
			buf_printf(&t, "%ld", in->period_reports);
		cell(out, t.data, 10, 1);
		num(out, in->reports, 7);
		buf_putc(out, '\n');
		buf_free(&t);
	}
	if (l->total > (long)l->n)
		buf_printf(out, "  ... and %ld more\n", l->total - (long)l->n);
}

/* counts - a count table with up to three columns */
static void counts(struct buf *out, const char *title, const struct digest_counts *c,
		   const char *const *cols, int ncols, const char *dflt, size_t max)
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
		cell(out, digest_label(c->v[i].key, dflt), 40, 0);
		for (int k = 0; k < ncols; k++)
			num(out, c->v[i].v[k], 10);
		buf_putc(out, '\n');
	}
	if (c->n > max)
		buf_printf(out, "  ... and %zu more\n", c->n - max);
}

/* chart - reports per day as bars */
static void chart(struct buf *out, const struct digest *dg)
{
	long top = 1;
	char day[64];

	for (int i = 0; i < DIGEST_CHART_DAYS; i++)
		if (dg->chart_total[i] > top)
			top = dg->chart_total[i];
	buf_printf(out, "\nReports per day (last %d days, UTC)\n", DIGEST_CHART_DAYS);
	for (int i = 0; i < DIGEST_CHART_DAYS; i++) {
		long w = (dg->chart_total[i] * BAR_MAX + top - 1) / top;

		digest_day(dg->chart_start + i * 86400LL, day);
		buf_printf(out, "  %s %7ld ", day, dg->chart_total[i]);
		for (long k = 0; k < w; k++)
			buf_putc(out, '#');
		buf_putc(out, '\n');
	}
}

/* untraced - reports of the period that could not be parsed or traced */
static void untraced(struct buf *out, const struct digest *dg)
{
	char when[64];

	if (dg->untraced_total == 0)
		return;
	buf_printf(out, "\nNot parsed or traced (%ld): %ld pending or failed, %ld unknown format,"
		   " %ld without a verdict\n  ", dg->untraced_total, dg->bad_status, dg->bad_format,
		   dg->bad_verdict);
	cell(out, "report", 8, 0);
	cell(out, "received", 17, 0);
	cell(out, "status", 8, 0);
	cell(out, "format", 9, 0);
	cell(out, "verdict", 10, 0);
	cell(out, "reporter", 24, 0);
	buf_puts(out, "subject\n");
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
		cell(out, digest_label(r->verdict, "-"), 10, 0);
		cell(out, digest_label(r->reporter, "-"), 24, 0);
		cell(out, digest_label(r->subject, "-"), 40, 0);
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
		buf_printf(out, "Backlog: %ld reports pending and %ld failed (any date):"
			   " run 'abusedesk reprocess --pending'\n", dg->pending_all, dg->failed_all);
}

/* footer - what the words mean */
static void footer(struct buf *out, const struct digest *dg)
{
	char now[64];

	digest_time(dg->now, now);
	buf_printf(out, "\n--\nNew: created in the period. Growing: older incidents with reports in the"
		   " period.\nOpen: open, notified or acknowledged now. Stale: open, notified or"
		   " acknowledged\nwith no state change and no new report for more than %d days.\n"
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
		incs(out, "Stale incidents", &dg->stale, dg, 1);
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
	incs(out, "New incidents", &dg->new_incs, dg, 0);
	incs(out, "Growing incidents", &dg->growing, dg, 0);
	incs(out, "Resolved incidents", &dg->resolved, dg, 0);
	incs(out, "Stale incidents", &dg->stale, dg, 1);
	incs(out, "Open incidents, most recent first", &dg->open, dg, 0);
	counts(out, "By verdict", &dg->by_verdict, vcols, 3, "(no verdict)", 20);
	counts(out, "By category", &dg->by_category, ccols, 2, "-", 20);
	counts(out, "By owner", &dg->by_owner, ocols, 3, "(no owner)", 20);
	counts(out, "Top abused hosts", &dg->hosts, hcols, 1, "-", DIGEST_TOP_MAX);
	counts(out, "Top injector IPs", &dg->injectors, icols, 1, "-", DIGEST_TOP_MAX);
	counts(out, "Reporters", &dg->reporters, rcols, 1, "-", DIGEST_TOP_MAX);
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
