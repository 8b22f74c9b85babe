/*
 * advice - what the owner of an abused host should do, per verdict.
 *
 * Plain text, lines under 72 columns, quoted into the notice under
 * "What to do". It follows the public "shut the door on spam" guidance:
 * an open relay or open proxy lets anyone send mail that looks as if it
 * came from us; close it, then watch the abuse@ mailbox. Reports that are
 * not about mail (login attacks, scans, DDoS, phishing and malware URLs,
 * copyright notices: advice_for_report) get advice written for their
 * category and the verdict the host's role gave.
 */
#include <string.h>

#include "internal.h"

static const char relay[] =
	"Your mail server accepted mail from an outside client without\n"
	"authentication and passed it on to outside recipients: it is an open\n"
	"relay. Relay only for our own networks and for authenticated users:\n"
	"\n"
	"  Postfix (main.cf):\n"
	"    mynetworks = 127.0.0.0/8 [::1]/128 <our networks only>\n"
	"    smtpd_relay_restrictions = permit_mynetworks,\n"
	"        permit_sasl_authenticated, reject_unauth_destination\n"
	"    then: postfix reload\n"
	"  Exim (acl_check_rcpt): keep 'accept hosts = +relay_from_hosts' and\n"
	"    'accept authenticated = *' before 'require verify = recipient'\n"
	"    and 'deny message = relay not permitted' for everything else;\n"
	"    set hostlist relay_from_hosts to our networks only.\n"
	"  Sendmail: remove 'FEATURE(`promiscuous_relay')' and\n"
	"    'FEATURE(`relay_entire_domain')' from the .mc file, list only our\n"
	"    networks in /etc/mail/access as RELAY, rebuild sendmail.cf, restart.\n"
	"\n"
	"Then test from outside: a message from and to outside addresses must\n"
	"be refused with 554 Relay access denied. Check the mail queue for\n"
	"spam still waiting (postqueue -p / exim -bp / mailq) and delete it.\n";

static const char proxy[] =
	"A proxy on this host forwarded connections for outside clients: it is\n"
	"an open proxy, and spammers use it to reach mail servers as if they\n"
	"were us. Allow only our own clients:\n"
	"\n"
	"  Squid: 'http_access allow localnet' followed by\n"
	"    'http_access deny all'; define acl localnet as our networks only,\n"
	"    and deny CONNECT to port 25 ('http_access deny CONNECT !SSL_ports').\n"
	"  SOCKS (Dante and others): client pass rules for our networks only.\n"
	"  Or bind the proxy to an inside address, or firewall its port from\n"
	"  the outside.\n"
	"\n"
	"Then test from outside that the proxy refuses to connect you anywhere.\n";

static const char account[] =
	"The mail was sent through our server by a user who logged in with a\n"
	"valid password: the account is most likely compromised (phished or\n"
	"guessed password, or malware on the user's computer).\n"
	"\n"
	"  1. Reset the account's password now and end its open sessions.\n"
	"  2. Check the account for forwarding rules and app passwords an\n"
	"     attacker may have added.\n"
	"  3. Remove the spam still queued for it (postqueue -p, then\n"
	"     postsuper -d QUEUEID; or exim -bp / exim -Mrm).\n"
	"  4. Tell the user to check their computer for malware and not to\n"
	"     reuse the password elsewhere.\n"
	"  5. Consider a per-user sending rate limit.\n";

static const char infected[] =
	"The mail came from a customer or client machine on our network that\n"
	"sends spam by itself: it is most likely infected with malware (a\n"
	"spam bot).\n"
	"\n"
	"  1. Contact the user; if unreachable, block outbound port 25 for\n"
	"     the address until the machine is clean.\n"
	"  2. Clean or reinstall the machine, update it, change its passwords.\n"
	"  3. Customers' machines should send through our mail server with\n"
	"     authentication (port 587), not directly to port 25.\n";

static const char web[] =
	"The mail was submitted locally on a web server: a web script (contact\n"
	"form, CMS plugin, uploaded shell) was abused to send it.\n"
	"\n"
	"  1. Find the script: the mail log's sender or X-PHP-Originating-Script\n"
	"     header, the web server's access log at the time of sending.\n"
	"  2. Fix or remove it; update the CMS and its plugins; look for files\n"
	"     an attacker uploaded; change the site's passwords.\n"
	"  3. Forms must not let visitors choose recipients or headers.\n";

static const char local[] =
	"The mail was injected locally on this server (the sendmail command or\n"
	"a local SMTP connection), not received from outside.\n"
	"\n"
	"  1. Find the local user or process that submitted it (mail log,\n"
	"     queue file, process list, cron jobs).\n"
	"  2. Lock the account or stop the process; look for a compromise.\n"
	"  3. Remove the spam still queued.\n";

