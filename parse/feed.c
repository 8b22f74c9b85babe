/*
 * feed - mails that carry many events: a CSV attachment, plain or packed in
 * a gzip or zip file (unpack.h), in the shape of the sinkhole, botnet and scan feeds (a header row naming an address column:
 * ip, src_ip, source_ip, ip_address or src; optional port, time and type
 * columns). Each distinct (address, type) is one event; the first row of an
 * event gives its port and time. At most PARSE_MAX_EVENTS events are kept
 * and at most FEED_MAX_ROWS rows read; what is left out is counted in a
 * warning. The first event is the report's own source; app/ stores one
 * report per event.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse_int.h"
#include "unpack.h"
#include "../util/csv.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"

#define FEED_MAX_ROWS  100000         /* rows of one feed read */
#define FEED_MAX_BYTES (4 * 1024 * 1024)
#define FEED_MAX_UNPACKED (32 * 1024 * 1024)   /* a packed feed, inflated */

/* col - the first of the names that is a header column, -1 */
static int col(const struct csv_in *in, const char *const *names)
{
	int k;

	for (; *names; names++)
		if ((k = csv_in_col(in, *names)) >= 0)
			return k;
	return -1;
}

/* add_event - one row; 1 when it made a new event, 0 not (a repeat, or over the cap), -1 no address */
static int add_event(struct report *r, const char *ip, const char *port, const char *when,
		     const char *type)
{
	char norm[46];
	long p = 0;
	time_t t = 0;
	struct event *e;

	if (ip_normalize(ip, norm) != 0)
		return -1;
	for (size_t i = 0; i < r->nevents; i++)
		if (!strcmp(r->events[i].ip, norm) && !strncmp(r->events[i].type, type ? type : "",
							      sizeof(r->events[i].type) - 1))
			return 0;
	if (r->nevents >= PARSE_MAX_EVENTS) {
		r->events_dropped++;
		return 0;
	}
	r->events = xrealloc(r->events, (r->nevents + 1) * sizeof(*r->events));
	e = &r->events[r->nevents++];
	memset(e, 0, sizeof(*e));
	str_copy(e->ip, sizeof(e->ip), norm);
	if (port && str_to_long(port, 1, 65535, &p) == 0)
		e->port = (int)p;
	if (when && *when && time_parse_any(when, &t) == 0) {
		e->when = t;
		time_rfc3339(t, e->date);
	}
	if (type && *type) {
		char *s = str_sanitize(type, sizeof(e->type) - 1);

		str_copy(e->type, sizeof(e->type), s);
		free(s);
	}
	return 1;
}

/* feed_csv - the events of one CSV text; 1 when it is a feed */
static int feed_csv(struct report *r, const char *t, size_t n, const char *deftype)
{
	static const char *const ipn[] = { "ip", "src_ip", "source_ip", "ip_address", "src", "source", NULL };
	static const char *const portn[] = { "port", "src_port", "source_port", NULL };
	static const char *const timen[] = { "timestamp", "time", "date", "first_seen", "datetime", NULL };
	static const char *const typen[] = { "type", "infection", "tag", "category", "event", "malware", NULL };
	struct csv_in in;
	char err[256];
	int ci, cp, ct, cy, rc;
	long rows = 0, bad = 0;

	csv_in_init_mem(&in, t, n);
	in.max_fields = CSV_MAX_FIELDS;         /* scan feeds name many columns */
	in.max_record = (size_t)CSV_MAX_FIELDS * 256;
	if (csv_in_next(&in, err, sizeof(err)) != 1 || (ci = col(&in, ipn)) < 0) {
		csv_in_free(&in);
		return 0;
	}
	cp = col(&in, portn);
	ct = col(&in, timen);
	cy = col(&in, typen);
	while ((rc = csv_in_next(&in, err, sizeof(err))) != 0) {
		if (++rows > FEED_MAX_ROWS) {
			report_warn(r, "feed has more than %d rows; the rest not read", FEED_MAX_ROWS);
			break;
		}
		if (rc < 0 || (size_t)ci >= in.n) {
			bad++;
			continue;
		}
		if (add_event(r, in.f[ci], cp >= 0 && (size_t)cp < in.n ? in.f[cp] : NULL,
			      ct >= 0 && (size_t)ct < in.n ? in.f[ct] : NULL,
			      cy >= 0 && (size_t)cy < in.n && in.f[cy][0] ? in.f[cy] : deftype) < 0)
			bad++;
	}
	csv_in_free(&in);
	if (bad)
		report_warn(r, "feed: %ld rows not read (bad CSV or no usable address)", bad);
	if (r->events_dropped)
		report_warn(r, "feed: more than %d events; %ld left out", PARSE_MAX_EVENTS,
			    r->events_dropped);
	return 1;
}

