/*
 * report - the parsed form of one message that reached abuse@.
 *
 * This is the contract between parse/ and everything downstream; its JSON
 * form (report_to_json) is the stable output of `abusedesk parse --json`.
 * All strings are owned by the report, NUL-terminated, and may be NULL when
 * the message did not say. Strings taken from the message are hostile: they
 * may hold any byte except NUL; consumers escape them for their sink.
 */
#ifndef AD_REPORT_H
#define AD_REPORT_H

#include <stddef.h>
#include <time.h>

#include "../util/buf.h"
#include "../util/str.h"
#include "received.h"

enum report_format {
	FMT_UNKNOWN = 0, FMT_ARF, FMT_XARF, FMT_DSN, FMT_SPAMCOP, FMT_JMRP,
	FMT_FORWARD, FMT_PLAIN, FMT_AUTOREPLY, FMT_DMARC, FMT_ACNS, FMT_FEED, FMT_SES
};

/* One event of a feed (a CSV attachment with many addresses): app/ stores a report for each. */
struct event {
	char ip[46];                /* canonical address */
	int port;                   /* 0 when not given */
	time_t when;                /* 0 when not given */
	char date[32];              /* RFC 3339 of when, "" when not given */
	char type[64];              /* the feed's type or tag column, "" when none */
};

/*
 * What kind of abuse a report is about, normalised across formats (the raw
 * X-ARF Category stays in report.category). CAT_NONE only before parsing.
 */
enum report_category {
	CAT_NONE = 0, CAT_SPAM, CAT_LOGIN_ATTACK, CAT_SCAN, CAT_DDOS, CAT_PHISHING, CAT_MALWARE,
	CAT_COPYRIGHT, CAT_FRAUD, CAT_OTHER
};

/* How sure the parser is that source_ip is the reported source. */
enum source_sure { SRC_SURE_NONE = 0, SRC_SURE_LOW, SRC_SURE_MEDIUM, SRC_SURE_HIGH };

/* One recipient of a delivery status notification. */
struct rcpt {
	char *address;      /* Final-Recipient (address part) */
	char *action;       /* failed, delayed, delivered, relayed, expanded */
	char *status;       /* D.S.N, e.g. 5.1.1 */
	char *diagnostic;   /* Diagnostic-Code text */
	char *remote_mta;   /* Remote-MTA (name part) */
};

/* The reported (original) message, as far as the report carries it. */
struct original {
	int present;        /* any of it was found */
	int headers_only;   /* only the header block was included */
	char *message_id;   /* without angle brackets */
	char *from, *to, *subject, *date;
	char *headers;      /* the raw header block, capped (PARSE_MAX_ORIG_HEADERS) */
	char *body_sha256;  /* hex digest of the original's body bytes when present, else NULL */
};

/* One <record> row of a DMARC aggregate report (RFC 7489 appendix C). */
struct rua_record {
	char *source_ip;           /* canonical text, NULL when absent or not an address */
	long count;                /* messages the row stands for */
	char *disposition;         /* policy_evaluated: none, quarantine, reject */
	char *dkim, *spf;          /* policy_evaluated: pass or fail */
	char *header_from;         /* identifiers/header_from */
};

/* A DMARC aggregate (rua) report, read in full; present only when format is dmarc. */
struct rua {
	int present;               /* the XML's <feedback> root was seen */
	char *org_name, *email, *report_id;
	long begin, end;           /* date_range, epoch seconds; -1 when not given */
	char *domain, *p, *sp, *adkim, *aspf;  /* policy_published */
	long pct;                  /* -1 when not given */
	long record_count;         /* every <record>, kept or not */
	long long messages;        /* sum of the rows' counts */
	long long failing;         /* messages whose dkim and spf both failed (policy_evaluated) */
	struct rua_record *records; /* the first PARSE_MAX_RUA_RECORDS rows */
	size_t nrecords;
	int records_truncated;     /* rows past the cap were counted but not kept */
};

