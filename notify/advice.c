/*
 * advice - what the owner of an abused host should do, per verdict.
 *
 * Plain text, lines under 72 columns, quoted into the notice under
 * "What to do". It follows the public "shut the door on spam" guidance:
 * an open relay or open proxy lets anyone send mail that looks as if it
 * came from us; close it, then watch the abuse@ mailbox.
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

static const struct { const char *verdict, *text; } table[] = {
	{ "open_relay", relay }, { "open_proxy", proxy }, { "compromised_account", account },
	{ "infected_host", infected }, { "web_script", web }, { "local_injection", local },
	{ "not_ours", not_ours },
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
