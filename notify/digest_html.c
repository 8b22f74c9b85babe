/*
 * digest_html - the digest as one self-contained HTML page.
 *
 * Made for mail clients as much as for browsers: no external resource, no
 * <style> block, no script; layout by simple tables with inline styles; the
 * chart is inline SVG (stacked bars of reports per day and verdict, a y
 * axis of round ticks) with the numbers repeated in a table below it for
 * clients that drop SVG; not_ours reports are counted apart from it (they
 * are nothing for us to fix). Verdicts read as words ("Open relay"). The
 * open incidents already listed under New or Growing are not repeated. The page
 * is also well-formed XML. Every value goes through html_escape.
 */
#include <stdio.h>
#include <string.h>

#include "digest.h"

#define FONT "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;"
#define TH "text-align:left;padding:6px 8px;border-bottom:2px solid #d0d7de;font-size:12px;" \
	"color:#57606a;font-weight:600;"
#define THR TH "text-align:right;"
#define TD "padding:5px 8px;border-bottom:1px solid #eaeef2;vertical-align:top;"
#define TDR TD "text-align:right;white-space:nowrap;"
#define H2 "<h2 style=\"font-size:16px;margin:24px 0 8px 0;color:#1f2328;\">"
#define TABLE "<table role=\"presentation\" width=\"100%%\" cellpadding=\"0\" cellspacing=\"0\"" \
	" style=\"border-collapse:collapse;font-size:13px;\">"

static const struct { const char *verdict, *color; } colors[] = {
	{ "open_relay", "#cf222e" }, { "open_proxy", "#8250df" },
	{ "compromised_account", "#bc4c00" }, { "infected_host", "#0969da" },
	{ "web_script", "#1a7f37" }, { "local_injection", "#bf3989" },
	{ "not_ours", "#8c959f" }, { "unknown", "#d4a72c" }, { "", "#afb8c1" },
};

/* color_of - the chart colour of a verdict */
static const char *color_of(const char *verdict)
{
	for (size_t i = 0; i < sizeof(colors) / sizeof(colors[0]); i++)
		if (strcmp(colors[i].verdict, verdict) == 0)
			return colors[i].color;
	return "#57606a";
}

/* esc - escaped value, or dflt (plain) when empty */
static void esc(struct buf *out, const char *s, const char *dflt)
{
	html_escape(out, s && *s ? s : dflt, DIGEST_FIELD_MAX);
}

/* stat_cell - one figure of the summary strip */
static void stat_cell(struct buf *out, const char *label, long v, long prev, const char *color)
{
	buf_printf(out, "<td style=\"padding:10px 12px;border:1px solid #eaeef2;background:#f6f8fa;\">"
		   "<div style=\"font-size:22px;font-weight:700;color:%s;\">%ld</div>"
		   "<div style=\"font-size:12px;color:#57606a;\">%s", color, v, label);
	if (prev >= 0) {
		buf_printf(out, "<br />prev. %ld (", prev);
		digest_trend(out, v, prev);
		buf_puts(out, ")");
	}
	buf_puts(out, "</div></td>\n");
}

/* summary - the strip of figures */
static void summary(struct buf *out, const struct digest *dg)
{
	buf_puts(out, "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\""
		 " style=\"border-collapse:collapse;margin-top:12px;\"><tr>\n");
	stat_cell(out, "reports", dg->reports, dg->prev_reports, "#1f2328");
	stat_cell(out, "new incidents", dg->new_count, dg->prev_new, dg->new_count ? "#cf222e" : "#1f2328");
	stat_cell(out, "resolved", dg->resolved_count, dg->prev_resolved, "#1a7f37");
	buf_puts(out, "</tr><tr>\n");
	stat_cell(out, "growing", dg->growing.total, -1, "#1f2328");
	stat_cell(out, "open now", dg->open.total, -1, "#1f2328");
	stat_cell(out, "stale", dg->stale.total, -1, dg->stale.total ? "#bc4c00" : "#1f2328");
	buf_puts(out, "</tr></table>\n");
}

