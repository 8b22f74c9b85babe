/*
 * cmd_web - `abusedesk web [--listen ADDR:PORT] [--secure-cookie]`: the web
 * helpdesk and the JSON API (web/), on loopback unless told otherwise.
 * Started as root it becomes run_user first, as ingest does.
 */
#include <string.h>
#include <sysexits.h>

#include "../ingest/privs.h"
#include "../util/msg.h"
#include "../web/web.h"
#include "cli.h"

int cmd_web(struct cli *c, int argc, char **argv)
{
	struct web_opts o;
	char err[256];
	struct db d;
	int rc;

	memset(&o, 0, sizeof(o));
	o.session_ttl = 12 * 3600;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			o.listen = argv[++i];
		else if (strcmp(argv[i], "--secure-cookie") == 0)
			o.secure_cookie = 1;
		else
			return cli_usage("web");
	}
	if (cli_config(c) < 0)
		return EX_CONFIG;
	/* report text is hostile: the server never runs as root (as ingest) */
	if (privs_drop(c->cfg.run_user, c->cfg.spool_dir, err, sizeof(err)) < 0) {
		msg_error("%s", err);
		return EX_NOPERM;
	}
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	rc = web_run(&c->cfg, &d, &o);
	db_close(&d);
	return rc == 0 ? EX_OK : EX_UNAVAILABLE;
}
