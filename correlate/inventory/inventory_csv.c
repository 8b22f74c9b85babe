/*
 * inventory_csv - read the CSV inventory (format in inventory_csv.h) and
 * answer the tracer's lookups from it: address -> host/network/role/owner,
 * queue id or Message-ID -> mail log line, outside ip:port at a time ->
 * inside address. Linear scans: the file is meant for tens to thousands of
 * rows, before the database inventory is in use.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../util/buf.h"
#include "../../util/csv.h"
#include "../../util/mem.h"
#include "inventory_csv.h"

struct inv_host { char *name; struct ipaddr ip; enum host_role role; char *owner; };
struct inv_net { struct cidr net; enum host_role role; char *owner; };
struct inv_nat { struct ipaddr out; int plo, phi; char in[46]; int inport; time_t from, to; };
struct inv_log { char *qid, *client, *user, *host, *mid; int port; };

struct inventory_csv {
	const char *name;
	struct inv_host *hosts; size_t nhosts, chosts;
	struct inv_net *nets; size_t nnets, cnets;
	struct inv_nat *nats; size_t nnats, cnats;
	struct inv_log *logs; size_t nlogs, clogs;
	size_t rows;
	struct strlist errors;
};

#define GROW(arr, n, cap) do { if ((n) == (cap)) { (cap) = (cap) ? (cap) * 2 : 16; \
	(arr) = xrealloc((arr), (cap) * sizeof(*(arr))); } } while (0)
#define MAXF 8   /* columns */

/* parse_role - role column; "" is none */
static int parse_role(const char *s, enum host_role *r)
{
	int i = *s ? role_from_name(s) : 0;

	if (i < 0)
		return -1;
	*r = (enum host_role)i;
	return 0;
}

/* row_host - host,NAME,IPS,ROLE,OWNER (at most 16 addresses) */
static const char *row_host(struct inventory_csv *inv, char **f, int n)
{
	enum host_role role;
	struct ipaddr a[16];
	char *save = NULL, *tok;
	size_t na = 0;

	if (n != 5 || !*f[1] || !*f[2])
		return "host rows are host,NAME,IP [IP...],ROLE,OWNER";
	if (parse_role(f[3], &role) < 0)
		return "unknown role (none mta proxy nat web customer dynamic server)";
	for (tok = strtok_r(f[2], " ;\t\r\n", &save); tok; tok = strtok_r(NULL, " ;\t\r\n", &save)) {
		if (na == 16)
			return "more than 16 addresses";
		if (ip_parse(tok, &a[na++]) < 0)
			return "bad IP address in the third column";
	}
	if (na == 0)
		return "no address";
	for (size_t i = 0; i < na; i++) {
		GROW(inv->hosts, inv->nhosts, inv->chosts);
		inv->hosts[inv->nhosts++] = (struct inv_host){ xstrdup(f[1]), a[i], role, xstrdup(f[4]) };
	}
	return NULL;
}

/* row_network - network,CIDR,,ROLE,OWNER */
static const char *row_network(struct inventory_csv *inv, char **f, int n)
{
	struct cidr c;
	enum host_role role;

	if (n != 5)
		return "network rows are network,CIDR,,ROLE,OWNER";
	if (cidr_parse(f[1], &c) < 0)
		return "bad CIDR in the second column";
	if (parse_role(f[3], &role) < 0)
		return "unknown role (none mta proxy nat web customer dynamic server)";
	GROW(inv->nets, inv->nnets, inv->cnets);
	inv->nets[inv->nnets++] = (struct inv_net){ c, role, xstrdup(f[4]) };
	return NULL;
}