/* incs - one section of incidents */
static void incs(struct buf *out, const char *title, const struct digest_incs *l,
		 const struct digest *dg, int show_age, int others)
{
	size_t listed = l->n;
	long total = others ? digest_others(dg, &listed) : l->total;

	if (total <= 0)
		return;
	buf_printf(out, H2 "%s (%ld)</h2>\n", title, total);
	if (others && total != l->total)
		buf_printf(out, "<p style=\"margin:0 0 6px 0;color:#57606a;font-size:12px;\">%ld open in all;"
			   " the %ld listed under New or Growing are not repeated here.</p>\n", l->total,
			   l->total - total);
	buf_printf(out, TABLE "<tr><th style=\"" TH "\">id</th>"
		   "<th style=\"" TH "\">verdict</th><th style=\"" TH "\">host</th>"
		   "<th style=\"" TH "\">owner</th><th style=\"" TH "\">status</th>"
		   "<th style=\"" THR "\">%s</th><th style=\"" THR "\">total</th></tr>\n",
		   show_age ? "quiet for" : "period");
	for (size_t i = 0; i < l->n; i++) {
		const struct digest_inc *in = &l->v[i];

		if (others && digest_shown_above(dg, in->id))
			continue;

		buf_printf(out, "<tr><td style=\"" TD "\">#%lld</td><td style=\"" TD "white-space:nowrap;\">"
			   "<span style=\"color:%s;\">&#9632;</span> ", in->id, color_of(in->verdict));
		esc(out, digest_verdict(in->verdict, "-"), "-");
		buf_puts(out, "</td><td style=\"" TD "word-break:break-word;overflow-wrap:anywhere;\">");
		esc(out, in->host, "");
		if (*in->ip && strcmp(in->ip, in->host) != 0) {
			buf_puts(out, " <span style=\"color:#57606a;white-space:nowrap;\">");
			esc(out, in->ip, "");
			buf_puts(out, "</span>");
		}
		buf_puts(out, "</td><td style=\"" TD "white-space:nowrap;\">");
		esc(out, in->owner, "-");
		buf_puts(out, "</td><td style=\"" TD "white-space:nowrap;\">");
		esc(out, digest_status(in->status), "-");
		buf_puts(out, "</td><td style=\"" TDR "\">");
		if (show_age)
			digest_age(out, in->last_seen, dg->to);
		else
			buf_printf(out, "%ld", in->period_reports);
		buf_printf(out, "</td><td style=\"" TDR "\">%ld</td></tr>\n", in->reports);
	}
	buf_puts(out, "</table>\n");
	if (total > (long)listed)
		buf_printf(out, "<p style=\"color:#57606a;font-size:12px;margin:4px 0;\">... and %ld more</p>\n",
			   total - (long)listed);
}

/* counts - a count table with ncols number columns */
static void counts(struct buf *out, const char *title, const struct digest_counts *c,
		   const char *const *cols, int ncols, const char *dflt, int dot, size_t max)
{
	if (c->n == 0)
		return;
	buf_printf(out, H2 "%s</h2>\n" TABLE "<tr><th style=\"" TH "\">%s</th>", title, cols[0]);
	for (int k = 1; k <= ncols; k++)
		buf_printf(out, "<th style=\"" THR "\">%s</th>", cols[k]);
	buf_puts(out, "</tr>\n");
	for (size_t i = 0; i < c->n && i < max; i++) {
		buf_puts(out, "<tr><td style=\"" TD "word-break:break-word;overflow-wrap:anywhere;\">");
		if (dot)
			buf_printf(out, "<span style=\"color:%s;\">&#9632;</span> ", color_of(c->v[i].key));
		esc(out, dot ? digest_verdict(c->v[i].key, dflt) : c->v[i].key, dflt);
		buf_puts(out, "</td>");
		for (int k = 0; k < ncols; k++)
			buf_printf(out, "<td style=\"" TDR "\">%ld</td>", c->v[i].v[k]);
		buf_puts(out, "</tr>\n");
	}
	buf_puts(out, "</table>\n");
	if (c->n > max)
		buf_printf(out, "<p style=\"color:#57606a;font-size:12px;margin:4px 0;\">... and %zu more</p>\n",
			   c->n - max);
}

