/*
 * rdap - read RDAP answers (RFC 9083) and the IANA bootstrap file (RFC 9224).
 *
 * Pure reading, no I/O: the fetch is notify/rdap_fetch.c. json-glib is
 * reached through parse/xarf_dl.h (loaded on first use). Every answer is
 * hostile: depth, entity and array sizes are capped, and the email taken is
 * checked to be a plain address (no spaces, controls, quotes or brackets).
 */
#ifndef AD_RDAP_H
#define AD_RDAP_H

#include <stddef.h>

#define RDAP_MAX_BODY     (1024 * 1024)   /* larger answers are refused */
#define RDAP_MAX_DEPTH    4               /* nested entities looked into */
#define RDAP_MAX_ENTITIES 64              /* entities looked at in one answer */
#define RDAP_MAX_ITEMS    512             /* elements of one array looked at */
#define RDAP_MAX_NESTING  64              /* JSON nested deeper is not read */

struct rdap_info {
	char email[256];        /* the email of the entity with the "abuse" role, "" none */
	char entity[128];       /* that entity's handle, "" none */
	char network[200];      /* "HANDLE (NAME) START - END", what is known of it */
};

/*
 * rdap_read - the abuse contact of an RDAP ip network answer. The shallowest
 * entity whose roles include "abuse" and whose vCard (jCard array) has an
 * email wins. 0 read (email may be ""), -1 not a JSON object (reason in err).
 */
int rdap_read(const char *body, size_t len, struct rdap_info *out, char *err, size_t errlen);

/*
 * rdap_bootstrap - the base URL (ending in '/') of the registry for ip in an
 * IANA bootstrap file ({"services":[[[prefixes],[urls]],...]}): the most
 * specific prefix holding ip, its https URL if it has one. 0 found, 1 not
 * covered, -1 not a bootstrap file (reason in err).
 */
int rdap_bootstrap(const char *body, size_t len, const char *ip, char *url, size_t size, char *err,
		   size_t errlen);

/* rdap_email_ok - a plain address: local@domain of safe characters, < 254 bytes */
int rdap_email_ok(const char *s);

#endif
