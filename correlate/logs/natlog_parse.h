/*
 * natlog_parse - read one NAT translation record from its fields:
 * time, inside_ip, inside_port, outside_ip, outside_port.
 *
 * time is epoch seconds, RFC 3339 or "YYYY-MM-DD HH:MM:SS" (UTC); the inside
 * port may be empty (unknown), the outside port may not. natlog_is_header
 * tells the optional first record naming the columns from a record.
 */
#ifndef AD_NATLOG_PARSE_H
#define AD_NATLOG_PARSE_H

#include <stddef.h>

#include "../../util/ipaddr.h"

#define NATLOG_FIELDS 5

struct nat_rec {
	long long at;           /* epoch */
	struct ipaddr inside;
	int inside_port;        /* 0 when unknown */
	struct ipaddr outside;
	int outside_port;
};

/* natlog_parse_fields - 0 and *out filled, or -1 with the reason in err */
int natlog_parse_fields(char *const *f, size_t n, struct nat_rec *out, char *err, size_t elen);
/* natlog_is_header - the record names the columns (its first field is "time" or "at") */
int natlog_is_header(char *const *f, size_t n);

#endif