/* ip_port - "IP", "IP:PORT", "IP:LO-HI", "[V6]:PORT" */
static int ip_port(const char *s, struct ipaddr *a, int *lo, int *hi)
{
	char ip[80];
	const char *colon = NULL;
	long l = 0, h = 0;

	*lo = 0;
	*hi = 65535;
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb - s - 1 >= (long)sizeof(ip))
			return -1;
		memcpy(ip, s + 1, (size_t)(rb - s - 1));
		ip[rb - s - 1] = '\0';
		colon = rb[1] == ':' ? rb + 1 : NULL;
		if (rb[1] && !colon)
			return -1;
	} else {
		const char *c1 = strchr(s, ':');

		colon = (c1 && !strchr(c1 + 1, ':')) ? c1 : NULL;   /* one colon: IPv4:port */
		if (str_copy(ip, sizeof(ip), s) < 0)
			return -1;
		if (colon)
			ip[colon - s] = '\0';
	}
	if (ip_parse(ip, a) < 0)
		return -1;
	if (colon == NULL)
		return 0;
	{
		char ports[32], *dash;

		if (str_copy(ports, sizeof(ports), colon + 1) < 0)
			return -1;
		dash = strchr(ports, '-');
		if (dash)
			*dash = '\0';
		if (str_to_long(ports, 1, 65535, &l) < 0 ||
		    (dash && str_to_long(dash + 1, l, 65535, &h) < 0))
			return -1;
		*lo = (int)l;
		*hi = dash ? (int)h : (int)l;
	}
	return 0;
}

/* row_nat - nat,OUTSIDE,INSIDE,START,END */
static const char *row_nat(struct inventory_csv *inv, char **f, int n)
{
	struct inv_nat x;
	struct ipaddr in;
	int ilo, ihi;

	memset(&x, 0, sizeof(x));
	if (n != 5)
		return "nat rows are nat,OUTSIDE_IP[:PORT[-PORT]],INSIDE_IP[:PORT],START,END";
	if (ip_port(f[1], &x.out, &x.plo, &x.phi) < 0)
		return "bad outside address or port range";
	if (ip_port(f[2], &in, &ilo, &ihi) < 0 || ilo != ihi)
		return "bad inside address";
	ip_format(&in, x.in);
	x.inport = ilo;
	if ((*f[3] && time_parse_any(f[3], &x.from) < 0) || (*f[4] && time_parse_any(f[4], &x.to) < 0))
		return "bad time (RFC 3339)";
	GROW(inv->nats, inv->nnats, inv->cnats);
	inv->nats[inv->nnats++] = x;
	return NULL;
}

/* row_maillog - maillog,QUEUE_ID,CLIENT_IP[:PORT],SASL_USER,HOST[,MESSAGE_ID] */
static const char *row_maillog(struct inventory_csv *inv, char **f, int n)
{
	struct ipaddr a;
	char *mid, ip[46] = "";
	int lo = 0, hi = 0;

	if (n != 5 && n != 6)
		return "maillog rows are maillog,QUEUE_ID,CLIENT_IP[:PORT],SASL_USER,HOST[,MESSAGE_ID]";
	if (*f[2] && (ip_port(f[2], &a, &lo, &hi) < 0 || (lo && lo != hi)))
		return "bad client IP";
	if (*f[2])
		ip_format(&a, ip);
	if (!*f[1] && (n < 6 || !*f[5]))
		return "maillog rows need a queue id or a Message-ID";
	mid = n == 6 ? f[5] : "";
	if (*mid == '<')
		mid++;
	if (*mid && mid[strlen(mid) - 1] == '>')
		mid[strlen(mid) - 1] = '\0';
	GROW(inv->logs, inv->nlogs, inv->clogs);
	inv->logs[inv->nlogs++] = (struct inv_log){ xstrdup(f[1]), xstrdup(ip), xstrdup(f[3]),
		xstrdup(f[4]), xstrdup(mid), lo };
	return NULL;
}

/* row - one record of n fields; NULL or the reason it is bad */
static const char *row(struct inventory_csv *inv, char **f, int n)
{
	if (strcmp(f[0], "host") == 0)
		return row_host(inv, f, n);
	if (strcmp(f[0], "network") == 0)
		return row_network(inv, f, n);
	if (strcmp(f[0], "nat") == 0)
		return row_nat(inv, f, n);
	if (strcmp(f[0], "maillog") == 0)
		return row_maillog(inv, f, n);
	return "unknown kind (host, network, nat, maillog)";
}

