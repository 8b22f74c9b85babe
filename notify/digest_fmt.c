/*
 * digest_fmt - the small formatting helpers the digest renderers share:
 * UTF-8 cleaning, HTML escaping, dates, trends and labels.
 *
 * Every string that came from a report or the database goes through
 * digest_clean (text) or html_escape (HTML) before it is written: invalid
 * UTF-8 becomes U+FFFD and control characters (ESC, CR, LF...) become
 * spaces, so report text can neither break a table nor drive a terminal.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../util/str.h"
#include "digest.h"

/* utf8_len - length of the valid UTF-8 sequence at p (n bytes left), 0 if invalid */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t k;
	unsigned cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((k == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (k == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return k;
}

/* put_clean - the common loop: clean s into out, escaping for HTML when html */
static void put_clean(struct buf *out, const char *s, size_t max, int html)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	size_t n = strlen((const char *)p);

	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);

		if (i + (k ? k : 1) > max) {
			buf_puts(out, "...");
			return;
		}
		unsigned cp;
		size_t c = str_ctl_len((const char *)p + i, n - i, &cp);

		if (c > 0) {            /* C0, DEL, C1 (UTF-8 or a stray byte), bidi */
			buf_putc(out, ' ');
			k = c;
		} else if (k == 0) {
			buf_puts(out, "\xef\xbf\xbd");
			k = 1;
		} else if (html && k == 1 && strchr("&<>\"'", p[i])) {
			buf_puts(out, p[i] == '&' ? "&amp;" : p[i] == '<' ? "&lt;" : p[i] == '>' ? "&gt;"
				 : p[i] == '"' ? "&quot;" : "&#39;");
		} else {
			buf_append(out, p + i, k);
		}
		i += k;
	}
}

void digest_clean(struct buf *out, const char *s, size_t max)
{
	put_clean(out, s, max, 0);
}

void html_escape(struct buf *out, const char *s, size_t max)
{
	put_clean(out, s, max, 1);
}

void digest_time(long long t, char out[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, 64, "%04d-%02d-%02d %02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		 tm.tm_hour, tm.tm_min);
}

void digest_day(long long t, char out[64])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	snprintf(out, 64, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

void digest_period(const struct digest *dg, struct buf *out)
{
	char a[64], b[64];

	digest_time(dg->from, a);
	digest_time(dg->to, b);
	buf_printf(out, "%s to %s UTC", a, b);
}

void digest_trend(struct buf *out, long cur, long prev)
{
	if (cur == prev)
		buf_puts(out, "no change");
	else
		buf_printf(out, "%+ld", cur - prev);
}

const char *digest_label(const char *key, const char *dflt)
{
	return key && *key ? key : dflt;
}

void digest_age(struct buf *out, long long t, long long now)
{
	long long s = now > t ? now - t : 0;

	if (s >= 2 * 86400)
		buf_printf(out, "%lld days", s / 86400);
	else
		buf_printf(out, "%lld hours", s / 3600);
}

const char *digest_verdict(const char *key, const char *dflt)
{
	static const struct { const char *key, *label; } v[] = {
		{ "open_relay", "Open relay" }, { "open_proxy", "Open proxy" },
		{ "compromised_account", "Compromised account" }, { "infected_host", "Infected host" },
		{ "web_script", "Web script" }, { "local_injection", "Local injection" },
		{ "not_ours", "Not ours" }, { "unknown", "Unknown" },
	};

	if (key == NULL || *key == '\0')
		return dflt;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcmp(key, v[i].key) == 0)
			return v[i].label;
	return key;
}

const char *digest_status(const char *key)
{
	if (key && strcmp(key, "false_positive") == 0)
		return "false positive";
	return key && *key ? key : "-";
}

int digest_shown_above(const struct digest *dg, long long id)
{
	for (size_t i = 0; i < dg->new_incs.n; i++)
		if (dg->new_incs.v[i].id == id)
			return 1;
	for (size_t i = 0; i < dg->growing.n; i++)
		if (dg->growing.v[i].id == id)
			return 1;
	return 0;
}

long digest_others(const struct digest *dg, size_t *listed)
{
	long above = 0;

	*listed = 0;
	for (size_t i = 0; i < dg->open.n; i++) {
		if (digest_shown_above(dg, dg->open.v[i].id))
			above++;
		else
			(*listed)++;
	}
	return dg->open.total - above;
}

int digest_not_ours(const struct digest *dg)
{
	for (size_t k = 0; k < dg->chart_verdicts.n; k++)
		if (dg->chart_verdicts.v[k].key && strcmp(dg->chart_verdicts.v[k].key, "not_ours") == 0)
			return (int)k;
	return -1;
}

long digest_day_ours(const struct digest *dg, int i)
{
	int k = digest_not_ours(dg);

	return dg->chart_total[i] - (k >= 0 ? dg->chart[k][i] : 0);
}
