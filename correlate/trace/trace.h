/*
 * trace - follow a report's Received chain into our networks, find the
 * abused host and classify the abuse.
 *
 * trace knows nothing of SQLite: what it needs to know about our hosts,
 * mail logs and NAT records it asks through struct trace_env callbacks,
 * which the caller backs with the database (db/) or with a CSV inventory.
 */
#ifndef AD_TRACE_H
#define AD_TRACE_H

#include <time.h>

#include "../../parse/report.h"
#include "../../util/ipaddr.h"
#include "../../util/str.h"

enum verdict_class {
	V_UNKNOWN = 0, V_NOT_OURS, V_OPEN_RELAY, V_OPEN_PROXY, V_COMPROMISED_ACCOUNT,
	V_INFECTED_HOST, V_WEB_SCRIPT, V_LOCAL_INJECTION, V_COMPROMISED_SERVER, V_WEB_COMPROMISE
};

enum confidence { CONF_LOW = 0, CONF_MEDIUM, CONF_HIGH };

enum host_role {
	ROLE_NONE = 0, ROLE_MTA, ROLE_PROXY, ROLE_NAT, ROLE_WEB, ROLE_CUSTOMER,
	ROLE_DYNAMIC, ROLE_SERVER
};

/* What the inventory knows about one address. */
struct inv_entry {
	int found;              /* the address is in a known host or network */
	char host[256];         /* host name, "" if only a network matched */
	char owner[128];        /* owner key, "" if none */
	char network[64];       /* most specific network CIDR, "" if none */
	enum host_role role;    /* host role, else network role */
};

/* What the mail log says about one message on one of our MTAs. */
struct maillog_entry {
	int found;
	char queue_id[64];
	char client_ip[46];
	int client_port;        /* the client's source port the MTA logged, 0 when none */
	char client_name[256];
	char sasl_user[256];
	char host[256];         /* the MTA that logged it */
};

struct trace_env {
	void *ctx;
	/* inventory lookup; fills *e (found = 0 when unknown); may be NULL */
	void (*lookup)(void *ctx, const struct ipaddr *ip, struct inv_entry *e);
	/* mail log by queue id (and optional MTA host name) or by Message-ID; may be NULL */
	void (*maillog)(void *ctx, const char *queue_id, const char *message_id,
			struct maillog_entry *e);
	/* NAT: inside address behind outside ip:port at time t; 0 found, -1 not; may be NULL */
	int (*nat)(void *ctx, const struct ipaddr *outside, int port, time_t t,
		   char inside_ip[46], int *inside_port);
	/* the first address of the inventory host with that name: 0 found, -1 not; may be NULL */
	int (*lookup_name)(void *ctx, const char *name, char ip[46]);
};

struct trace_conf {
	struct netlist our_networks;
	struct strlist our_domains;     /* e.g. example.net: host names we own */
};

struct verdict {
	enum verdict_class cls;
	enum confidence confidence;
	char *abused_ip;        /* the host of ours that was abused */
	char *abused_host;      /* its name (inventory, else rDNS / by-name) */
	char *owner;            /* inventory owner key */
	enum host_role role;
	char *egress_ip;        /* where the message left us */
	char *injector_ip;      /* the first address that handed the message to an MTA we (for
				 * not_ours: the complainant) recorded; docs/trace.md */
	char *auth_user;        /* the SASL account, for compromised_account */
	char *nat_inside;       /* inside ip[:port] resolved through a NAT record */
	char *rule;             /* short id of the rule that decided, e.g. "relay-unauth-outside-rcpt" */
	char *explanation;      /* one sentence for a person */
	struct strlist evidence;/* human-readable evidence lines (hops used, log lines) */
	enum report_category category; /* the report's category (report.h) */
	int egress_hop;         /* index into report hops, -1 if none */
	int ingress_hop;        /* index into report hops, -1 if none */
};

const char *verdict_name(enum verdict_class c);
int verdict_from_name(const char *s);        /* -1 when unknown */
const char *confidence_name(enum confidence c);
const char *role_name(enum host_role r);
int role_from_name(const char *s);           /* -1 when unknown */

void verdict_init(struct verdict *v);
void verdict_free(struct verdict *v);
/* trace_report - decide the verdict for r; never fails (unknown at worst) */
void trace_report(const struct report *r, const struct trace_conf *conf,
		  const struct trace_env *env, struct verdict *v);
/* verdict_to_json - one JSON object (keys as in DESIGN.md / abusedesk-trace) */
void verdict_to_json(const struct verdict *v, const char *file, struct buf *out);

#endif