/* untraced - reports not parsed or traced */
static void untraced(struct buf *out, const struct digest *dg)
{
	char when[64];

	if (dg->untraced_total == 0)
		return;
	buf_printf(out, H2 "Not parsed or traced (%ld)</h2>\n<p style=\"margin:0 0 6px 0;\">%ld pending"
		   " or failed, %ld unknown format, %ld without a verdict.</p>\n" TABLE
		   "<tr><th style=\"" TH "\">report</th><th style=\"" TH "\">received</th>"
		   "<th style=\"" TH "\">status</th><th style=\"" TH "\">format</th>"
		   "<th style=\"" TH "\">verdict</th><th style=\"" TH "\">reporter</th>"
		   "<th style=\"" TH "\">subject</th></tr>\n", dg->untraced_total, dg->bad_status,
		   dg->bad_format, dg->bad_verdict);
	for (size_t i = 0; i < dg->n_untraced; i++) {
		const struct digest_report *r = &dg->untraced[i];

		digest_time(r->received_at, when);
		buf_printf(out, "<tr><td style=\"" TD "\">%lld</td><td style=\"" TD "white-space:nowrap;\">"
			   "%s</td><td style=\"" TD "\">", r->id, when);
		esc(out, r->status, "-");
		buf_puts(out, "</td><td style=\"" TD "\">");
		esc(out, r->format, "-");
		buf_puts(out, "</td><td style=\"" TD "\">");
		esc(out, digest_verdict(r->verdict, "-"), "-");
		buf_puts(out, "</td><td style=\"" TD "word-break:break-word;overflow-wrap:anywhere;\">");
		esc(out, r->reporter, "-");
		buf_puts(out, "</td><td style=\"" TD "word-break:break-word;\">");
		esc(out, r->subject, "-");
		buf_puts(out, "</td></tr>\n");
	}
	buf_puts(out, "</table>\n");
	if (dg->untraced_total > (long)dg->n_untraced)
		buf_printf(out, "<p style=\"color:#57606a;font-size:12px;margin:4px 0;\">... and %ld more"
			   " ('abusedesk reports' lists them)</p>\n", dg->untraced_total - (long)dg->n_untraced);
}

/* chart_legend - the verdict colours, the numbers behind the bars, and
 * not_ours apart from them */
static void chart_legend(struct buf *out, const struct digest *dg)
{
	int no = digest_not_ours(dg);
	char day[64];

	buf_puts(out, "<p style=\"font-size:12px;color:#57606a;margin:4px 0 8px 0;\">");
	for (size_t k = 0; k < dg->chart_verdicts.n; k++) {
		if ((int)k == no)
			continue;
		buf_printf(out, "<span style=\"white-space:nowrap;margin-right:12px;\">"
			   "<span style=\"color:%s;\">&#9632;</span> ", color_of(dg->chart_verdicts.v[k].key));
		esc(out, digest_verdict(dg->chart_verdicts.v[k].key, "No verdict yet"), "-");
		buf_printf(out, " %ld</span> ", dg->chart_verdicts.v[k].v[0]);
	}
	buf_printf(out, "</p>\n" TABLE "<tr>");
	for (int i = 0; i < DIGEST_CHART_DAYS; i++) {
		digest_day(dg->chart_start + i * 86400LL, day);
		buf_printf(out, "<td style=\"font-size:11px;color:#57606a;text-align:center;padding:2px;\">"
			   "%.5s<br /><b style=\"color:#1f2328;\">%ld</b></td>", day + 5, digest_day_ours(dg, i));
	}
	buf_puts(out, "</tr></table>\n");
	if (no >= 0)
		buf_printf(out, "<p style=\"font-size:12px;color:#57606a;margin:8px 0 0 0;\">Not in the chart:"
			   " <b style=\"color:#1f2328;\">%ld</b> report%s of mail that did not come from our"
			   " network (verdict &#8220;Not ours&#8221;): nothing for us to fix.</p>\n",
			   dg->chart_verdicts.v[no].v[0], dg->chart_verdicts.v[no].v[0] == 1 ? "" : "s");
}

