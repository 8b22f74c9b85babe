/*
 * webhook - POST an incident as JSON to an owner's URL, signed.
 *
 * The raw body is signed with HMAC-SHA256 under cfg->webhook_secret and the
 * hex digest sent as "X-Abusedesk-Signature: sha256=<hex>"; the outbox
 * Message-ID goes along as X-Abusedesk-Delivery so that a receiver can drop
 * the duplicate a crash between send and mark may cause. Only http and https,
 * no redirects, timeouts of cfg->webhook_timeout. 2xx is delivered; 408, 429
 * and 5xx are retried; other answers fail for good.
 */
#include "curl_dl.h"
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#ifndef ABUSEDESK_VERSION
#define ABUSEDESK_VERSION "0"
#endif

void webhook_sign(const char *secret, const char *body, size_t len, char *out, size_t outlen)
{
	gchar *hex = g_compute_hmac_for_data(G_CHECKSUM_SHA256, (const guchar *)(secret ? secret : ""),
					     secret ? strlen(secret) : 0, (const guchar *)body, len);

	snprintf(out, outlen, "sha256=%s", hex ? hex : "");
	g_free(hex);
}

int webhook_url_ok(const char *url)
{
	size_t n;

	if (url == NULL || (n = strlen(url)) > 2048)
		return 0;
	if (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
			return 0;
	return 1;
}

/* discard - the answer's body is not needed */
static size_t discard(char *ptr, size_t size, size_t nmemb, void *ud)
{
	return size * nmemb;
}

/* classify - the outcome of one POST */
static enum send_result classify(CURLcode cc, long code, const char *ebuf, char *err, size_t errlen)
{
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "webhook: %s", *ebuf ? ebuf : curl_easy_strerror(cc));
		return SEND_TEMP;
	}
	if (code >= 200 && code < 300)
		return SEND_OK;
	snprintf(err, errlen, "webhook: HTTP status %ld", code);
	return code == 408 || code == 429 || code >= 500 ? SEND_TEMP : SEND_PERM;
}

enum send_result webhook_send(const struct config *cfg, const char *url, const char *body,
			      size_t len, const char *delivery_id, char *err, size_t errlen)
{
	char sig[128], hdr[200], ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs = NULL;
	long code = 0;
	CURLcode cc;
	CURL *h;

	if (!webhook_url_ok(url)) {
		snprintf(err, errlen, "refusing to post: the webhook URL is not a plain http(s) URL");
		return SEND_PERM;
	}
	if (curl_dl_load(err, errlen) < 0)
		return SEND_TEMP;
	if ((h = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "webhook: cannot initialise libcurl");
		return SEND_TEMP;
	}
	hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
	if (cfg->webhook_secret && *cfg->webhook_secret) {
		webhook_sign(cfg->webhook_secret, body, len, sig, sizeof(sig));
		snprintf(hdr, sizeof(hdr), "X-Abusedesk-Signature: %s", sig);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	if (delivery_id && *delivery_id && !str_has_ctl(delivery_id, strlen(delivery_id))) {
		snprintf(hdr, sizeof(hdr), "X-Abusedesk-Delivery: %.150s", delivery_id);
		hdrs = curl_slist_append(hdrs, hdr);
	}
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_POST, 1L);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "abusedesk/" ABUSEDESK_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, cfg->webhook_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, cfg->webhook_timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, ebuf);
	cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return classify(cc, code, ebuf, err, errlen);
}