/* refused - the inventory's words for a record util/csv refused */
static const char *refused(const struct csv_in *c, const char *csv_err)
{
	switch (c->why) {
	case CSV_E_RECORD:
	case CSV_E_FIELD:
		return "line too long";
	case CSV_E_FIELDS:
		return "too many columns";
	default:
		return csv_err;
	}
}

/* inventory_csv_parse - rows from memory, read through util/csv */
int inventory_csv_parse(const char *data, size_t len, const char *name,
			struct inventory_csv **out, char *err, size_t errsize)
{
	struct inventory_csv *inv = xcalloc(1, sizeof(*inv));
	struct csv_in c;
	char cerr[128], msg[INVCSV_MAX_LINE + 300];
	int rc;

	inv->name = name;
	csv_in_init_mem(&c, data, len);
	c.max_fields = MAXF;
	c.max_record = INVCSV_MAX_LINE - 1;
	c.reject_nul = 1;
	while (inv->rows < INVCSV_MAX_ROWS && (rc = csv_in_next(&c, cerr, sizeof(cerr))) != 0) {
		const char *why = NULL;

		if (rc < 0)
			why = refused(&c, cerr);
		else if ((c.n == 1 && c.f[0][0] == '\0') || c.f[0][0] == '#' ||
			 (c.n > 1 && strcmp(c.f[0], "kind") == 0))
			continue;   /* a blank line, an indented comment, the header */
		else
			why = row(inv, c.f, (int)c.n);
		if (why) {
			snprintf(msg, sizeof(msg), "%s:%ld: %s", name, c.rec_line, why);
			if (inv->errors.n < 1000)
				strlist_add(&inv->errors, msg);
		} else {
			inv->rows++;
		}
	}
	csv_in_free(&c);
	*out = inv;
	if (inv->errors.n == 0)
		return 0;
	snprintf(err, errsize, "%s%s", inv->errors.v[0], inv->errors.n > 1 ? " (and more bad rows)" : "");
	return -1;
}

/* inventory_csv_load - read and parse a file */
int inventory_csv_load(const char *path, struct inventory_csv **out, char *err, size_t errsize)
{
	FILE *fp = fopen(path, "r");
	struct buf b;
	char chunk[8192];
	size_t n;
	int rc;

	*out = NULL;
	if (fp == NULL) {
		snprintf(err, errsize, "%s: %s", path, strerror(errno));
		return -1;
	}
	buf_init(&b, (size_t)INVCSV_MAX_ROWS * 200);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			break;
	if (ferror(fp) || b.toobig) {
		snprintf(err, errsize, "%s: %s", path, b.toobig ? "file too large" : strerror(errno));
		fclose(fp);
		buf_free(&b);
		return -1;
	}
	fclose(fp);
	rc = inventory_csv_parse(b.data, b.len, path, out, err, errsize);
	buf_free(&b);
	return rc;
}

/* inventory_csv_free - everything */
void inventory_csv_free(struct inventory_csv *inv)
{
	if (inv == NULL)
		return;
	for (size_t i = 0; i < inv->nhosts; i++) {
		free(inv->hosts[i].name);
		free(inv->hosts[i].owner);
	}
	for (size_t i = 0; i < inv->nnets; i++)
		free(inv->nets[i].owner);
	for (size_t i = 0; i < inv->nlogs; i++) {
		struct inv_log *l = &inv->logs[i];

		free(l->qid), free(l->client), free(l->user), free(l->host), free(l->mid);
	}
	free(inv->hosts);
	free(inv->nets);
	free(inv->nats);
	free(inv->logs);
	strlist_free(&inv->errors);
	free(inv);
}

