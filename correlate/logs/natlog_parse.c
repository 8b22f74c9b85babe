/*
 * natlog_parse - one NAT translation record from its five fields.
 */
#include <stdio.h>
#include <strings.h>
#include <time.h>

#include "../../util/str.h"
#include "natlog_parse.h"

int natlog_is_header(char *const *f, size_t n)
{
	return n > 0 && (strcasecmp(f[0], "time") == 0 || strcasecmp(f[0], "at") == 0);
}

int natlog_parse_fields(char *const *f, size_t n, struct nat_rec *out, char *err, size_t elen)
{
	long t, iport = 0, oport;
	time_t tt;

	if (n != NATLOG_FIELDS) {
		snprintf(err, elen, "%zu fields, 5 expected (time, inside_ip, inside_port, outside_ip, outside_port)", n);
		return -1;
	}
	if (str_to_long(f[0], 1, 0x7fffffffL * 2, &t) < 0) {
		if (time_parse_any(f[0], &tt) < 0) {
			snprintf(err, elen, "bad time '%.60s'", f[0]);
			return -1;
		}
		t = (long)tt;
	}
	if (ip_parse(f[1], &out->inside) < 0 || ip_parse(f[3], &out->outside) < 0) {
		snprintf(err, elen, "bad address '%.60s'", ip_parse(f[1], &out->inside) < 0 ? f[1] : f[3]);
		return -1;
	}
	if ((*f[2] && str_to_long(f[2], 0, 65535, &iport) < 0) || str_to_long(f[4], 1, 65535, &oport) < 0) {
		snprintf(err, elen, "bad port");
		return -1;
	}
	out->at = t;
	out->inside_port = (int)iport;
	out->outside_port = (int)oport;
	return 0;
}
