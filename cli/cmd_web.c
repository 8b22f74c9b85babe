/*
 * cmd_web - `abusedesk web [--listen ADDR:PORT] [--secure-cookie]
 * [--tls-cert FILE --tls-key FILE]`: the web
 * helpdesk and the JSON API (web/), on loopback unless told otherwise.
 * Started as root it becomes run_user first, as ingest does.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "../ingest/privs.h"
#include "../ingest/spool.h"
#include "../util/msg.h"
#include "../web/web.h"
#include "cli.h"

#define PEM_MAX (256 * 1024)    /* bytes of a certificate chain or key file */

/* read_pem - the text of a PEM file (caller frees), NULL with a message */
static char *read_pem(const char *path, const char *what)
{
	struct stat st;
	size_t len;
	char *s;

	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PEM_MAX) {
		msg_error("--%s %s: not a readable file of at most %d bytes", what, path, PEM_MAX);
		return NULL;
	}
	if ((s = spool_read(path, &len)) == NULL || strstr(s, "-----BEGIN ") == NULL) {
		msg_error("--%s %s: cannot read a PEM file there", what, path);
		free(s);
		return NULL;
	}
	return s;
}

int cmd_web(struct cli *c, int argc, char **argv)
{
	const char *cert = NULL, *key = NULL;
	char err[256], *cert_pem = NULL, *key_pem = NULL;
	struct web_opts o;
	struct db d;
	int rc;

	memset(&o, 0, sizeof(o));
	o.session_ttl = 12 * 3600;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			o.listen = argv[++i];
		else if (strcmp(argv[i], "--secure-cookie") == 0)
			o.secure_cookie = 1;
		else if (strcmp(argv[i], "--tls-cert") == 0 && i + 1 < argc && cert == NULL)
			cert = argv[++i];
		else if (strcmp(argv[i], "--tls-key") == 0 && i + 1 < argc && key == NULL)
			key = argv[++i];
		else
			return cli_usage("web");
	}
	if ((cert == NULL) != (key == NULL)) {
		msg_error("--tls-cert and --tls-key go together");
		return cli_usage("web");
	}
	if (cli_config(c) < 0)
		return EX_CONFIG;
	/* read before dropping root: a key is often readable by root only */
	if (cert && ((cert_pem = read_pem(cert, "tls-cert")) == NULL || (key_pem = read_pem(key, "tls-key")) == NULL)) {
		free(cert_pem);
		return EX_NOINPUT;
	}
	o.tls_cert = cert_pem;
	o.tls_key = key_pem;
	if (cert_pem)
		o.secure_cookie = 1;
	/* report text is hostile: the server never runs as root (as ingest) */
	if (privs_drop(c->cfg.run_user, c->cfg.spool_dir, err, sizeof(err)) < 0) {
		msg_error("%s", err);
		rc = EX_NOPERM;
		goto out;
	}
	if (cli_db(c, &d) < 0) {
		rc = EX_UNAVAILABLE;
		goto out;
	}
	rc = web_run(&c->cfg, &d, &o) == 0 ? EX_OK : EX_UNAVAILABLE;
	db_close(&d);
out:
	if (key_pem)
		memset(key_pem, 0, strlen(key_pem));
	free(key_pem);
	free(cert_pem);
	return rc;
}
