/*
 * inventory_import - validate CSV rows and upsert them in one transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "../correlate/trace/trace.h"
#include "../db/inventory.h"
#include "../util/str.h"
#include "../util/csv.h"
#include "inventory_import.h"

#define NCOLS 6

struct kind {
	const char *name;
	const char *cols[NCOLS];   /* NULL-terminated */
	int (*row)(struct db *d, char **v, char *err, size_t elen);
};

/* bad - format a reason; returns 1 (a bad row) */
static int bad(char *err, size_t elen, const char *what, const char *val)
{
	snprintf(err, elen, "%s '%.80s'", what, val);
	return 1;
}

/* check_owner - empty, or an owner already in the database */
static int check_owner(struct db *d, const char *o, char *err, size_t elen)
{
	int rc;

	if (*o == '\0')
		return 0;
	rc = inventory_owner_exists(d, o);
	if (rc < 0)
		return -1;
	return rc ? 0 : bad(err, elen, "unknown owner (import owners first)", o);
}

/* check_role - empty or a known role */
static int check_role(const char *r, char *err, size_t elen)
{
	return *r == '\0' || role_from_name(r) >= 0 ? 0 : bad(err, elen, "unknown role", r);
}

/* word_ok - non-empty, no white space or control characters, at most max bytes */
static int word_ok(const char *s, size_t max)
{
	if (*s == '\0' || strlen(s) > max)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return 0;
	return 1;
}

static int owner_row(struct db *d, char **v, char *err, size_t elen)
{
	struct inv_owner o = { v[0], v[1], v[2], v[3], v[4], 0 };
	const char *dg = v[5];

	if (!word_ok(o.key, 127))
		return bad(err, elen, "bad owner key", o.key);
	if (*o.email && (!word_ok(o.email, 254) || strchr(o.email, '@') == NULL))
		return bad(err, elen, "bad email address", o.email);
	if (*o.webhook_url && (!word_ok(o.webhook_url, 2000) ||
			       (strncmp(o.webhook_url, "https://", 8) && strncmp(o.webhook_url, "http://", 7))))
		return bad(err, elen, "bad webhook URL (http:// or https://)", o.webhook_url);
	if (*o.policy && strcmp(o.policy, "immediate") && strcmp(o.policy, "digest") && strcmp(o.policy, "none"))
		return bad(err, elen, "bad policy (immediate, digest or none)", o.policy);
	if (!strcasecmp(dg, "yes") || !strcasecmp(dg, "true") || !strcmp(dg, "1"))
		o.digest = 1;
	else if (*dg && strcasecmp(dg, "no") && strcasecmp(dg, "false") && strcmp(dg, "0"))
		return bad(err, elen, "bad digest flag (yes or no)", dg);
	return inventory_put_owner(d, &o) == DB_OK ? 0 : -1;
}

static int network_row(struct db *d, char **v, char *err, size_t elen)
{
	struct cidr c;
	struct ipaddr a;
	char addr[80];
	int rc;

	if (cidr_parse(v[0], &c) < 0)
		return bad(err, elen, "bad network", v[0]);
	str_copy(addr, sizeof(addr), v[0]);
	addr[strcspn(addr, "/")] = '\0';
	if (ip_parse(addr, &a) == 0 && ip_cmp(&a, &c.addr) != 0)
		return bad(err, elen, "host bits set in network", v[0]);
	if ((rc = check_owner(d, v[1], err, elen)) != 0 || (rc = check_role(v[2], err, elen)) != 0)
		return rc;
	return inventory_put_network(d, &c, v[1], v[2], v[3]) == DB_OK ? 0 : -1;
}

static int host_row(struct db *d, char **v, char *err, size_t elen)
{
	struct ipaddr ips[INV_MAX_HOST_IPS];
	char list[CSV_MAX_FIELD + 1], *save = NULL, *tok;
	size_t n = 0;
	int rc;

	if (!word_ok(v[0], 253))
		return bad(err, elen, "bad host name", v[0]);
	str_lower(v[0]);
	str_copy(list, sizeof(list), v[1]);
	for (tok = strtok_r(list, " ;|\t", &save); tok; tok = strtok_r(NULL, " ;|\t", &save)) {
		if (n == INV_MAX_HOST_IPS)
			return bad(err, elen, "too many addresses for host", v[0]);
		if (ip_parse(tok, &ips[n++]) < 0)
			return bad(err, elen, "bad address", tok);
	}
	if (n == 0)
		return bad(err, elen, "no address for host", v[0]);
	if ((rc = check_role(v[2], err, elen)) != 0 || (rc = check_owner(d, v[3], err, elen)) != 0)
		return rc;
	return inventory_put_host(d, v[0], ips, n, v[2], v[3], v[4]) == DB_OK ? 0 : -1;
}

static const struct kind kinds[] = {
	{ "owners", { "key", "name", "email", "webhook_url", "policy", "digest" }, owner_row },
	{ "networks", { "cidr", "owner", "role", "note" }, network_row },
	{ "hosts", { "name", "ips", "role", "owner", "note" }, host_row },
};

/* col_list - "a, b, c": the columns of k */
static void col_list(const struct kind *k, char *out, size_t len)
{
	size_t at = 0;

	out[0] = '\0';
	for (int i = 0; i < NCOLS && k->cols[i] && at < len; i++) {
		int w = snprintf(out + at, len - at, "%s%s", i ? ", " : "", k->cols[i]);

		if (w < 0)
			break;
		at += (size_t)w;
	}
}

