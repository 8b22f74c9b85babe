/*
 * cmd_web - `abusedesk web [--listen ADDR:PORT] [--secure-cookie]`: the web
 * helpdesk and the JSON API (web/), on loopback unless told otherwise.
 */
#include <string.h>
#include <sysexits.h>

#include "../util/msg.h"
#include "../web/web.h"
#include "cli.h"

int cmd_web(struct cli *c, int argc, char **argv)
{
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
		else
			return cli_usage("web");
	}
	if (cli_db(c, &d) < 0)
		return EX_UNAVAILABLE;
	rc = web_run(&c->cfg, &d, &o);
	db_close(&d);
	return rc == 0 ? EX_OK : EX_UNAVAILABLE;
}
