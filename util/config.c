/*
 * config - the one configuration reader.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "mem.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef DATADIR
#define DATADIR "/usr/local/share"
#endif

enum ktype { K_STR, K_INT, K_SIZE, K_SPAN, K_BOOL, K_NETS, K_LIST };

struct key {
	const char *name;
	enum ktype type;
	size_t off;
	const char *def;
};

#define O(f) offsetof(struct config, f)
static const struct key keys[] = {
	{ "database", K_STR, O(database), "/var/lib/abusedesk/abusedesk.db" },
	{ "spool_dir", K_STR, O(spool_dir), "/var/spool/abusedesk" },
	{ "max_message_size", K_SIZE, O(max_message_size), "100M" },
	{ "db_busy_timeout", K_SPAN, O(db_busy_timeout), "20s" },
	{ "run_user", K_STR, O(run_user), "" },
	{ "syslog", K_BOOL, O(syslog), "yes" },
	{ "our_networks", K_NETS, O(our_networks), "" },
	{ "our_domains", K_LIST, O(our_domains), "" },
	{ "inventory_csv", K_STR, O(inventory_csv), "" },
	{ "reopen_quiet_period", K_SPAN, O(reopen_quiet_period), "30d" },
	{ "incident_not_ours", K_BOOL, O(incident_not_ours), "no" },
	{ "team_address", K_STR, O(team_address), "abuse-team@localhost" },
	{ "from_address", K_STR, O(from_address), "abusedesk@localhost" },
	{ "smtp_url", K_STR, O(smtp_url), "smtp://127.0.0.1:25" },
	{ "smtp_user", K_STR, O(smtp_user), "" },
	{ "smtp_password", K_STR, O(smtp_password), "" },
	{ "smtp_tls", K_STR, O(smtp_tls), "try" },
	{ "smtp_ca_file", K_STR, O(smtp_ca_file), "" },
	{ "smtp_timeout", K_SPAN, O(smtp_timeout), "30s" },
	{ "webhook_timeout", K_SPAN, O(webhook_timeout), "15s" },
	{ "webhook_secret", K_STR, O(webhook_secret), "" },
	{ "notify_interval", K_SPAN, O(notify_interval), "1h" },
	{ "notify_thresholds", K_LIST, O(notify_thresholds), "10, 100, 1000" },
	{ "notify_max_attempts", K_INT, O(notify_max_attempts), "10" },
	{ "notify_backoff", K_SPAN, O(notify_backoff), "60s" },
	{ "notify_lease", K_SPAN, O(notify_lease), "5m" },
	{ "notify_attach_report", K_BOOL, O(notify_attach_report), "yes" },
	{ "ack_reporters", K_BOOL, O(ack_reporters), "no" },
	{ "ack_interval", K_SPAN, O(ack_interval), "1d" },
	{ "organization", K_STR, O(organization), "Example Network" },
	{ "digest_address", K_STR, O(digest_address), "" },
	{ "probe_on_open", K_BOOL, O(probe_on_open), "no" },
	{ "probe_on_resolve", K_BOOL, O(probe_on_resolve), "no" },
	{ "probe_outside_domain", K_STR, O(probe_outside_domain), "example.org" },
	{ "probe_outside_host", K_STR, O(probe_outside_host), "mx.example.org:25" },
	{ "probe_proxy_ports", K_STR, O(probe_proxy_ports), "3128, 8080, 8000, 1080" },
	{ "probe_timeout", K_SPAN, O(probe_timeout), "10s" },
	{ "probe_interval", K_SPAN, O(probe_interval), "60s" },
	{ "probe_helo", K_STR, O(probe_helo), "probe.abusedesk.invalid" },
	{ "lookup_not_ours", K_BOOL, O(lookup_not_ours), "no" },
	{ "rdap_url", K_STR, O(rdap_url), "" },
	{ "rdap_bootstrap_file", K_STR, O(rdap_bootstrap_file), DATADIR "/abusedesk/rdap-bootstrap.json" },
	{ "rdap_timeout", K_SPAN, O(rdap_timeout), "10s" },
	{ "rdap_cache_ttl", K_SPAN, O(rdap_cache_ttl), "7d" },
	{ "rdap_error_ttl", K_SPAN, O(rdap_error_ttl), "1h" },
	{ "rdap_max_lookups", K_INT, O(rdap_max_lookups), "20" },
	{ "forward_not_ours", K_STR, O(forward_not_ours), "never" },
	{ "forward_interval", K_SPAN, O(forward_interval), "1h" },
	{ "fetch_url", K_LIST, O(fetch_url), "" },
	{ "fetch_password_file", K_STR, O(fetch_password_file), "" },
	{ "fetch_after", K_STR, O(fetch_after), "move:Processed" },
	{ "fetch_ca_file", K_STR, O(fetch_ca_file), "" },
	{ "fetch_max_messages", K_INT, O(fetch_max_messages), "1000" },
	{ "fetch_connect_timeout", K_SPAN, O(fetch_connect_timeout), "30s" },
	{ "fetch_timeout", K_SPAN, O(fetch_timeout), "60s" },
	{ "web_auth_header", K_STR, O(web_auth_header), "" },
	{ "web_auth_proxies", K_NETS, O(web_auth_proxies), "" },
};
#undef O
#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int parse_size(const char *s, long *out)
{
	char *end;
	long v, mul = 1;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || v < 0)
		return -1;
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': mul = 1024; break;
	case 'm': case 'M': mul = 1024L * 1024; break;
	case 'g': case 'G': mul = 1024L * 1024 * 1024; break;
	default: return -1;
	}
	if (*end && end[1] != '\0')
		return -1;
	if (v > (long)(0x7fffffffffffL / mul))
		return -1;
	*out = v * mul;
	return 0;
}

static int parse_bool(const char *s, int *out)
{
	if (!strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "on"))
		*out = 1;
	else if (!strcasecmp(s, "no") || !strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* set_key - store one value; returns NULL or a static reason */