static const char unknown[] =
	"The evidence shows the mail passed through our network but does not\n"
	"say how it was injected. Please check the host's mail and proxy\n"
	"configuration and its logs around the time given above; the attached\n"
	"complaint has the full headers.\n";

static const char not_ours[] =
	"Nothing in the complaint's headers that can be believed points into\n"
	"our network: the complaint is probably misdirected or the headers\n"
	"forged. No action is needed on our hosts.\n";

/* ---- reports that are not about mail ---- */

static const char proxy_attack[] =
	"A proxy on this host forwarded connections for outside clients, and\n"
	"they used it to attack other systems (login attempts, scans or\n"
	"floods) so that the attacks seem to come from us. Close the proxy to\n"
	"outside clients:\n"
	"\n"
	"  Squid: 'http_access allow localnet' followed by 'http_access deny\n"
	"    all'; define acl localnet as our networks only.\n"
	"  SOCKS (Dante and others): client pass rules for our networks only.\n"
	"  Or bind the proxy to an inside address, or firewall its port from\n"
	"  the outside.\n"
	"\n"
	"Then test from outside that the proxy refuses to connect you\n"
	"anywhere, and check its access log for who used it around the time\n"
	"above.\n";

static const char infected_attack[] =
	"The reported traffic came from a customer or client machine on our\n"
	"network. Machines do this by themselves when they are infected (a\n"
	"bot that guesses passwords, scans or floods for someone else).\n"
	"Clean the customer's machine:\n"
	"\n"
	"  1. Contact the customer; if unreachable, limit or block the\n"
	"     address until the machine is clean.\n"
	"  2. Have every device behind the address checked (computers,\n"
	"     routers, cameras and other devices with default passwords);\n"
	"     clean or reinstall the infected one, update it, change its\n"
	"     passwords.\n"
	"  3. Ask the customer to reply when it is done.\n";

static const char copyright[] =
	"This is a copyright notice: the rights holder's agent saw this\n"
	"address share the work it names. Follow our copyright policy:\n"
	"\n"
	"  1. Find the customer who had the address at the time given (for a\n"
	"     shared or NAT address, by the port and the NAT log).\n"
	"  2. Send the customer the copyright policy's notice with the work,\n"
	"     the time and the protocol; do not give the customer's name to\n"
	"     the sender of the notice.\n"
	"  3. Record the notice: repeated notices lead to the steps the\n"
	"     policy sets out.\n";

static const char server_attack[] =
	"The reported traffic (login attempts, scans, floods or fraud) came\n"
	"from this server itself: someone has most likely broken into it, or\n"
	"into a site or an account on it. Rotate credentials and look for a\n"
	"web shell:\n"
	"\n"
	"  1. Find the process that makes the connections (ss -tnp, ps, top)\n"
	"     and stop it; check crontabs, systemd units and\n"
	"     ~/.ssh/authorized_keys for what an intruder added.\n"
	"  2. Look for web shells and other uploaded files in the web roots\n"
	"     (files changed recently: find /var/www -newer <a known file>).\n"
	"  3. Rotate every credential on the host: login passwords, SSH keys,\n"
	"     database and API passwords, control panel accounts.\n"
	"  4. Update the system and the applications; if root was taken,\n"
	"     reinstall from a clean image.\n"
	"  5. A flood of answers (DNS, NTP, memcached, SSDP) means an open\n"
	"     service used for reflection: close it to the outside.\n";

static const char web_compromise[] =
	"A web site on this host serves the reported phishing page or\n"
	"malware. Take the content down and find the entry point:\n"
	"\n"
	"  1. Remove or disable the reported URL now (keep a copy of the\n"
	"     files for the analysis) and check that it no longer answers.\n"
	"  2. Find how the files got there: the web server's access log\n"
	"     around the files' times (uploads, POSTs to plugins), FTP and\n"
	"     SSH logins of the site's account.\n"
	"  3. Look for more files the intruder left (web shells, other pages)\n"
	"     and remove them; update the CMS, its plugins and themes.\n"
	"  4. Change the site's passwords (CMS admins, FTP/SSH, database).\n";

static const char unknown_attack[] =
	"The report names an address of ours, but what the host is and how it\n"
	"was used is not clear. Please check the host and its logs around the\n"
	"time given above for the reported activity; the attached report has\n"
	"the details.\n";

static const struct { const char *verdict, *text; } table[] = {
	{ "open_relay", relay }, { "open_proxy", proxy }, { "compromised_account", account },
	{ "infected_host", infected }, { "web_script", web }, { "local_injection", local },
	{ "not_ours", not_ours }, { "compromised_server", server_attack },
	{ "web_compromise", web_compromise },
};

