/*
 * probe - check whether one of our hosts is an open relay or an open proxy.
 *
 * The probe connects to the target only (never to the "outside" host, which
 * it merely names to the target), over plain POSIX sockets with a timeout on
 * every step:
 *  - relay: EHLO, MAIL FROM an outside address, then RCPT TO in the variants
 *    open relays fall for (plain, percent hack, source route, quoted local
 *    part, user@outside@ourhost, bang path); a 2xx to any RCPT means open.
 *    DATA is never sent: RSET and QUIT.
 *  - proxy: on each port, HTTP CONNECT to the outside host's SMTP port, an
 *    HTTP GET of an absolute URI on the outside host, SOCKS4 and SOCKS5
 *    CONNECT requests; a 2xx / SOCKS grant means open, 403/407 closed.
 *
 * Safety: an address is probed only when it is inside our_networks AND the
 * inventory knows it (probe_check_target). The engine takes only a struct
 * probe_target that probe_check_target approved, and refuses anything else
 * before any socket is made. Server text is hostile: transcripts keep
 * printable ASCII, escape every other byte, and are capped.
 */
#ifndef AD_PROBE_H
#define AD_PROBE_H

#include <stddef.h>

#include "../../util/buf.h"
#include "../../util/config.h"
#include "../../util/ipaddr.h"
#include "../trace/trace.h"

enum probe_kind { PROBE_RELAY, PROBE_PROXY };
enum probe_result { PROBE_CLOSED = 0, PROBE_OPEN, PROBE_ERROR };

#define PROBE_MAX_PORTS 16
#define PROBE_MAX_ADDRS 16
#define PROBE_TRANSCRIPT_MAX (64 * 1024)

/* An address that passed the policy; only probe_check_target sets 'approved'. */
struct probe_target {
	struct ipaddr ip;
	char text[46];          /* canonical address text */
	char name[256];         /* inventory host name, "" if only a network matched */
	enum host_role role;
	unsigned approved;      /* PROBE_APPROVED when the policy allowed it */
};
#define PROBE_APPROVED 0x70726f62u

struct probe_opts {
	const char *helo;             /* EHLO name */
	const char *outside_domain;   /* domain of the outside addresses (relay test) */
	const char *outside_host;     /* host[:port] the proxy is asked to reach (default port 25) */
	int smtp_port;                /* relay test port, normally 25 */
	int ports[PROBE_MAX_PORTS];   /* proxy test ports */
	size_t nports;
	long timeout;                 /* seconds for each network step */
};

struct probe_res {
	enum probe_kind kind;
	enum probe_result result;
	char detail[512];             /* one line for people, sanitised */
	struct buf transcript;        /* the whole dialogue, sanitised, capped */
};

const char *probe_kind_name(enum probe_kind k);     /* relay | proxy */
const char *probe_result_name(enum probe_result r); /* open | closed | error */

/* probe_opts_init - defaults: port 25, proxy ports 3128 8080 8000 1080, 10 s */
void probe_opts_init(struct probe_opts *o);
/* probe_parse_ports - "3128, 8080 1080" into o->ports; 0, or -1 with the bad token in bad */
int probe_parse_ports(struct probe_opts *o, const char *s, char *bad, size_t badlen);
/* probe_opts_from_config - the probe_* keys; 0, or -1 with a message in err.
 * o keeps pointers into cfg. */
int probe_opts_from_config(struct probe_opts *o, const struct config *cfg, char *err, size_t errlen);

/*
 * probe_resolve - the addresses of an IP literal or a host name (getaddrinfo,
 * every address it returns, at most max). 0, or -1 with a message in why.
 */
int probe_resolve(const char *name, struct ipaddr *out, size_t max, size_t *n, char *why, size_t whylen);

/*
 * probe_check_target - the policy: ip must be inside ours AND known to the
 * inventory through env->lookup. Fills t (approved) and returns 0; otherwise
 * returns -1 with the reason in why. Makes no connection.
 */
int probe_check_target(const struct netlist *ours, const struct trace_env *env, const struct ipaddr *ip,
		       struct probe_target *t, char *why, size_t whylen);

void probe_res_init(struct probe_res *r, enum probe_kind k);
void probe_res_free(struct probe_res *r);

/* probe_relay / probe_proxy - run one test against an approved target; never fail (result error).
 * r must have been set up with probe_res_init (any kind); it is reset first. */
void probe_relay(const struct probe_target *t, const struct probe_opts *o, struct probe_res *r);
void probe_proxy(const struct probe_target *t, const struct probe_opts *o, struct probe_res *r);

/* probe_res_json - {"target","kind","result","detail","transcript"} into out */
void probe_res_json(const struct probe_target *t, const struct probe_res *r, struct buf *out);

#endif