const struct strlist *inventory_csv_errors(const struct inventory_csv *inv)
{
	return &inv->errors;
}

size_t inventory_csv_rows(const struct inventory_csv *inv)
{
	return inv->rows;
}

/* csv_lookup - host row for ip merged with the most specific network */
static void csv_lookup(void *ctx, const struct ipaddr *ip, struct inv_entry *e)
{
	struct inventory_csv *inv = ctx;
	const struct inv_host *h = NULL;
	const struct inv_net *best = NULL;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; i < inv->nhosts && !h; i++)
		if (ip_cmp(&inv->hosts[i].ip, ip) == 0)
			h = &inv->hosts[i];
	for (size_t i = 0; i < inv->nnets; i++)
		if (cidr_contains(&inv->nets[i].net, ip) &&
		    (best == NULL || inv->nets[i].net.prefix > best->net.prefix))
			best = &inv->nets[i];
	if (h == NULL && best == NULL)
		return;
	e->found = 1;
	if (best) {
		cidr_format(&best->net, e->network);
		e->role = best->role;
		str_copy(e->owner, sizeof(e->owner), best->owner);
	}
	if (h) {
		str_copy(e->host, sizeof(e->host), h->name);
		if (h->role != ROLE_NONE)
			e->role = h->role;
		if (h->owner[0])
			str_copy(e->owner, sizeof(e->owner), h->owner);
	}
}

/* csv_maillog - by queue id first, then by Message-ID */
static void csv_maillog(void *ctx, const char *qid, const char *mid, struct maillog_entry *e)
{
	struct inventory_csv *inv = ctx;
	const struct inv_log *l = NULL;

	memset(e, 0, sizeof(*e));
	for (size_t i = 0; qid && *qid && i < inv->nlogs && !l; i++)
		if (strcmp(inv->logs[i].qid, qid) == 0)
			l = &inv->logs[i];
	for (size_t i = 0; mid && *mid && i < inv->nlogs && !l; i++)
		if (inv->logs[i].mid[0] && strcmp(inv->logs[i].mid, mid) == 0)
			l = &inv->logs[i];
	if (l == NULL)
		return;
	e->found = 1;
	str_copy(e->queue_id, sizeof(e->queue_id), l->qid);
	str_copy(e->client_ip, sizeof(e->client_ip), l->client);
	e->client_port = l->port;
	str_copy(e->sasl_user, sizeof(e->sasl_user), l->user);
	str_copy(e->host, sizeof(e->host), l->host);
}

/* csv_nat - the mapping of outside:port live at t */
static int csv_nat(void *ctx, const struct ipaddr *outside, int port, time_t t,
		   char inside_ip[46], int *inside_port)
{
	struct inventory_csv *inv = ctx;

	for (size_t i = 0; i < inv->nnats; i++) {
		const struct inv_nat *x = &inv->nats[i];

		if (ip_cmp(&x->out, outside) != 0 || port < x->plo || port > x->phi)
			continue;
		if ((x->from && t < x->from) || (x->to && t > x->to))
			continue;
		str_copy(inside_ip, 46, x->in);
		*inside_port = x->inport ? x->inport : 0;
		return 0;
	}
	return -1;
}

/* inventory_csv_env - a trace_env over inv */
/* csv_lookup_name - the first address of the host with that name */
static int csv_lookup_name(void *ctx, const char *name, char ip[46])
{
	struct inventory_csv *inv = ctx;

	for (size_t i = 0; name && i < inv->nhosts; i++)
		if (strcasecmp(inv->hosts[i].name, name) == 0) {
			ip_format(&inv->hosts[i].ip, ip);
			return 0;
		}
	return -1;
}

void inventory_csv_env(struct inventory_csv *inv, struct trace_env *env)
{
	memset(env, 0, sizeof(*env));
	env->ctx = inv;
	env->lookup = csv_lookup;
	env->maillog = csv_maillog;
	env->nat = csv_nat;
	env->lookup_name = csv_lookup_name;
}
