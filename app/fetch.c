/*
 * fetch - IMAP mailboxes through the ingest path (see fetch.h).
 *
 * libcurl speaks IMAP for us (notify/curl_dl: loaded on first use). The
 * commands a run sends, per mailbox:
 *   STATUS "MBOX" (UIDVALIDITY MESSAGES)     the UIDVALIDITY to store
 *   UID SEARCH ALL  (UNDELETED for delete)   what is there
 *   CREATE "FOLDER"                          move: the folder (an error if it exists is ignored)
 *   UID FETCH u BODY[]                       the message (URL .../MBOX;UIDVALIDITY=v/;UID=u)
 *   UID MOVE u "FOLDER"                      move (else UID COPY + UID STORE \Deleted)
 *   UID STORE u +FLAGS.SILENT (\Deleted), UID EXPUNGE u     delete (else EXPUNGE at the end)
 * IMAP hands a message over with CRLF line ends; they are turned back into
 * LF, the form an MTA pipes, so a message both piped and fetched has the
 * same bytes and is one report.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "../db/fetchstate.h"
#include "../ingest/spool.h"
#include "../notify/curl_dl.h"
#include "../util/buf.h"
#include "../util/mem.h"
#include "../util/msg.h"
#include "../util/sha256.h"
#include "../util/str.h"
#include "fetch.h"

#define MAX_UIDS 1000000               /* UIDs read from one SEARCH */
#define MAX_TEXT (16L * 1024 * 1024)   /* a STATUS or SEARCH answer */

/* one mailbox of fetch_url */
struct mbx {
	char base[320];    /* scheme://host[:port]/ */
	char path[512];    /* the mailbox as written in the URL (percent-encoded) */
	char name[512];    /* decoded */
	char user[256];    /* decoded */
	char host[300];
	char key[1400];    /* scheme://user@host[:port]/path: the fetch_state row */
	int starttls;      /* imap:// : STARTTLS required */
};

struct fctx {
	struct app_proc *p;
	const char *password;
	CURL *h;
	char cerr[CURL_ERROR_SIZE];
	int after;         /* AFTER_* */
	char folder[512];  /* move: decoded folder name */
	char *err;
	size_t errlen;
};

enum { AFTER_MOVE, AFTER_DELETE, AFTER_KEEP };

/* a message as it arrives: the first cap bytes kept, the whole stream hashed */
struct msgsink {
	struct buf keep;
	size_t cap;
	long long received, hardmax;
	struct sha256_ctx ck;
	int cr;            /* a CR ended the last chunk */
};

/* pct_decode - %XX decoding of n bytes of s into out; 0, or -1 on a bad or control byte */
static int pct_decode(const char *s, size_t n, char *out, size_t outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			if (i + 2 >= n || str_hexval(s[i + 1]) < 0 || str_hexval(s[i + 2]) < 0)
				return -1;
			c = str_hexval(s[i + 1]) * 16 + str_hexval(s[i + 2]);
			i += 2;
		}
		if (c < 0x20 || c == 0x7f || o + 1 >= outlen)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return 0;
}