/* has_suffix - s ends with suf, case aside */
static int has_suffix(const char *s, const char *suf)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suf);

	return a >= b && strcasecmp(s + a - b, suf) == 0;
}

/* file_type - the report a feed file's name gives, for rows without a type
 * column: the feeds name their files DATE-REPORT-... (Shadowserver:
 * 2019-10-15-scan_ftp-sample-asn.csv); "" when the name is not of that form */
static void file_type(const char *fn, char *out, size_t outlen)
{
	const char *p = fn && strrchr(fn, '/') ? strrchr(fn, '/') + 1 : fn;   /* a zip member's folder */
	size_t k = 0;

	out[0] = '\0';
	if (p == NULL || strlen(p) < 12)
		return;
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? p[i] != '-' : (p[i] < '0' || p[i] > '9'))
			return;
	p += 10;
	if (*p != '-' && *p != '_')
		return;
	p++;
	while (p[k] && p[k] != '-' && p[k] != '.' && k + 1 < outlen &&
	       ((p[k] >= 'a' && p[k] <= 'z') || (p[k] >= 'A' && p[k] <= 'Z') || (p[k] >= '0' && p[k] <= '9') || p[k] == '_'))
		k++;
	if (p[k] != '-' && p[k] != '.')
		k = 0;          /* cut short or an odd character: no type */
	memcpy(out, p, k);
	out[k] = '\0';
}

/* packed_csv - the CSV inside a gzip or zip attachment (Shadowserver sends
 * its feeds as NAME.csv.zip), or NULL; a named .csv.zip/.csv.gz that cannot
 * be unpacked is said in a warning */
static char *packed_csv(struct pctx *c, struct report *r, size_t *n, char *member, size_t memberlen)
{
	const char *fn = part_is_message(c->dmarc) ? NULL : mp_filename(c->dmarc);
	char *raw, *t;
	size_t rn = 0;
	enum unpack_err err = UNPACK_OK;
	int named = has_suffix(fn, ".csv.zip") || has_suffix(fn, ".csv.gz");

	if ((raw = mp_decode(c->dmarc, FEED_MAX_UNPACKED / 2, &rn)) == NULL)
		return NULL;
	if (unpack_kind(raw, rn) == UNPACK_NONE) {
		free(raw);
		return NULL;
	}
	t = unpack(raw, rn, FEED_MAX_UNPACKED, n, member, memberlen, &err);
	free(raw);
	if (t == NULL) {
		if (named)
			report_warn(r, "feed attachment could not be unpacked: %s", unpack_strerror(err));
		return NULL;
	}
	if (!named && !has_suffix(member, ".csv") && t[strspn(t, " \t\r\n")] == '<') {
		free(t);        /* XML: a DMARC report's, dmarc.c reads it */
		return NULL;
	}
	if (err != UNPACK_OK)   /* what came out is read: the rows before the break */
		report_warn(r, "feed attachment unpacked in part only: %s", unpack_strerror(err));
	return t;
}

/* feed_parse - a CSV feed attachment, plain or packed; 1 when taken */
int feed_parse(struct pctx *c, struct report *r)
{
	char *t = NULL, member[256] = "", type[64] = "";
	size_t n = 0;
	int taken;

	if (c->csv != NULL) {
		t = part_text(c->csv, FEED_MAX_BYTES, &n);
		file_type(part_is_message(c->csv) ? NULL : mp_filename(c->csv), type, sizeof(type));
	} else if (c->dmarc != NULL) {
		t = packed_csv(c, r, &n, member, sizeof(member));
		file_type(member[0] ? member : part_is_message(c->dmarc) ? NULL : mp_filename(c->dmarc),
			  type, sizeof(type));
	}
	if (t == NULL)
		return 0;
	taken = feed_csv(r, t, n, type[0] ? type : NULL);
	free(t);
	if (!taken)
		return 0;
	r->format = FMT_FEED;
	if (r->nevents > 0) {
		char field[64];

		set_str(&r->source_ip, r->events[0].ip);
		r->source_port = r->events[0].port;
		if (r->events[0].when && !r->arrival_date)
			set_arrival(r, r->events[0].date);
		snprintf(field, sizeof(field), "feed event 1 of %zu", r->nevents);
		set_str(&r->source_field, field);
		r->source_sure = SRC_SURE_HIGH;
	} else {
		report_warn(r, "feed names no address");
	}
	return 1;
}