/* what happened, per verdict, for the owner: no desk words, one paragraph */
static const struct { const char *verdict, *text; } happened[] = {
	{ "open_relay", "The mail server on this host passed on mail from a computer outside "
	  "our network, which had not logged in, to recipients outside our network. A server "
	  "that does this is called an \"open relay\": anyone can use it to send spam that "
	  "looks as if it came from us." },
	{ "open_proxy", "A proxy service on this host let a computer outside our network "
	  "connect through it, and the mail was sent that way. Such a service is called an "
	  "\"open proxy\": spammers use it to hide where they really are." },
	{ "compromised_account", "The mail was sent through our mail server by someone who "
	  "logged in with the mail account named above. The password of that account is "
	  "probably known to the sender of the spam." },
	{ "infected_host", "The mail came straight from the computer on this address, not "
	  "through a mail server. The computer is probably infected with a program that "
	  "sends spam." },
	{ "web_script", "The mail was sent by a program on this web server, most likely a "
	  "web form or a script that someone abused or uploaded." },
	{ "local_injection", "The mail was handed to the mail system by a user or a program "
	  "on this host itself, not by a computer outside it." },
	{ "not_ours", "We found nothing in the complaint showing that the mail came from "
	  "our network: it was probably sent to us by mistake, or its sender details were "
	  "forged." },
};

const char *advice_what_happened(const char *verdict)
{
	for (size_t i = 0; verdict && i < sizeof(happened) / sizeof(happened[0]); i++)
		if (strcmp(happened[i].verdict, verdict) == 0)
			return happened[i].text;
	return "The mail came from this host, but we could not tell how it was sent. "
	       "Please look on the host for anything that sends mail.";
}

const char *advice_for(const char *verdict)
{
	for (size_t i = 0; verdict && i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i].verdict, verdict) == 0)
			return table[i].text;
	return unknown;
}

/* nonmail - category is a report not about mail */
static int nonmail(const char *category)
{
	return category && *category && strcmp(category, "spam") != 0;
}

const char *advice_for_report(const char *verdict, const char *category)
{
	if (!nonmail(category))
		return advice_for(verdict);
	if (verdict && strcmp(verdict, "not_ours") == 0)
		return not_ours;
	if (strcmp(category, "copyright") == 0 && verdict && strcmp(verdict, "infected_host") == 0)
		return copyright;
	if (verdict && strcmp(verdict, "open_proxy") == 0)
		return proxy_attack;
	if (verdict && strcmp(verdict, "infected_host") == 0)
		return infected_attack;
	if (verdict && strcmp(verdict, "compromised_server") == 0)
		return server_attack;
	if (verdict && strcmp(verdict, "web_compromise") == 0)
		return web_compromise;
	return unknown_attack;
}

const char *advice_happened_report(const char *verdict, const char *category)
{
	static const struct { const char *verdict, *text; } nm[] = {
		{ "open_proxy", "A proxy service on this host let a computer outside our network "
		  "connect through it, and the reported activity came through it. Such a service is "
		  "called an \"open proxy\": attackers use it to hide where they really are." },
		{ "infected_host", "The reported activity came from the computer on this address. "
		  "It is probably infected with a program that does this by itself." },
		{ "compromised_server", "The reported activity came from this server itself. A "
		  "server does not do this unless someone has broken into it or abused a program "
		  "or an account on it." },
		{ "web_compromise", "The reported content is served by a web site on this host. "
		  "Most often someone broke into the site (an old CMS or plugin, a stolen password) "
		  "and uploaded it." },
		{ "not_ours", "We found nothing in the report showing that the activity came from "
		  "our network: it was probably sent to us by mistake." },
	};

	if (!nonmail(category))
		return advice_what_happened(verdict);
	if (strcmp(category, "copyright") == 0 && verdict && strcmp(verdict, "infected_host") == 0)
		return "The rights holder's agent saw this address share the copyrighted work "
		       "named in the notice.";
	for (size_t i = 0; verdict && i < sizeof(nm) / sizeof(nm[0]); i++)
		if (strcmp(nm[i].verdict, verdict) == 0)
			return nm[i].text;
	return "The report names this host, but we could not tell how it was used. "
	       "Please look on the host for the reported activity.";
}

const char *advice_category_words(const char *category)
{
	static const struct { const char *c, *w; } words[] = {
		{ "spam", "spam" }, { "login-attack", "login attacks" }, { "scan", "scans" },
		{ "ddos", "denial-of-service attacks" }, { "phishing", "phishing" },
		{ "malware", "malware" }, { "copyright", "copyright infringement" },
		{ "fraud", "fraud" }, { "other", "other abuse" },
	};

	for (size_t i = 0; category && i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(words[i].c, category) == 0)
			return words[i].w;
	return NULL;
}