/* parse_url - one fetch_url entry; 0, or -1 with the reason in err */
static int parse_url(const char *url, struct mbx *mb, char *err, size_t errlen)
{
	const char *rest, *slash, *at, *end;
	char hostport[300], path[512];
	size_t n;

	memset(mb, 0, sizeof(*mb));
	if (strncmp(url, "imaps://", 8) == 0)
		rest = url + 8;
	else if (strncmp(url, "imap://", 7) == 0) {
		rest = url + 7;
		mb->starttls = 1;
	} else {
		snprintf(err, errlen, "fetch_url '%.200s': expected imaps://USER@HOST/MAILBOX (or imap:// for STARTTLS)", url);
		return -1;
	}
	slash = strchr(rest, '/');
	end = slash ? slash : rest + strlen(rest);
	at = NULL;
	for (const char *q = rest; q < end; q++)
		if (*q == '@')
			at = q;
	if (at == NULL || at == rest) {
		snprintf(err, errlen, "fetch_url '%.200s': no user (imaps://USER@HOST/MAILBOX; %%40 for an @ in it)", url);
		return -1;
	}
	if (memchr(rest, ':', (size_t)(at - rest)) != NULL) {
		snprintf(err, errlen, "fetch_url '%.200s': a password in the URL is refused; put it in fetch_password_file", url);
		return -1;
	}
	if (pct_decode(rest, (size_t)(at - rest), mb->user, sizeof(mb->user)) < 0) {
		snprintf(err, errlen, "fetch_url '%.200s': bad user name", url);
		return -1;
	}
	n = (size_t)(end - at - 1);
	if (n == 0 || n >= sizeof(hostport) || strcspn(at + 1, "/?#;\" \t") < n) {
		snprintf(err, errlen, "fetch_url '%.200s': bad host", url);
		return -1;
	}
	memcpy(hostport, at + 1, n);
	hostport[n] = '\0';
	str_copy(mb->host, sizeof(mb->host), hostport);
	/* the mailbox: up to a ';' parameter or '?', trailing '/' dropped; INBOX when none */
	str_copy(path, sizeof(path), slash && slash[1] ? slash + 1 : "INBOX");
	path[strcspn(path, ";?#")] = '\0';
	while ((n = strlen(path)) > 0 && path[n - 1] == '/')
		path[n - 1] = '\0';
	if (path[0] == '\0')
		str_copy(path, sizeof(path), "INBOX");
	if (strcspn(path, " \t\"\\") != strlen(path) || pct_decode(path, strlen(path), mb->name, sizeof(mb->name)) < 0) {
		snprintf(err, errlen, "fetch_url '%.200s': bad mailbox name (spaces as %%20)", url);
		return -1;
	}
	str_copy(mb->path, sizeof(mb->path), path);
	snprintf(mb->base, sizeof(mb->base), "%s://%s/", mb->starttls ? "imap" : "imaps", hostport);
	snprintf(mb->key, sizeof(mb->key), "%s://%.*s@%s/%s", mb->starttls ? "imap" : "imaps",
		 (int)(at - rest), rest, hostport, path);
	return 0;
}

/* quote - an IMAP quoted string of s into out */
static void quote(const char *s, char *out, size_t outlen)
{
	struct buf b;

	buf_init(&b, outlen > 1 ? outlen - 1 : 1);
	buf_putc(&b, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(&b, '\\');
		buf_putc(&b, *s);
	}
	buf_putc(&b, '"');
	str_copy(out, outlen, b.data);
	buf_free(&b);
}

/* text_cb - a STATUS or SEARCH answer into a capped buf */
static size_t text_cb(char *data, size_t sz, size_t nm, void *ctx)
{
	struct buf *b = ctx;

	buf_append(b, data, sz * nm);
	return sz * nm;
}

/* keep_bytes - n bytes of the (LF-normalised) stream */
static void keep_bytes(struct msgsink *s, const char *d, size_t n)
{
	size_t room;

	if (n == 0)
		return;
	sha256_update(&s->ck, d, n);
	s->received += (long long)n;
	room = s->keep.len < s->cap ? s->cap - s->keep.len : 0;
	if (room)
		buf_append(&s->keep, d, n < room ? n : room);
}

/* msg_cb - a message chunk: CRLF -> LF, hashed whole, kept up to the cap */
static size_t msg_cb(char *data, size_t sz, size_t nm, void *ctx)
{
	struct msgsink *s = ctx;
	size_t n = sz * nm, from = 0;

	if (s->received > s->hardmax)
		return 0; /* a server that never stops sending: give up on this one */
	for (size_t i = 0; i < n; i++) {
		if (s->cr) {
			s->cr = 0;
			if (data[i] != '\n')
				keep_bytes(s, "\r", 1);
		}
		if (data[i] == '\r') {
			keep_bytes(s, data + from, i - from);
			from = i + 1;
			s->cr = 1;
		}
	}
	keep_bytes(s, data + from, n - from);
	return n;
}