/* tick_step - 1, 2 or 5 times a power of ten: at most 5 steps up to max */
static long tick_step(long max)
{
	long step = 1;

	for (;;) {
		if (max <= 5 * step)
			return step;
		if (max <= 10 * step)
			return 2 * step;
		if (max <= 25 * step)
			return 5 * step;
		if (step > 100000000L)
			return step * 10;
		step *= 10;
	}
}

/* chart - stacked bars of reports per day and verdict (not_ours apart),
 * inline SVG with a y axis of round ticks */
static void chart(struct buf *out, const struct digest *dg)
{
	const int W = 640, H = 200, left = 36, bottom = 24, top = 10;
	const int slot = (W - left) / DIGEST_CHART_DAYS, bar = slot - 8;
	int no = digest_not_ours(dg);
	long max = 1, step, scale;
	char day[64];

	for (int i = 0; i < DIGEST_CHART_DAYS; i++)
		if (digest_day_ours(dg, i) > max)
			max = digest_day_ours(dg, i);
	step = tick_step(max);
	scale = (max + step - 1) / step * step;
	buf_printf(out, H2 "Reports per day, last %d days (UTC)</h2>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\""
		   " role=\"img\" aria-label=\"reports per day\" style=\"max-width:100%%;height:auto;\">\n",
		   DIGEST_CHART_DAYS, W, H, W, H);
	for (long v = 0; v <= scale; v += step) {
		double y = H - bottom - (double)v * (H - bottom - top) / (double)scale;

		buf_printf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" />\n"
			   "<text x=\"%d\" y=\"%.1f\" font-size=\"10\" text-anchor=\"end\" fill=\"#57606a\">%ld</text>\n",
			   left, y, W, y, v ? "#eaeef2" : "#d0d7de", left - 4, y + 3.5, v);
	}
	for (int i = 0; i < DIGEST_CHART_DAYS; i++) {
		int x = left + i * slot + 4;
		double y = H - bottom;

		for (size_t k = 0; k < dg->chart_verdicts.n; k++) {
			double h = (double)dg->chart[k][i] * (H - bottom - top) / (double)scale;

			if (dg->chart[k][i] == 0 || (int)k == no)
				continue;
			y -= h;
			buf_printf(out, "<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\" />\n",
				   x, y, bar, h, color_of(dg->chart_verdicts.v[k].key));
		}
		digest_day(dg->chart_start + i * 86400LL, day);
		buf_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\""
			   " fill=\"#57606a\">%.5s</text>\n", x + bar / 2, H - 8, day + 5);
	}
	buf_puts(out, "</svg>\n");
	chart_legend(out, dg);
}

