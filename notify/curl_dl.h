/*
 * curl_dl - libcurl, loaded when a notification is sent.
 *
 * libcurl and the thirty libraries it pulls in cost about 10 ms at every
 * process start, and `abusedesk ingest` starts once per message without ever
 * touching the network. So the notify code reaches libcurl through this
 * table, filled by dlopen("libcurl.so.4") on first use; every other command
 * starts without it. Include this instead of <curl/curl.h>.
 */
#ifndef AD_CURL_DL_H
#define AD_CURL_DL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct curl_dl {
	CURLcode (*global_init)(long flags);
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *h, CURLoption opt, ...);
	CURLcode (*easy_perform)(CURL *h);
	CURLcode (*easy_getinfo)(CURL *h, CURLINFO info, ...);
	void (*easy_cleanup)(CURL *h);
	const char *(*easy_strerror)(CURLcode c);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

extern struct curl_dl curl_dl;

/* curl_dl_load - load libcurl once and call curl_global_init; 0, or -1 with
 * the reason in err */
int curl_dl_load(char *err, size_t errlen);

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define curl_global_init(f)          curl_dl.global_init(f)
#define curl_easy_init()             curl_dl.easy_init()
#define curl_easy_setopt(h, o, ...)  curl_dl.easy_setopt(h, o, __VA_ARGS__)
#define curl_easy_perform(h)         curl_dl.easy_perform(h)
#define curl_easy_getinfo(h, i, ...) curl_dl.easy_getinfo(h, i, __VA_ARGS__)
#define curl_easy_cleanup(h)         curl_dl.easy_cleanup(h)
#define curl_easy_strerror(c)        curl_dl.easy_strerror(c)
#define curl_slist_append(l, s)      curl_dl.slist_append(l, s)
#define curl_slist_free_all(l)       curl_dl.slist_free_all(l)

#endif