/* perform - one request on the handle; custom NULL for a plain FETCH URL */
static CURLcode perform(struct fctx *f, const char *url, const char *custom,
			size_t (*cb)(char *, size_t, size_t, void *), void *ctx)
{
	f->cerr[0] = '\0';
	curl_easy_setopt(f->h, CURLOPT_URL, url);
	curl_easy_setopt(f->h, CURLOPT_CUSTOMREQUEST, custom);
	curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, cb);
	curl_easy_setopt(f->h, CURLOPT_WRITEDATA, ctx);
	return curl_easy_perform(f->h);
}

/* why - curl's own message for rc, sanitised */
static const char *why(struct fctx *f, CURLcode rc, char *out, size_t outlen)
{
	char *s = str_sanitize(f->cerr[0] ? f->cerr : curl_easy_strerror(rc), 300);

	str_copy(out, outlen, s);
	free(s);
	return out;
}

/* failed - the error for a failed request: what it means and what to do */
static enum fetch_status failed(struct fctx *f, const struct mbx *mb, const char *what, CURLcode rc)
{
	const struct config *cfg = f->p->cfg;
	char w[400];

	why(f, rc, w, sizeof(w));
	switch (rc) {
	case CURLE_LOGIN_DENIED:
		snprintf(f->err, f->errlen, "%s: login as %s refused by %s: check the password in %s (%s)",
			 mb->key, mb->user, mb->host, cfg->fetch_password_file, w);
		return FETCH_REFUSED;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_ISSUER_ERROR:
		snprintf(f->err, f->errlen, "%s: the TLS certificate of %s is not trusted (%s): set fetch_ca_file "
			 "to the CA that signed it", mb->key, mb->host, w);
		return FETCH_REFUSED;
	case CURLE_USE_SSL_FAILED:
		snprintf(f->err, f->errlen, "%s: %s offers no STARTTLS; use imaps:// (%s)", mb->key, mb->host, w);
		return FETCH_REFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(f->err, f->errlen, "%s: %s: %s did not answer in time (fetch_connect_timeout %lds, "
			 "fetch_timeout %lds): %s", mb->key, what, mb->host, cfg->fetch_connect_timeout,
			 cfg->fetch_timeout, w);
		return FETCH_TEMP;
	default:
		snprintf(f->err, f->errlen, "%s: %s: %s", mb->key, what, w);
		return FETCH_TEMP;
	}
}

/* num_after - the number after word in s (e.g. "UIDVALIDITY 42"); -1 if none */
static long long num_after(const char *s, const char *word)
{
	const char *p = strstr(s, word);
	long long v = 0;
	int digits = 0;

	if (p == NULL)
		return -1;
	for (p += strlen(word); *p == ' '; p++)
		;
	for (; *p >= '0' && *p <= '9' && v < 10000000000LL; p++, digits++)
		v = v * 10 + (*p - '0');
	return digits ? v : -1;
}

/* parse_search - the UIDs of "* SEARCH 1 2 3" lines, sorted; returns the count */
static size_t parse_search(const char *s, long long **out)
{
	long long *v = NULL;
	size_t n = 0, cap = 0;
	const char *p = s;

	while ((p = strstr(p, "* SEARCH")) != NULL) {
		p += 8;
		while (*p == ' ' || (*p >= '0' && *p <= '9')) {
			long long u = 0;

			while (*p == ' ')
				p++;
			if (*p < '0' || *p > '9')
				break;
			for (; *p >= '0' && *p <= '9'; p++)
				if (u < 10000000000LL)
					u = u * 10 + (*p - '0');
			if (u <= 0 || u > 4294967295LL || n >= MAX_UIDS)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 256;
				v = xrealloc(v, cap * sizeof(*v));
			}
			v[n++] = u;
		}
	}
	/* servers answer in ascending order; make sure */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			long long t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	*out = v;
	return n;
}