/* page_head - doctype, head and the outer tables */
static void page_head(struct buf *out, const struct digest *dg, const char *org)
{
	struct buf t;

	buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
		 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n<title>");
	buf_init(&t, 1024);
	digest_subject(dg, &t);
	html_escape(out, t.data, t.len);
	buf_free(&t);
	buf_puts(out, "</title>\n</head>\n<body style=\"margin:0;padding:0;background:#f6f8fa;\">\n"
		 "<table role=\"presentation\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\""
		 " style=\"background:#f6f8fa;\"><tr><td align=\"center\" style=\"padding:16px 8px;\">\n"
		 "<table role=\"presentation\" width=\"720\" cellpadding=\"0\" cellspacing=\"0\""
		 " style=\"max-width:720px;width:100%;background:#ffffff;border:1px solid #d0d7de;"
		 "border-radius:6px;" FONT "color:#1f2328;font-size:14px;line-height:1.4;\">\n"
		 "<tr><td style=\"padding:20px 24px;\">\n"
		 "<h1 style=\"font-size:20px;margin:0 0 4px 0;\">abusedesk digest");
	if (org && *org) {
		buf_puts(out, " for ");
		html_escape(out, org, DIGEST_FIELD_MAX);
	}
	buf_puts(out, "</h1>\n<p style=\"margin:0;color:#57606a;\">");
	digest_period(dg, out);
	if (dg->owner) {
		buf_puts(out, " &#183; owner <b>");
		html_escape(out, dg->owner, DIGEST_FIELD_MAX);
		buf_puts(out, "</b>");
	}
	buf_puts(out, "</p>\n");
	if (dg->pending_all || dg->failed_all)
		buf_printf(out, "<p style=\"margin:12px 0 0 0;padding:8px 12px;background:#fff8c5;"
			   "border:1px solid #d4a72c;border-radius:6px;\">Backlog: <b>%ld</b> reports pending"
			   " and <b>%ld</b> failed (any date): run <code>abusedesk reprocess --pending</code></p>\n",
			   dg->pending_all, dg->failed_all);
}

/* page_foot - definitions and the closing tags */
static void page_foot(struct buf *out, const struct digest *dg)
{
	char now[64];

	digest_time(dg->now, now);
	buf_printf(out, "<p style=\"margin:28px 0 0 0;padding-top:12px;border-top:1px solid #d0d7de;"
		   "font-size:12px;color:#57606a;\"><b>New</b>: created in the period. <b>Growing</b>: older"
		   " incidents with reports in the period. <b>Open</b>: open, notified or acknowledged now."
		   " <b>Stale</b>: open, notified or acknowledged with no state change and no new report for"
		   " more than %d days.<br />Generated %s UTC by abusedesk.</p>\n"
		   "</td></tr></table>\n</td></tr></table>\n</body>\n</html>\n", DIGEST_STALE_DAYS, now);
}

void digest_html(const struct digest *dg, const char *org, struct buf *out)
{
	static const char *const vcols[] = { "verdict", "reports", "new", "open" };
	static const char *const ocols[] = { "owner", "reports", "new", "open" };
	static const char *const hcols[] = { "host", "reports" };
	static const char *const icols[] = { "injector IP", "reports" };
	static const char *const rcols[] = { "reporter domain", "reports" };

	page_head(out, dg, org);
	if (digest_is_empty(dg)) {
		buf_printf(out, "<p style=\"margin:16px 0;font-size:16px;\">Nothing new in this period: no"
			   " reports, no new, growing or resolved incidents.</p>\n<p>Still open: <b>%ld</b>"
			   " incidents (%ld stale).</p>\n", dg->open.total, dg->stale.total);
		incs(out, "Stale incidents", &dg->stale, dg, 1, 0);
		page_foot(out, dg);
		return;
	}
	summary(out, dg);
	chart(out, dg);
	incs(out, "New incidents", &dg->new_incs, dg, 0, 0);
	incs(out, "Growing incidents", &dg->growing, dg, 0, 0);
	incs(out, "Resolved incidents", &dg->resolved, dg, 0, 0);
	incs(out, "Stale incidents", &dg->stale, dg, 1, 0);
	incs(out, "Other open incidents, most recent first", &dg->open, dg, 0, 1);
	counts(out, "By verdict", &dg->by_verdict, vcols, 3, "(no verdict)", 1, 20);
	counts(out, "By owner", &dg->by_owner, ocols, 3, "(no owner)", 0, 20);
	counts(out, "Top abused hosts", &dg->hosts, hcols, 1, "-", 0, DIGEST_TOP_MAX);
	counts(out, "Top injector IPs", &dg->injectors, icols, 1, "-", 0, DIGEST_TOP_MAX);
	counts(out, "Reporters", &dg->reporters, rcols, 1, "-", 0, DIGEST_TOP_MAX);
	untraced(out, dg);
	page_foot(out, dg);
}
