/*
 * rdap_fetch - one RDAP lookup over libcurl (see rdap_fetch.h).
 */
#include "curl_dl.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/ipaddr.h"
#include "../util/str.h"
#include "rdap_fetch.h"

#ifndef ABUSEDESK_VERSION
#define ABUSEDESK_VERSION "0"
#endif

#define RDAP_MAX_BOOTSTRAP (4 * 1024 * 1024)

const char *rdap_status_name(enum rdap_status s)
{
	return s == RDAP_FOUND ? "found" : s == RDAP_NONE ? "none" : "error";
}

/* collect - the answer's body, refused past RDAP_MAX_BODY */
static size_t collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb;

	return buf_append(b, ptr, n) < 0 ? 0 : n;
}

/* base_url - where to ask about ip; 0, or -1 with the reason */
static int base_url(const struct config *cfg, const char *ip, char *url, size_t size, char *err, size_t errlen)
{
	FILE *fp;
	struct buf b;
	char chunk[8192];
	size_t n;
	int rc;

	if (cfg->rdap_url && *cfg->rdap_url) {
		snprintf(url, size, "%s%s", cfg->rdap_url, cfg->rdap_url[strlen(cfg->rdap_url) - 1] == '/' ? "" : "/");
		return 0;
	}
	if ((fp = fopen(cfg->rdap_bootstrap_file, "r")) == NULL) {
		snprintf(err, errlen, "cannot read the bootstrap file %.150s: %s", cfg->rdap_bootstrap_file,
			 strerror(errno));
		return -1;
	}
	buf_init(&b, RDAP_MAX_BOOTSTRAP);
	rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		rc = buf_append(&b, chunk, n);
	fclose(fp);
	if (rc < 0) {
		snprintf(err, errlen, "the bootstrap file %.150s is larger than %d bytes", cfg->rdap_bootstrap_file,
			 RDAP_MAX_BOOTSTRAP);
		buf_free(&b);
		return -1;
	}
	rc = rdap_bootstrap(b.data ? b.data : "", b.len, ip, url, size, err, errlen);
	buf_free(&b);
	if (rc == 1)
		snprintf(err, errlen, "the bootstrap file names no registry for %s", ip);
	return rc == 0 ? 0 : -1;
}

void rdap_fetch(const struct config *cfg, const char *ip, struct rdap_result *res)
{
	char base[300], url[400], ebuf[CURL_ERROR_SIZE] = "", err[200] = "", canon[46];
	char *eff = NULL;
	curl_off_t ra = -1;
	struct buf body;
	CURLcode cc;
	CURL *h;

	memset(res, 0, sizeof(*res));
	res->status = RDAP_ERROR;
	if (ip_normalize(ip, canon) < 0) {
		snprintf(res->detail, sizeof(res->detail), "not an IP address");
		return;
	}
	if (base_url(cfg, canon, base, sizeof(base), err, sizeof(err)) < 0) {
		str_copy(res->detail, sizeof(res->detail), err);
		return;
	}
	snprintf(url, sizeof(url), "%sip/%s", base, canon);
	str_copy(res->registry, sizeof(res->registry), url);
	if (curl_dl_load(err, sizeof(err)) < 0 || (h = curl_easy_init()) == NULL) {
		snprintf(res->detail, sizeof(res->detail), "%s", err[0] ? err : "cannot initialise libcurl");
		return;
	}
	buf_init(&body, RDAP_MAX_BODY);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)RDAP_MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "abusedesk/" ABUSEDESK_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, cfg->rdap_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->rdap_timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	{
		struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/rdap+json, application/json");

		curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
		cc = curl_easy_perform(h);
		curl_slist_free_all(hdrs);
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->http_code);
	if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff &&
	    !str_has_ctl(eff, strlen(eff)))
		str_copy(res->registry, sizeof(res->registry), eff);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		res->retry_after = ra > 86400 ? 86400 : (long)ra;
	curl_easy_cleanup(h);
	if (cc != CURLE_OK) {
		snprintf(res->detail, sizeof(res->detail), "%s", *ebuf ? ebuf : curl_easy_strerror(cc));
	} else if (res->http_code == 404) {
		res->status = RDAP_NONE;
		snprintf(res->detail, sizeof(res->detail), "the registry has no record of %s (404)", canon);
	} else if (res->http_code != 200) {
		snprintf(res->detail, sizeof(res->detail), "the registry answered HTTP %ld%s", res->http_code,
			 res->http_code == 429 ? " (too many requests)" : "");
	} else if (rdap_read(body.data ? body.data : "", body.len, &res->info, err, sizeof(err)) < 0) {
		snprintf(res->detail, sizeof(res->detail), "unreadable answer: %s", err);
	} else if (res->info.email[0]) {
		res->status = RDAP_FOUND;
	} else {
		res->status = RDAP_NONE;
		snprintf(res->detail, sizeof(res->detail), "the answer names no abuse contact");
	}
	buf_free(&body);
}