/* after_one - move, delete or (keep) nothing on the server; 0 or -1 (reason in f->err) */
static int after_one(struct fctx *f, const struct mbx *mb, const char *url, long long uid, int *need_expunge)
{
	char cmd[700], q[600];
	struct buf sink;
	CURLcode rc;
	int ret = 0;

	if (f->after == AFTER_KEEP)
		return 0;
	buf_init(&sink, 65536);
	if (f->after == AFTER_MOVE) {
		quote(f->folder, q, sizeof(q));
		snprintf(cmd, sizeof(cmd), "UID MOVE %lld %s", uid, q);
		if ((rc = perform(f, url, cmd, text_cb, &sink)) == CURLE_OK)
			goto out;
		if (rc != CURLE_QUOTE_ERROR)
			goto fail;
		/* no MOVE (RFC 6851): copy, then mark deleted */
		snprintf(cmd, sizeof(cmd), "UID COPY %lld %s", uid, q);
		if ((rc = perform(f, url, cmd, text_cb, &sink)) != CURLE_OK) {
			snprintf(f->err, f->errlen, "%s: cannot move UID %lld to %s: %s", mb->key, uid, f->folder,
				 why(f, rc, q, sizeof(q)));
			ret = -1;
			goto out;
		}
	}
	snprintf(cmd, sizeof(cmd), "UID STORE %lld +FLAGS.SILENT (\\Deleted)", uid);
	if ((rc = perform(f, url, cmd, text_cb, &sink)) != CURLE_OK)
		goto fail;
	snprintf(cmd, sizeof(cmd), "UID EXPUNGE %lld", uid);
	if (perform(f, url, cmd, text_cb, &sink) != CURLE_OK)
		*need_expunge = 1; /* no UIDPLUS: one EXPUNGE at the end */
	goto out;
fail:
	failed(f, mb, f->after == AFTER_MOVE ? "move" : "delete", rc);
	ret = -1;
out:
	buf_free(&sink);
	return ret;
}

/* fetch_one - fetch, spool, process one UID, then handle it on the server;
 * FETCH_OK or why the run stops */
