/*
 * received - parse one Received header value into a relay hop.
 *
 * Patterns are compiled once (JIT where available) with match and depth
 * limits, so a header built to make a regex backtrack costs bounded time.
 */
#ifndef AD_RECEIVED_H
#define AD_RECEIVED_H

#include <stddef.h>
#include <time.h>

#include "../util/buf.h"

struct hop {
	char *from_ip;     /* canonical (util/ipaddr ip_format), ::ffff: mapped -> IPv4 */
	char *from_rdns;   /* reverse DNS name the receiver recorded */
	char *helo;        /* HELO/EHLO argument */
	char *ident;       /* RFC 1413 ident user */
	char *by;          /* receiving host */
	char *with;        /* protocol: SMTP, ESMTPSA, HTTP, ... */
	char *id;          /* receiver's queue id */
	char *for_addr;    /* "for <addr>" */
	char *envfrom;     /* envelope sender when the header records it */
	char *auth;        /* authentication evidence, e.g. "ESMTPA", "user=alice", "authenticated sender: bob" */
	char *date;        /* RFC 3339 UTC of the date after ';' */
	time_t when;       /* 0 when unknown */
	int port;          /* client's source port the receiver recorded (Exim "port=N",
			    * "[ip]:N"), 0 when none */
};

#define RCVD_MAX_LEN 8192   /* longer header values are cut before matching */

/* rcvd_init - compile the patterns; idempotent; exits 75 on failure */
void rcvd_init(void);
void rcvd_shutdown(void);
/*
 * rcvd_parse - parse an unfolded header value (without "Received:").
 * Returns 1 and fills *out for a relay, 0 for a header that carries no relay
 * (local pickup, "invoked by uid", fetchmail ...), -1 when not understood.
 * *out is zeroed first and must be released with hop_free on 1.
 */
int rcvd_parse(const char *value, size_t len, struct hop *out);
void hop_free(struct hop *h);
/* hop_to_json - one JSON object with the keys of DESIGN.md */
void hop_to_json(const struct hop *h, struct buf *out);

#endif
