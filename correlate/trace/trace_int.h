/*
 * trace_int - what the trace_*.c files share: the walk state and helpers.
 * Not for use outside correlate/trace*.c.
 */
#ifndef AD_TRACE_INT_H
#define AD_TRACE_INT_H

#include "trace.h"

#define TRACE_MAX_EVIDENCE 40     /* evidence lines kept per verdict */
#define TRACE_EVIDENCE_LEN 300    /* bytes per evidence line */

/* One of our hosts that held the message. */
struct tnode {
	int set;              /* the node names a host */
	char ip[46];          /* "" when the hop named no address */
	char name[256];       /* inventory host, else rDNS / self-given name */
	struct inv_entry inv; /* inventory answer for ip */
};

/* How the walk down our chain stopped. */
enum tstop {
	STOP_END = 0,      /* no further believed hop: the message started at cur */
	STOP_OUTSIDE,      /* cur accepted it from an outside client (ingress) */
	STOP_AUTH,         /* cur accepted it from an authenticated client */
	STOP_ROLE,         /* cur is a proxy/customer/dynamic/nat host: below is not believed */
	STOP_UNBELIEVED    /* a hop below could not be attributed to our hosts */
};

/* The Received headers the parser left out just above one parsed hop. */
struct tgap {
	unsigned char pickup;  /* one of them is a local submission ("by H (Postfix, from userid N)") */
	unsigned char n;       /* how many of them name a writer ("by H") */
	char from[128];        /* the first of those: its client's name ("" when none) and writer */
	char by[128];
};

struct tstate {
	const struct report *r;
	const struct trace_conf *conf;
	const struct trace_env *env;
	struct verdict *v;
	enum confidence conf_level;   /* running confidence, lowered by doubts */
	int src_agrees;               /* Source-IP ours and equal to the egress hop's client */
	int src_only;                 /* egress taken from Source-IP alone */
	struct tnode egress;
	struct tnode cur;             /* the host of ours holding the message */
	int egress_hop, ingress_hop;  /* 0-based indices, -1 none */
	int last_ours_hop;            /* oldest hop written by one of our hosts, -1 none */
	int local;                    /* the last step was a loopback handoff on cur */
	int noip_skips;               /* hops without an address skipped in our chain */
	int private_assumed;          /* a private client outside our_networks taken as inside */
	enum tstop stop;
	int role_hop;                 /* STOP_ROLE: the hop whose client is cur, -1 none */
	char injector[46];            /* the first client an MTA recorded (docs/trace.md) */
	char maillog_ip[46];          /* the mail log's client for our entry hop, and its port */
	int maillog_port;
	char auth_user[256];
	const char *auth_from;        /* "hop" or "maillog" */
	int gaps_read;                /* gap[] is filled */
	/* gap[k]: left out between hop k-1 and hop k; the last member, which
	 * trace_report leaves unset until read_gaps fills it */
	struct tgap gap[PARSE_MAX_HOPS + 1];
};

/* trace_util.c */
int trace_ip_ours(const struct tstate *t, const char *ip);
int trace_ip_loopback(const char *ip);
int trace_ip_private(const char *ip);
int trace_name_ours(const struct tstate *t, const char *name);
int trace_same_org(const char *a, const char *b);
void trace_node(struct tstate *t, struct tnode *n, const char *ip, const char *name);
int trace_hop_auth(const struct hop *h, char *user, size_t usize);
int trace_rcpt_outside(const struct tstate *t, char *which, size_t wsize);
int trace_web_marker(const struct tstate *t, char *line, size_t lsize);
const struct tgap *trace_gap(struct tstate *t, int k);
void trace_evidence(struct tstate *t, const char *fmt, ...) AD_PRINTF(2, 3);
void trace_hop_evidence(struct tstate *t, int k, const char *note);
void trace_set(char **dst, const char *s);
void trace_lower(struct tstate *t, enum confidence c);

/* trace_chain.c */
int trace_egress(struct tstate *t);
void trace_walk(struct tstate *t, int start);
void trace_maillog(struct tstate *t);

/* trace_nonmail.c: a report without a message (attack, URL); 1 when it decided */
int trace_nonmail(struct tstate *t);

/* trace_classify.c */
void trace_classify(struct tstate *t);

#endif