static enum fetch_status fetch_one(struct fctx *f, const struct mbx *mb, const char *sel_url,
				   long long uidvalidity, long long uid, struct fetch_counts *n, int *need_expunge)
{
	const struct config *cfg = f->p->cfg;
	struct msgsink s;
	struct spool_msg m;
	struct proc_result res;
	char url[2048], sha[65];
	CURLcode rc;
	int r;

	memset(&s, 0, sizeof(s));
	s.cap = (size_t)cfg->max_message_size;
	s.hardmax = cfg->max_message_size * 16LL + 64 * 1024 * 1024;
	buf_init(&s.keep, s.cap ? s.cap : 1);
	sha256_init(&s.ck);
	snprintf(url, sizeof(url), "%s%s;UIDVALIDITY=%lld/;UID=%lld", mb->base, mb->path, uidvalidity, uid);
	rc = perform(f, url, NULL, msg_cb, &s);
	if (s.cr)
		keep_bytes(&s, "\r", 1);
	if (rc == CURLE_WRITE_ERROR) {
		msg_error("fetch: %s: UID %lld sends more than %lld bytes; left on the server", mb->key, uid,
			  s.hardmax);
		n->failed++;
		buf_free(&s.keep);
		return FETCH_OK;
	}
	if (rc == CURLE_REMOTE_FILE_NOT_FOUND && s.received == 0) {
		/* expunged by another client since the SEARCH, or UIDVALIDITY changed under us */
		buf_free(&s.keep);
		snprintf(f->err, f->errlen, "%s: UID %lld is gone or UIDVALIDITY changed during the run; "
			 "the next run reads the mailbox again", mb->key, uid);
		return FETCH_TEMP;
	}
	if (rc != CURLE_OK) {
		buf_free(&s.keep);
		return failed(f, mb, "fetch", rc);
	}
	if (s.received == 0) {
		msg_warn("fetch: %s: UID %lld came back empty; left on the server", mb->key, uid);
		n->failed++;
		buf_free(&s.keep);
		return FETCH_OK;
	}
	sha256_final_hex(&s.ck, sha);
	/* the same durable store as a piped message: tmp -> fsync -> new -> fsync */
	if (spool_store_part(cfg->spool_dir, s.keep.data, s.keep.len, s.received, sha, &m) < 0) {
		snprintf(f->err, f->errlen, "cannot store a message in %s: %s", cfg->spool_dir, strerror(errno));
		buf_free(&s.keep);
		return FETCH_TEMP;
	}
	proc_message(f->p, &m, s.keep.data, m.size, (long long)time(NULL), 0, &res);
	buf_free(&s.keep);
	if (msg_verbose)
		proc_log(&res);
	if (res.outcome == PROC_PENDING) {
		snprintf(f->err, f->errlen, "database unavailable: %s stays pending in the spool and UID %lld "
			 "on the server", m.name, uid);
		return FETCH_TEMP;
	}
	if (res.outcome == PROC_DUPLICATE)
		n->dup++;
	else
		n->stored++;
	if (m.truncated)
		n->truncated++;
	/* recorded durably: now the server may forget it */
	if (after_one(f, mb, sel_url, uid, need_expunge) < 0)
		return FETCH_TEMP;
	if ((r = fetchstate_done(&f->p->db, mb->key, uidvalidity, uid, f->after == AFTER_KEEP)) != DB_OK) {
		snprintf(f->err, f->errlen, "database: cannot record UID %lld of %s: %s", uid, mb->key,
			 db_errmsg(&f->p->db));
		return FETCH_TEMP;
	}
	n->handled++;
	return FETCH_OK;
}

/* one_mailbox - a whole pass over mb */
static enum fetch_status one_mailbox(struct fctx *f, const struct mbx *mb, struct fetch_counts *n)
{
	const struct config *cfg = f->p->cfg;
	struct fetch_state st;
	struct buf text;
	char cmd[700], q[600], sel[2048];
	long long uidvalidity, *uids = NULL;
	size_t nuids, i;
	long done_now = 0;
	int need_expunge = 0, r;
	enum fetch_status ret = FETCH_OK;
	CURLcode rc;

