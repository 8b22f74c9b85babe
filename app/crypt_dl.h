/*
 * crypt_dl - libxcrypt, loaded when a password is hashed or checked.
 *
 * Only `abusedesk user add` and a web login hash passwords; every other
 * command (ingest above all, once per message) starts without mapping
 * libcrypt. The password code reaches crypt_r and crypt_gensalt_rn through
 * this table, filled by dlopen("libcrypt.so.1") on first use. Include this
 * instead of <crypt.h>.
 */
#ifndef AD_CRYPT_DL_H
#define AD_CRYPT_DL_H

#include <stddef.h>
#include <crypt.h>

struct crypt_dl {
	char *(*r)(const char *phrase, const char *setting, struct crypt_data *data);
	char *(*gensalt_rn)(const char *prefix, unsigned long count, const char *rbytes, int nrbytes,
			    char *output, int output_size);
};

extern struct crypt_dl crypt_dl;

/* crypt_dl_load - load libcrypt once; 0, or -1 with the reason in err */
int crypt_dl_load(char *err, size_t errlen);

#define crypt_r(p, s, d)                  crypt_dl.r(p, s, d)
#define crypt_gensalt_rn(p, c, r, n, o, s) crypt_dl.gensalt_rn(p, c, r, n, o, s)

#endif