/* is_col - s names a column of k */
static int is_col(const struct kind *k, const char *s)
{
	for (int i = 0; i < NCOLS && k->cols[i]; i++)
		if (strcasecmp(s, k->cols[i]) == 0)
			return 1;
	return 0;
}

/* is_header - the first record names columns: its first field is one, or
 * at least half of its fields are (a header with a misspelt column is still
 * read as a header, and refused with the valid names) */
static int is_header(const struct kind *k, const struct csv_in *in)
{
	size_t named = 0;

	if (in->n == 0)
		return 0;
	if (is_col(k, in->f[0]))
		return 1;
	for (size_t j = 0; j < in->n; j++)
		named += (size_t)is_col(k, in->f[j]);
	return named >= 1 && 2 * named >= in->n;
}

/* semicolons - the first record is one field holding ';' where this kind
 * has several columns: a file saved with ';' as the separator */
static int semicolons(const struct kind *k, const struct csv_in *in)
{
	return in->n == 1 && k->cols[1] && strchr(in->f[0], ';') != NULL;
}

/* header - map the header record to column positions; -1 on an unknown column */
static int header(const struct kind *k, struct csv_in *in, int map[NCOLS], char *err, size_t elen)
{
	char valid[128];

	for (int i = 0; i < NCOLS; i++)
		map[i] = -1;
	for (size_t j = 0; j < in->n; j++) {
		int found = 0;

		for (int i = 0; i < NCOLS && k->cols[i]; i++)
			if (strcasecmp(in->f[j], k->cols[i]) == 0) {
				if (map[i] >= 0) {
					snprintf(err, elen, "column '%s' named twice in header", k->cols[i]);
					return -1;
				}
				map[i] = (int)j;
				found = 1;
			}
		if (!found) {
			col_list(k, valid, sizeof(valid));
			snprintf(err, elen, "unknown column '%.60s' in header; the columns of %s are: %s",
				 in->f[j], k->name, valid);
			return -1;
		}
	}
	return 0;
}

/* one_row - pick the columns, check for control bytes, store */
static int one_row(struct db *d, const struct kind *k, struct csv_in *in, const int map[NCOLS], char *err,
		   size_t elen)
{
	char *v[NCOLS];
	static char empty[1];
	size_t ncols = 0;

	while (ncols < NCOLS && k->cols[ncols])
		ncols++;
	if (in->n > ncols) {
		snprintf(err, elen, "%zu fields, at most %zu expected", in->n, ncols);
		return 1;
	}
	for (size_t i = 0; i < NCOLS; i++) {
		v[i] = map[i] >= 0 && (size_t)map[i] < in->n ? in->f[map[i]] : empty;
		if (str_has_ctl(v[i], strlen(v[i]))) {
			snprintf(err, elen, "control character in field '%s'", k->cols[i]);
			return 1;
		}
	}
	return k->row(d, v, err, elen);
}

/* import_rows - every record; the count of bad rows, or -1 on a database error */
static int import_rows(struct db *d, const struct kind *k, FILE *fp, const char *fname, FILE *errfp, long *rows)
{
	struct csv_in in;
	int map[NCOLS], nbad = 0, rc, first = 1;
	char err[256];

	for (int i = 0; i < NCOLS; i++)
		map[i] = k->cols[i] ? i : -1;
	csv_in_init(&in, fp);
	while (nbad < INV_MAX_ERRORS && (rc = csv_in_next(&in, err, sizeof(err))) != 0) {
		if (rc > 0 && first && semicolons(k, &in)) {
			snprintf(err, sizeof(err), "fields separated by ';': abusedesk reads comma-separated"
				 " CSV (RFC 4180); save the file with ',' as the separator");
			fprintf(errfp, "%s:%ld: %s\n", fname, in.rec_line, err);
			nbad = 1;
			break;
		}
		if (rc > 0 && first && is_header(k, &in)) {
			first = 0;
			if (header(k, &in, map, err, sizeof(err)) == 0)
				continue;
			/* the rows cannot be read without their columns */
			fprintf(errfp, "%s:%ld: %s\n", fname, in.rec_line, err);
			nbad = 1;
			break;
		}
		first = 0;
		if (rc > 0 && (rc = one_row(d, k, &in, map, err, sizeof(err))) < 0) {
			nbad = -1;
			break;
		}
		if (rc != 0) {
			fprintf(errfp, "%s:%ld: %s\n", fname, in.rec_line, err);
			nbad++;
		} else {
			(*rows)++;
		}
	}
	csv_in_free(&in);
	return nbad;
}

int inventory_import(struct db *d, const char *kind, FILE *fp, const char *fname, FILE *errfp, long *rows)
{
	const struct kind *k = NULL;
	int nbad, rc;

	*rows = 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kind, kinds[i].name) == 0)
			k = &kinds[i];
	if (k == NULL)
		return 64;
	if ((rc = db_begin(d)) != DB_OK)
		return rc == DB_BUSY ? 75 : 70;
	nbad = import_rows(d, k, fp, fname, errfp, rows);
	if (nbad == 0 && ferror(fp)) {
		fprintf(errfp, "%s: read error\n", fname);
		nbad = 1;
	}
	if (nbad != 0) {
		db_rollback(d);
		*rows = 0;
		if (nbad > 0)
			fprintf(errfp, "%s: %d bad row%s%s: nothing imported\n", fname, nbad, nbad == 1 ? "" : "s",
				nbad >= INV_MAX_ERRORS ? " (stopped)" : "");
		return nbad < 0 ? 70 : 65;
	}
	rc = db_commit(d);
	return rc == DB_OK ? 0 : rc == DB_BUSY ? 75 : 70;
}