static const char *set_key(struct config *c, const struct key *k, const char *val)
{
	void *p = (char *)c + k->off;
	long l;
	int b;

	if (strcmp(k->name, "forward_not_ours") == 0 && strcmp(val, "never") != 0 && strcmp(val, "ask") != 0 &&
	    strcmp(val, "auto") != 0)
		return "expected never, ask or auto";
	switch (k->type) {
	case K_STR:
		free(*(char **)p);
		*(char **)p = xstrdup(val);
		return NULL;
	case K_INT:
		if (str_to_long(val, 0, 1000000000L, &l) < 0)
			return "expected a whole number";
		*(long *)p = l;
		return NULL;
	case K_SIZE:
		if (parse_size(val, &l) < 0)
			return "expected a size like 100M, 512K or 1048576";
		*(long *)p = l;
		return NULL;
	case K_SPAN:
		if (time_parse_span(val, &l) < 0)
			return "expected a duration like 30s, 10m, 24h, 7d";
		*(long *)p = l;
		return NULL;
	case K_BOOL:
		if (parse_bool(val, &b) < 0)
			return "expected yes or no";
		*(int *)p = b;
		return NULL;
	case K_NETS: {
		struct netlist *nl = p;
		char *bad = NULL;

		netlist_free(nl);
		if (netlist_parse(nl, val, &bad) < 0) {
			free(bad);
			return "expected networks in CIDR notation, like 192.0.2.0/24, 2001:db8::/32";
		}
		return NULL;
	}
	case K_LIST: {
		struct strlist *sl = p;
		char *copy = xstrdup(val), *save = NULL, *tok;

		strlist_free(sl);
		for (tok = strtok_r(copy, ", \t", &save); tok; tok = strtok_r(NULL, ", \t", &save))
			strlist_add(sl, tok);
		free(copy);
		return NULL;
	}
	}
	return "internal: bad key type";
}