	memset(n, 0, sizeof(*n));
	curl_easy_setopt(f->h, CURLOPT_USERNAME, mb->user);
	curl_easy_setopt(f->h, CURLOPT_PASSWORD, f->password);
	curl_easy_setopt(f->h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	buf_init(&text, (size_t)MAX_TEXT);
	quote(mb->name, q, sizeof(q));
	snprintf(cmd, sizeof(cmd), "STATUS %s (UIDVALIDITY MESSAGES)", q);
	if ((rc = perform(f, mb->base, cmd, text_cb, &text)) != CURLE_OK) {
		if (rc == CURLE_QUOTE_ERROR) {
			snprintf(f->err, f->errlen, "%s: no mailbox %s on %s (%s)", mb->key, mb->name, mb->host,
				 why(f, rc, q, sizeof(q)));
			ret = FETCH_REFUSED;
		} else {
			ret = failed(f, mb, "connect", rc);
		}
		goto out;
	}
	if ((uidvalidity = num_after(text.data, "UIDVALIDITY")) <= 0) {
		snprintf(f->err, f->errlen, "%s: the server gave no UIDVALIDITY for %s", mb->key, mb->name);
		ret = FETCH_TEMP;
		goto out;
	}
	if ((r = fetchstate_get(&f->p->db, mb->key, &st)) < 0 ||
	    fetchstate_set_validity(&f->p->db, mb->key, uidvalidity) != DB_OK) {
		snprintf(f->err, f->errlen, "database: %s", db_errmsg(&f->p->db));
		ret = FETCH_TEMP;
		goto out;
	}
	if (r == 1 && st.uidvalidity != uidvalidity)
		msg_warn("fetch: %s: UIDVALIDITY changed (%lld -> %lld): reading the mailbox again; "
			 "messages already recorded are recognised by their content", mb->key, st.uidvalidity,
			 uidvalidity);
	if (f->after == AFTER_MOVE) {
		struct buf sink;

		buf_init(&sink, 65536);
		quote(f->folder, q, sizeof(q));
		snprintf(cmd, sizeof(cmd), "CREATE %s", q);
		(void)perform(f, mb->base, cmd, text_cb, &sink); /* "already exists" is fine */
		buf_free(&sink);
	}
	buf_reset(&text);
	snprintf(sel, sizeof(sel), "%s%s;UIDVALIDITY=%lld", mb->base, mb->path, uidvalidity);
	rc = perform(f, sel, f->after == AFTER_DELETE ? "UID SEARCH UNDELETED" : "UID SEARCH ALL", text_cb, &text);
	if (rc != CURLE_OK) {
		ret = failed(f, mb, "search", rc);
		goto out;
	}
	nuids = parse_search(text.data, &uids);
	for (i = 0; i < nuids; i++) {
		if (f->after == AFTER_KEEP) {
			if ((r = fetchstate_is_done(&f->p->db, mb->key, uidvalidity, uids[i])) < 0) {
				snprintf(f->err, f->errlen, "database: %s", db_errmsg(&f->p->db));
				ret = FETCH_TEMP;
				goto out;
			}
			if (r == 1)
				continue;
		}
		n->listed++;
		if (done_now >= cfg->fetch_max_messages) {
			n->left++;
			continue;
		}
		if (ret != FETCH_OK) {
			n->left++;
			continue;
		}
		done_now++;
		if ((ret = fetch_one(f, mb, sel, uidvalidity, uids[i], n, &need_expunge)) != FETCH_OK)
			n->left++;
	}
	if (need_expunge) {
		struct buf sink;

		buf_init(&sink, 65536);
		if ((rc = perform(f, sel, "EXPUNGE", text_cb, &sink)) != CURLE_OK)
			msg_warn("fetch: %s: EXPUNGE failed: %s", mb->key, why(f, rc, q, sizeof(q)));
		buf_free(&sink);
	}
out:
	free(uids);
	buf_free(&text);
	return ret;
}

/* app_fetch_password - the first line of fetch_password_file */
int app_fetch_password(const struct config *cfg, char *out, size_t outlen, char *err, size_t errlen)
{
	FILE *fp;
	size_t n;

	if (cfg->fetch_password_file == NULL || cfg->fetch_password_file[0] == '\0') {
		snprintf(err, errlen, "fetch_password_file is not set (the IMAP password goes in a file "
			 "only the abusedesk user can read)");
		return -1;
	}
	if ((fp = fopen(cfg->fetch_password_file, "r")) == NULL) {
		snprintf(err, errlen, "fetch_password_file %s: %s", cfg->fetch_password_file, strerror(errno));
		return -1;
	}
	if (fgets(out, (int)outlen, fp) == NULL)
		out[0] = '\0';
	fclose(fp);
	n = strcspn(out, "\r\n");
	out[n] = '\0';
	if (n == 0 || n >= outlen - 1) {
		snprintf(err, errlen, "fetch_password_file %s: %s", cfg->fetch_password_file,
			 n == 0 ? "empty first line" : "first line too long");
		return -1;
	}
	return 0;
}

/* worse - the status that asks more of the caller */
static enum fetch_status worse(enum fetch_status a, enum fetch_status b)
{
	return a > b ? a : b;
}

/* app_fetch - every mailbox of fetch_url, or the one named */
enum fetch_status app_fetch(struct app_proc *p, const char *password, const char *only,
			    fetch_report_fn report, void *ctx, char *err, size_t errlen)
{
	const struct config *cfg = p->cfg;
	struct fctx f;
	struct mbx mb;
	struct fetch_counts n;
	enum fetch_status ret = FETCH_OK, r;
	char lock[4096], cerr[512];
	int lfd, matched = 0;

	memset(&f, 0, sizeof(f));
	f.p = p;
	f.password = password;
	f.err = err;
	f.errlen = errlen;
	err[0] = '\0';
	if (cfg->fetch_url.n == 0) {
		snprintf(err, errlen, "fetch_url is not set (see abusedesk.conf(5))");
		return FETCH_CONFIG;
	}
	if (strcmp(cfg->fetch_after, "delete") == 0)
		f.after = AFTER_DELETE;
	else if (strcmp(cfg->fetch_after, "keep") == 0)
		f.after = AFTER_KEEP;
	else if (strncmp(cfg->fetch_after, "move:", 5) == 0 && cfg->fetch_after[5] &&
		 pct_decode(cfg->fetch_after + 5, strlen(cfg->fetch_after + 5), f.folder, sizeof(f.folder)) == 0)
		f.after = AFTER_MOVE;
	else {
		snprintf(err, errlen, "fetch_after '%.100s': expected move:FOLDER, delete or keep", cfg->fetch_after);
		return FETCH_CONFIG;
	}
	for (size_t i = 0; i < cfg->fetch_url.n; i++)
		if (parse_url(cfg->fetch_url.v[i], &mb, err, errlen) < 0)
			return FETCH_CONFIG;
	/* one run at a time: two would fetch the same messages (harmless, but twice the work) */
	if (spool_path(cfg->spool_dir, "tmp", ".fetch.lock", lock, sizeof(lock)) < 0 ||
	    (lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		snprintf(err, errlen, "cannot open %s/tmp/.fetch.lock: %s", cfg->spool_dir, strerror(errno));
		return FETCH_TEMP;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		close(lfd);
		snprintf(err, errlen, "another 'abusedesk fetch' is running");
		return FETCH_TEMP;
	}
	if (curl_dl_load(cerr, sizeof(cerr)) < 0 || (f.h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "%s", cerr[0] ? cerr : "curl_easy_init failed");
		close(lfd);
		return FETCH_TEMP;
	}
	curl_easy_setopt(f.h, CURLOPT_ERRORBUFFER, f.cerr);
	curl_easy_setopt(f.h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(f.h, CURLOPT_CONNECTTIMEOUT, cfg->fetch_connect_timeout);
	curl_easy_setopt(f.h, CURLOPT_SERVER_RESPONSE_TIMEOUT, cfg->fetch_timeout);
	curl_easy_setopt(f.h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(f.h, CURLOPT_LOW_SPEED_TIME, cfg->fetch_timeout);
	curl_easy_setopt(f.h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(f.h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (cfg->fetch_ca_file && *cfg->fetch_ca_file)
		curl_easy_setopt(f.h, CURLOPT_CAINFO, cfg->fetch_ca_file);
	if (p->have_db && db_set_durable(&p->db) != DB_OK)
		msg_debug("database: cannot set synchronous=FULL");
	for (size_t i = 0; i < cfg->fetch_url.n; i++) {
		char one[512];

		parse_url(cfg->fetch_url.v[i], &mb, one, sizeof(one));
		if (only && strcmp(only, mb.name) != 0 && strcmp(only, mb.key) != 0 &&
		    strcmp(only, cfg->fetch_url.v[i]) != 0)
			continue;
		matched = 1;
		r = one_mailbox(&f, &mb, &n);
		if (report)
			report(ctx, mb.key, &n);
		if (r != FETCH_OK) {
			/* said here, so that each mailbox's reason is seen */
			msg_error("fetch: %s", err);
			err[0] = '\0';
			ret = worse(ret, r);
		}
	}
	curl_easy_cleanup(f.h);
	close(lfd);
	if (!matched) {
		snprintf(err, errlen, "no mailbox '%.200s' in fetch_url", only ? only : "");
		return FETCH_CONFIG;
	}
	return ret;
}
