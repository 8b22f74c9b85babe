/*
 * cmd_config - print the effective configuration.
 */
#include <stdio.h>
#include <sysexits.h>

#include "cli.h"

int cmd_config(struct cli *c, int argc, char **argv)
{
	struct buf b;

	if (argc > 1)
		return cli_usage("config");
	if (cli_config(c) < 0)
		return EX_CONFIG;
	buf_init(&b, 0);
	buf_printf(&b, "# %s\n", c->cfg.path ? c->cfg.path : "(no file: defaults)");
	config_dump(&c->cfg, &b);
	fwrite(b.data, 1, b.len, stdout);
	buf_free(&b);
	return EX_OK;
}