static const struct key *find_key(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

/* apply_line - one logical line "key = value" */
static int apply_line(struct config *c, char *line, const char *file, int lineno, struct buf *err)
{
	char *eq = strchr(line, '=');
	const struct key *k;
	const char *why;

	if (eq == NULL) {
		buf_printf(err, "%s:%d: expected 'key = value'", file, lineno);
		return -1;
	}
	*eq = '\0';
	str_trim(line);
	str_trim(eq + 1);
	if ((k = find_key(line)) == NULL) {
		buf_printf(err, "%s:%d: unknown key '%.64s' (see abusedesk.conf(5))", file, lineno, line);
		return -1;
	}
	if ((why = set_key(c, k, eq + 1)) != NULL) {
		buf_printf(err, "%s:%d: bad value for %s: %s", file, lineno, k->name, why);
		return -1;
	}
	return 0;
}

static int read_file(struct config *c, FILE *fp, const char *file, struct buf *err)
{
	char raw[8192];
	struct buf logical;
	int lineno = 0, start = 0, rc = 0;

	buf_init(&logical, 65536);
	while (fgets(raw, sizeof(raw), fp)) {
		size_t n = strlen(raw);

		lineno++;
		if (n == sizeof(raw) - 1 && raw[n - 1] != '\n') {
			buf_printf(err, "%s:%d: line too long", file, lineno);
			rc = -1;
			break;
		}
		if (raw[0] == '#')
			continue;
		if ((raw[0] == ' ' || raw[0] == '\t') && logical.len) {
			buf_puts(&logical, " ");
			buf_puts(&logical, str_trim(raw));
			continue;
		}
		if (logical.len && (rc = apply_line(c, logical.data, file, start, err)) < 0)
			break;
		buf_reset(&logical);
		str_trim(raw);
		if (raw[0] == '\0' || raw[0] == '#')
			continue;
		buf_puts(&logical, raw);
		start = lineno;
	}
	if (rc == 0 && logical.len)
		rc = apply_line(c, logical.data, file, start, err);
	buf_free(&logical);
	return rc;
}

/* config_load - defaults, then the file */
int config_load(struct config *c, const char *path, struct buf *err)
{
	const char *env = getenv("ABUSEDESK_CONFIG");
	int named = path != NULL || (env && *env);
	FILE *fp;
	int rc;

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < NKEYS; i++)
		if (set_key(c, &keys[i], keys[i].def) != NULL)
			msg_fatal(70, "internal: bad default for %s", keys[i].name);
	if (path == NULL)
		path = (env && *env) ? env : SYSCONFDIR "/abusedesk/abusedesk.conf";
	if ((fp = fopen(path, "r")) == NULL) {
		if (!named && errno == ENOENT)
			return 0;
		buf_printf(err, "%s: cannot open: %s (use -c FILE or set ABUSEDESK_CONFIG)", path,
			   strerror(errno));
		return -1;
	}
	c->path = xstrdup(path);
	rc = read_file(c, fp, path, err);
	fclose(fp);
	return rc;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++) {
		void *p = (char *)c + keys[i].off;

		if (keys[i].type == K_STR)
			free(*(char **)p);
		else if (keys[i].type == K_NETS)
			netlist_free(p);
		else if (keys[i].type == K_LIST)
			strlist_free(p);
	}
	free(c->path);
	memset(c, 0, sizeof(*c));
}

/* config_dump - the effective configuration */
void config_dump(const struct config *c, struct buf *out)
{
	for (size_t i = 0; i < NKEYS; i++) {
		const void *p = (const char *)c + keys[i].off;

		buf_printf(out, "%s = ", keys[i].name);
		switch (keys[i].type) {
		case K_STR:
			buf_puts(out, strcmp(keys[i].name, "smtp_password") == 0 &&
				 **(char *const *)p ? "(set)" : *(char *const *)p);
			break;
		case K_INT: case K_SIZE: case K_SPAN:
			buf_printf(out, "%ld", *(const long *)p);
			break;
		case K_BOOL:
			buf_puts(out, *(const int *)p ? "yes" : "no");
			break;
		case K_NETS: {
			const struct netlist *nl = p;
			char s[64];

			for (size_t j = 0; j < nl->n; j++) {
				cidr_format(&nl->v[j], s);
				buf_printf(out, "%s%s", j ? ", " : "", s);
			}
			break;
		}
		case K_LIST: {
			const struct strlist *sl = p;

			for (size_t j = 0; j < sl->n; j++)
				buf_printf(out, "%s%s", j ? ", " : "", sl->v[j]);
			break;
		}
		}
		buf_putc(out, '\n');
	}
}