struct report {
	enum report_format format;
	char *feedback_type;       /* abuse, fraud, ... kept verbatim (lowercased) */
	char *user_agent;
	char *reporter;            /* who reported: outer From address or X-ARF Reported-From */
	char *reporting_mta;
	char *arrival_date;        /* RFC 3339 UTC */
	time_t arrival;            /* 0 when unknown */
	char *source_ip;           /* canonical text, NULL when absent or redacted */
	int source_port;           /* 0 when absent */
	char *original_mail_from;
	struct strlist original_rcpt_to;
	struct strlist reported_domains;
	struct strlist reported_uris;
	long incidents;            /* ARF Incidents:, default 1 */
	char *auth_results;        /* ARF Authentication-Results */
	char *auth_failure;        /* RFC 6591 Auth-Failure */
	char *arf_version;         /* RFC 5965 Version */
	char *original_envelope_id; /* RFC 5965 Original-Envelope-Id */
	char *delivery_result;     /* RFC 6591 Delivery-Result */
	char *dkim_domain;         /* RFC 6591 DKIM-Domain, DKIM-Identity, DKIM-Selector */
	char *dkim_identity;
	char *dkim_selector;
	char *spf_dns;             /* RFC 6591 SPF-DNS */
	char *identity_alignment;  /* RFC 7489 Identity-Alignment (DMARC failure reports) */
	char *category;            /* X-ARF Category / Report-Type, raw (lowercased) */
	enum report_category abuse_category; /* normalised: spam, login-attack, scan, ... */
	char *source_field;        /* which field or line named source_ip ("X-ARF Source", ...) */
	enum source_sure source_sure; /* how sure that source_ip is the source */
	char *protocol;            /* ACNS: the protocol of the infringement (bittorrent, ...) */
	char *content_title;       /* ACNS: the title of the work */
	struct event *events;      /* feed events, distinct (address, type); events[0] is the source */
	size_t nevents;
	long events_dropped;       /* events over PARSE_MAX_EVENTS, not kept */

	struct rcpt *rcpts;        /* DSN recipients */
	size_t nrcpts;

	struct original orig;
	struct rua rua;            /* DMARC aggregate report */
	struct hop *hops;          /* Received hops of the original, newest first */
	size_t nhops;

	/* the outer message itself */
	char *message_id;
	char *from;                /* address only */
	char *subject;
	int auto_submitted;        /* RFC 3834 auto-submitted / list / precedence bulk */

	struct strlist warnings;   /* what was odd or cut */
	int flags;                 /* REPORT_F_* */
};

#define REPORT_F_TRUNCATED   0x01  /* message was cut at the hard cap */
#define REPORT_F_MALFORMED   0x02  /* MIME structure broken */
#define REPORT_F_BINARY      0x04  /* NULs or non-text content */
#define REPORT_F_EMPTY       0x08  /* zero bytes */

/* Caps that bound the work done on hostile input. */
#define PARSE_MAX_HOPS           64
#define PARSE_MAX_RCPTS          1000
#define PARSE_MAX_LIST           1000   /* rcpt-to, domains, uris */
#define PARSE_MAX_EVENTS         500    /* feed events kept per message (one report each) */
#define PARSE_MAX_WARNINGS       50
#define PARSE_MAX_FIELD          4096   /* one field value */
#define PARSE_MAX_ORIG_HEADERS   65536
#define PARSE_MAX_MIME_DEPTH     20
#define PARSE_MAX_PARTS          1000
#define PARSE_MAX_HEADERS        10000
#define PARSE_MAX_RUA_RECORDS    1000   /* DMARC aggregate rows kept (all are counted) */
#define PARSE_MAX_XML_DEPTH      32     /* DMARC aggregate XML nesting */

const char *report_format_name(enum report_format f);
/* report_category_name - "spam", "login-attack", ...; NULL for CAT_NONE */
const char *report_category_name(enum report_category c);
int report_category_from_name(const char *s);     /* -1 when unknown */
const char *source_sure_name(enum source_sure s); /* NULL for SRC_SURE_NONE */
void report_init(struct report *r);
void report_free(struct report *r);
void rua_record_free(struct rua_record *x);
void report_warn(struct report *r, const char *fmt, ...) AD_PRINTF(2, 3);
/* report_to_json - one JSON object (no newline); file may be NULL */
void report_to_json(const struct report *r, const char *file, struct buf *out);

/*
 * parse_init - once per process (GMime, PCRE2 patterns). parse_message -
 * parse len bytes (any bytes; need not be NUL-terminated) into r, which the
 * caller has report_init()ed. Never fails on bad input: problems become
 * warnings and flags. Returns 0, or -1 only on an internal failure.
 */
void parse_init(void);
void parse_shutdown(void);
int parse_message(const char *data, size_t len, struct report *r);

#endif
