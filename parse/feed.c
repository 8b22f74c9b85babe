/*
 * feed - mails that carry many events: a CSV attachment in the shape of the
 * sinkhole, botnet and scan feeds (a header row naming an address column:
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
#include "../util/csv.h"
#include "../util/ipaddr.h"
#include "../util/mem.h"

#define FEED_MAX_ROWS  100000         /* rows of one feed read */
#define FEED_MAX_BYTES (4 * 1024 * 1024)

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
static int feed_csv(struct report *r, const char *t, size_t n)
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
			      cy >= 0 && (size_t)cy < in.n ? in.f[cy] : NULL) < 0)
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

/* feed_parse - a CSV feed attachment; 1 when taken */
int feed_parse(struct pctx *c, struct report *r)
{
	char *t;
	size_t n = 0;
	int taken;

	if (c->csv == NULL || (t = part_text(c->csv, FEED_MAX_BYTES, &n)) == NULL)
		return 0;
	taken = feed_csv(r, t, n);
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
