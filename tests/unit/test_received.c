/*
 * test_received - unit tests for parse/received.c.
 *
 * A table of real-world header shapes with the fields each must yield
 * (NULL: absent; "*" for auth: present, any value), the headers that carry
 * no relay, address forms, hostile input (size, backtracking bait, NULs)
 * and the JSON shape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../parse/received.h"
#include "slowdown.h"
#include "../../util/buf.h"
#include "../../util/mem.h"

struct want {
	const char *hdr;
	const char *ip, *rdns, *helo, *ident, *by, *with, *id, *for_addr, *envfrom,
		   *auth, *date;
};

static const struct want cases[] = {
	{ "from asterix.laurier.org (lns-p19-8-82-65-66-244.adsl.proxad.net [82.65.66.244]) by postfix3-2.free.fr (Postfix) with ESMTP id 7BACDC372 for <somelist@example.net>; Fri, 14 Nov 2003 09:05:49 +0100 (CET)",
	  "82.65.66.244", "lns-p19-8-82-65-66-244.adsl.proxad.net", "asterix.laurier.org", NULL, "postfix3-2.free.fr", "ESMTP", "7BACDC372", "somelist@example.net", NULL, NULL, "2003-11-14T08:05:49Z" },
	{ "from kluge.net (unknown [222.156.78.32]) by eclectic.kluge.net (Postfix) with SMTP id CE1BA416F20 for <unknown@kluge.net>; Mon,  1 Mar 2004 13:11:31 -0500 (EST)",
	  "222.156.78.32", NULL, "kluge.net", NULL, "eclectic.kluge.net", "SMTP", "CE1BA416F20", "unknown@kluge.net", NULL, NULL, "2004-03-01T18:11:31Z" },
	{ "from client.example (client.example [198.51.100.7]) (using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 server-signature RSA-PSS (2048 bits)) (Authenticated sender: alice@example.net) by mail.example.net (Postfix) with ESMTPSA id 4T3x; Tue,  2 Jan 2024 12:04:05 +0100 (CET)",
	  "198.51.100.7", "client.example", "client.example", NULL, "mail.example.net", "ESMTPSA", "4T3x", NULL, NULL, "ESMTPSA user=alice@example.net", "2024-01-02T11:04:05Z" },
	{ "from mail.example.org (mail.example.org [IPv6:2001:DB8:1:0::25]) by mx.example.net (Postfix) with ESMTPS id 4T3x1Z2abc for <x@example.net>; Tue,  2 Jan 2024 12:04:05 +0100 (CET)",
	  "2001:db8:1::25", "mail.example.org", "mail.example.org", NULL, "mx.example.net", "ESMTPS", "4T3x1Z2abc", "x@example.net", NULL, NULL, "2024-01-02T11:04:05Z" },
	{ "from bigass1.example.com (ns1.example.com [66.199.2.5]) by fiat.example.edu (8.12.10/8.12.10) with ESMTP id i06MBJ6U020255 for <broot@example.edu>; Tue, 6 Jan 2004 16:11:19 -0600",
	  "66.199.2.5", "ns1.example.com", "bigass1.example.com", NULL, "fiat.example.edu", "ESMTP", "i06MBJ6U020255", "broot@example.edu", NULL, NULL, "2004-01-06T22:11:19Z" },
	{ "from MARISELA (dsl-189-149-70-163.prod-infinitum.com.mx [189.149.70.163] (may be forged)) (authenticated bits=0) by mail.legosoft.com.mx (8.13.8/8.13.8) with ESMTP id kB3G26P6019032 for <rberber@cactus-soft.dyndns.org>; Sun, 3 Dec 2006 10:02:16 -0600 (CST)",
	  "189.149.70.163", "dsl-189-149-70-163.prod-infinitum.com.mx", "MARISELA", NULL, "mail.legosoft.com.mx", "ESMTP", "kB3G26P6019032", "rberber@cactus-soft.dyndns.org", NULL, "authenticated", "2006-12-03T16:02:16Z" },
	{ "from helo.example (ruser@rdns.example [192.0.2.8]) by mx.example (8.14.4/8.14.4) with ESMTP id p1; Tue, 2 Jan 2024 00:00:00 +0000",
	  "192.0.2.8", "rdns.example", "helo.example", "ruser", "mx.example", "ESMTP", "p1", NULL, NULL, NULL, "2024-01-02T00:00:00Z" },
	/* Sendmail's "(from $_)" with no HELO: $_ is ident@rdns [ip] (its lookup, not a HELO) */
	{ "(from u94@mail.example.org [192.0.2.61] (may be forged)) (authenticated bits=0) by mx.example.net (8.18.1/8.18.1) with ESMTPSA id 4O1abc; Tue, 2 Jan 2024 00:00:00 +0000",
	  "192.0.2.61", "mail.example.org", NULL, "u94", "mx.example.net", "ESMTPSA", "4O1abc", NULL, NULL, "ESMTPSA", "2024-01-02T00:00:00Z" },
	{ "(from nobody@[IPv6:2001:db8::7]) by mx.example.net (8.15.2/8.15.2) with SMTP id 4O1abd; Tue, 2 Jan 2024 00:00:00 +0000",
	  "2001:db8::7", NULL, NULL, "nobody", "mx.example.net", "SMTP", "4O1abd", NULL, NULL, NULL, "2024-01-02T00:00:00Z" },
	/* Sendmail "helo (ident@[ip])": no rDNS, and the word is the HELO (not qmail's rdns) */
	{ "from helo.example (root@[203.0.113.48]) by mx.example.net (8.15.2/8.15.2) with ESMTPS id 4O1abe; Tue, 2 Jan 2024 00:00:00 +0000",
	  "203.0.113.48", NULL, "helo.example", "root", "mx.example.net", "ESMTPS", "4O1abe", NULL, NULL, NULL, "2024-01-02T00:00:00Z" },
	/* Sendmail 8.17 built with IPV6_FULL writes the address out; ident, no rDNS
	 * (written by Debian's sendmail-bin in tests/e2e/test_trace_sendmail.sh) */
	{ "from WORKSTATION (u24@[IPv6:2001:db8:25:0:0:0:0:118]) by mx2.example.net (8.17.1.9/8.17.1.9) with ESMTP id 6B60CDCs004140 for <victim24@complainant.example>; Sun, 6 Dec 2026 00:12:13 GMT",
	  "2001:db8:25::118", NULL, "WORKSTATION", "u24", "mx2.example.net", "ESMTP", "6B60CDCs004140", "victim24@complainant.example", NULL, NULL, "2026-12-06T00:12:13Z" },
	/* ... and an IPv6 client whose name's forward lookup does not give it back */
	{ "from gw.example.org (gw.example.org [IPv6:2001:db8:25:0:0:0:0:110] (may be forged)) by mx2.example.net (8.17.1.9/8.17.1.9) with SMTP id 6B60CvRC010895 for <victim16@complainant.example>; Sun, 6 Dec 2026 00:12:57 GMT",
	  "2001:db8:25::110", "gw.example.org", "gw.example.org", NULL, "mx2.example.net", "SMTP", "6B60CvRC010895", "victim16@complainant.example", NULL, NULL, "2026-12-06T00:12:57Z" },
	/* a HELO argument with an address literal glued to a word, as Sendmail and
	 * Postfix write it: the client is the address in the comment, not the HELO's */
	{ "from x[203.0.113.9] (host-2.example.org [127.0.0.11]) by mx2.example.net (8.17.1.9/8.17.1.9) with ESMTP id 6B60OUWQ000048 for <victim2@complainant.example>; Sun, 6 Dec 2026 00:24:30 GMT",
	  "127.0.0.11", "host-2.example.org", "x[203.0.113.9]", NULL, "mx2.example.net", "ESMTP", "6B60OUWQ000048", "victim2@complainant.example", NULL, NULL, "2026-12-06T00:24:30Z" },
	{ "from [203.0.113.9]pc (u3@[127.0.0.12]) by mx2.example.net (8.17.1.9/8.17.1.9) with ESMTP id 6B60OUDZ000052; Sun, 6 Dec 2026 00:24:30 GMT",
	  "127.0.0.12", NULL, "[203.0.113.9]pc", "u3", "mx2.example.net", "ESMTP", "6B60OUDZ000052", NULL, NULL, NULL, "2026-12-06T00:24:30Z" },
	{ "from mail.example.org[198.51.100.9] (unknown [192.0.2.77]) by mx.example.net (Postfix) with ESMTP id 4T3x1Z2abf; Tue,  2 Jan 2024 12:04:05 +0100 (CET)",
	  "192.0.2.77", NULL, "mail.example.org[198.51.100.9]", NULL, "mx.example.net", "ESMTP", "4T3x1Z2abf", NULL, NULL, NULL, "2024-01-02T11:04:05Z" },
	/* InterMail: "(really [ip])" names the address a client whose HELO named another came from */
	{ "from [10.0.0.1] (really [124.183.219.10]) by mta05.mx.example.com with ESMTP id <20071118085627.TQWF6995.mta05.mx.example.com@[10.0.0.1]>; Sun, 18 Nov 2007 08:56:27 +0000",
	  "124.183.219.10", NULL, "[10.0.0.1]", NULL, "mta05.mx.example.com", "ESMTP", "20071118085627.TQWF6995.mta05.mx.example.com@[10.0.0.1]", NULL, NULL, NULL, "2007-11-18T08:56:27Z" },
	/* Exim "[ip] (port=N ident=i)": each part of the comment optional */
	{ "from [100.64.43.143] (port=54572 ident=root) by out.example.net with esmtp (Exim 4.98) id 1rKabe-000125-AD; Thu, 16 May 2024 20:39:02 -0000",
	  "100.64.43.143", NULL, NULL, "root", "out.example.net", "esmtp", "1rKabe-000125-AD", NULL, NULL, NULL, "2024-05-16T20:39:02Z" },
	/* Exim 1-3 $sender_fullhost "rdns (helo) [ip]" */
	{ "from gw.example.org (helo.example.com) [192.0.2.62] by mx4.example.org with esmtp (Exim 2.05 #1) id eeeeee-000000-00; Thu, 29 Apr 1999 23:34:45 +0900",
	  "192.0.2.62", "gw.example.org", "helo.example.com", NULL, "mx4.example.org", "esmtp", "eeeeee-000000-00", NULL, NULL, NULL, "1999-04-29T14:34:45Z" },
	/* Courier writes its id after the date */
	{ "from helo.example (rdns.example [::ffff:192.0.2.63]) by mx.example.net with ESMTP; Sat, 11 Dec 2010 12:19:17 +0900 id 0EFECD4E.4D02EDD9.0000C5BA",
	  "192.0.2.63", "rdns.example", "helo.example", NULL, "mx.example.net", "ESMTP", "0EFECD4E.4D02EDD9.0000C5BA", NULL, NULL, NULL, "2010-12-11T03:19:17Z" },
	/* a value cut by a quoted-printable soft break: "id =" is no id */
	{ "from helo.example (unknown [10.36.141.75]) by mx.example.net (Postfix) with SMTP id =",
	  "10.36.141.75", NULL, "helo.example", NULL, "mx.example.net", "SMTP", NULL, NULL, NULL, NULL, NULL },
	{ "(from KRYPTIK [70.20.57.51]) by host.name (NAVGW 2.5.2.12) with SMTP id M2006040415284308595 for <user@domain.co.uk>; Tue, 04 Apr 2006 15:28:45 +0100",
	  "70.20.57.51", NULL, "KRYPTIK", NULL, "host.name", "SMTP", "M2006040415284308595", "user@domain.co.uk", NULL, NULL, "2006-04-04T14:28:45Z" },
	{ "from dsl092-076-133.bos1.dsl.speakeasy.net ([66.92.76.133] helo=pendaran.arborius.net) by sc8-sf-mx1.sourceforge.net with esmtp (TLSv1:AES256-SHA:256) (Exim 4.41) id 1CIlfc-0003Pa-8W for xvoice-user@lists.sourceforge.net; Sat, 16 Oct 2004 03:20:18 -0700",
	  "66.92.76.133", "dsl092-076-133.bos1.dsl.speakeasy.net", "pendaran.arborius.net", NULL, "sc8-sf-mx1.sourceforge.net", "esmtp", "1CIlfc-0003Pa-8W", "xvoice-user@lists.sourceforge.net", NULL, NULL, "2004-10-16T10:20:18Z" },
	{ "from mail-wm1-f52.google.com ([209.85.128.52]:45678) by mx.example.net with esmtps (TLS1.3) tls TLS_AES_256_GCM_SHA384 (Exim 4.96) (envelope-from <bob@gmail.com>) id 1rKabc-000123-AB for abuse@example.net; Tue, 02 Jan 2024 11:04:05 +0000",
	  "209.85.128.52", "mail-wm1-f52.google.com", "mail-wm1-f52.google.com", NULL, "mx.example.net", "esmtps", "1rKabc-000123-AB", "abuse@example.net", "bob@gmail.com", NULL, "2024-01-02T11:04:05Z" },
	{ "from [203.0.113.9] (port=51234 helo=[192.168.0.2]) by mail.example.net with esmtpsa (TLS1.2) tls TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (Exim 4.95) (envelope-from <alice@example.net>) id 1rKabd-000124-AC; Tue, 02 Jan 2024 11:04:05 +0000",
	  "203.0.113.9", NULL, "[192.168.0.2]", NULL, "mail.example.net", "esmtpsa", "1rKabd-000124-AC", NULL, "alice@example.net", "esmtpsa", "2024-01-02T11:04:05Z" },
	{ "from ([192.168.1.205:50387] helo=i6.prod.democracyinaction.com) by m12.prod.democracyinaction.com (ecelerity 2.1.1.3 r(11743)) with ESMTP id 80/0A-02454-4DCB6054 for <example@vandinter.org>; Tue, 12 Sep 2006 09:57:40 -0400",
	  "192.168.1.205", NULL, "i6.prod.democracyinaction.com", NULL, "m12.prod.democracyinaction.com", "ESMTP", "80/0A-02454-4DCB6054", "example@vandinter.org", NULL, NULL, "2006-09-12T13:57:40Z" },
	{ "from adsl-207-213-27-129.dsl.lsan03.pacbell.net (HELO merlin.net.au) (Owner50@207.213.27.129) by totor.example.net with SMTP; 10 Nov 2003 06:30:34 -0000",
	  "207.213.27.129", "adsl-207-213-27-129.dsl.lsan03.pacbell.net", "merlin.net.au", "Owner50", "totor.example.net", "SMTP", NULL, NULL, NULL, NULL, "2003-11-10T06:30:34Z" },
	{ "from unknown (HELO mail.example.com) (alice@198.51.100.9) by mail.example.net with ESMTPA; 2 Jan 2024 11:04:05 -0000",
	  "198.51.100.9", NULL, "mail.example.com", "alice", "mail.example.net", "ESMTPA", NULL, NULL, NULL, "ESMTPA user=alice", "2024-01-02T11:04:05Z" },
	{ "from unknown (HELO [81.64.159.45]) ([81.64.159.45]) (envelope-sender <xyz@example.org>) by 212.198.2.120 (qmail-ldap-1.03) with SMTP for <zyx@somewhere.net>; 28 Nov 2003 20:44:45 -0000",
	  "81.64.159.45", NULL, "[81.64.159.45]", NULL, "212.198.2.120", "SMTP", NULL, "zyx@somewhere.net", "xyz@example.org", NULL, "2003-11-28T20:44:45Z" },
	{ "from mail-sor-f41.google.com (mail-sor-f41.google.com. [209.85.220.41]) by mx.google.com with SMTPS id a1sor123456qkb.10.2024.01.02.03.04.05 for <rcpt@example.com> (Google Transport Security); Tue, 02 Jan 2024 03:04:05 -0800 (PST)",
	  "209.85.220.41", "mail-sor-f41.google.com", "mail-sor-f41.google.com", NULL, "mx.google.com", "SMTPS", "a1sor123456qkb.10.2024.01.02.03.04.05", "rcpt@example.com", NULL, NULL, "2024-01-02T11:04:05Z" },
	{ "from [192.168.1.10] ([203.0.113.7]) by smtp.gmail.com with ESMTPSA id x5sm1234567wrt.12 for <rcpt@example.com> (version=TLS1_3 cipher=TLS_AES_256_GCM_SHA384 bits=256/256); Tue, 02 Jan 2024 03:04:05 -0800 (PST)",
	  "203.0.113.7", NULL, "[192.168.1.10]", NULL, "smtp.gmail.com", "ESMTPSA", "x5sm1234567wrt.12", "rcpt@example.com", NULL, "ESMTPSA", "2024-01-02T11:04:05Z" },
	{ "from AM0PR02MB1234.eurprd02.prod.outlook.com (2603:10a6:208:11::18) by AM0PR02MB5678.eurprd02.prod.outlook.com (2603:10a6:208:12::19) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384) id 15.20.7135.21 via Frontend Transport; Tue, 2 Jan 2024 11:04:05 +0000",
	  "2603:10a6:208:11::18", NULL, "AM0PR02MB1234.eurprd02.prod.outlook.com", NULL, "AM0PR02MB5678.eurprd02.prod.outlook.com", "Microsoft SMTP Server", "15.20.7135.21", NULL, NULL, NULL, "2024-01-02T11:04:05Z" },
	{ "from mail.example.com (192.0.2.1) by EXCH01.example.local (10.1.1.1) with Microsoft SMTP Server (TLS) id 14.3.498.0; Tue, 2 Jan 2024 12:00:00 +0100",
	  "192.0.2.1", NULL, "mail.example.com", NULL, "EXCH01.example.local", "Microsoft SMTP Server", "14.3.498.0", NULL, NULL, NULL, "2024-01-02T11:00:00Z" },
	{ "from AM6PR02MB1234.eurprd02.prod.outlook.com ([fe80::1c2d:3e4f:5a6b:7c8d%5]) by AM6PR02MB1234.eurprd02.prod.outlook.com ([fe80::1c2d:3e4f:5a6b:7c8d%5]) with mapi id 15.20.7135.023; Tue, 2 Jan 2024 11:04:04 +0000",
	  "fe80::1c2d:3e4f:5a6b:7c8d", NULL, "AM6PR02MB1234.eurprd02.prod.outlook.com", NULL, "AM6PR02MB1234.eurprd02.prod.outlook.com", "mapi", "15.20.7135.023", NULL, NULL, "mapi", "2024-01-02T11:04:04Z" },
	{ "from webmail.example.com ([198.51.100.23]) by exch.example.com with HTTP/MAPI; Tue, 2 Jan 2024 12:00:00 +0100",
	  "198.51.100.23", NULL, NULL, NULL, "exch.example.com", "HTTP/MAPI", NULL, NULL, NULL, "HTTP/MAPI", "2024-01-02T11:00:00Z" },
	{ "from inet-vrs-05.redmond.corp.microsoft.com ([157.54.6.157]) by INET-IMC-05.redmond.corp.microsoft.com with Microsoft SMTPSVC(5.0.2195.6624); Thu, 6 Mar 2003 12:02:35 -0800",
	  "157.54.6.157", NULL, "inet-vrs-05.redmond.corp.microsoft.com", NULL, "INET-IMC-05.redmond.corp.microsoft.com", "Microsoft SMTPSVC", NULL, NULL, NULL, NULL, "2003-03-06T20:02:35Z" },
	{ "from sonic315-8.consmr.mail.gq1.yahoo.com (EHLO sonic315-8.consmr.mail.gq1.yahoo.com) (98.137.65.32) by mta4012.mail.gq1.yahoo.com with SMTP; Tue, 02 Jan 2024 11:04:05 +0000",
	  "98.137.65.32", "sonic315-8.consmr.mail.gq1.yahoo.com", "sonic315-8.consmr.mail.gq1.yahoo.com", NULL, "mta4012.mail.gq1.yahoo.com", "SMTP", NULL, NULL, NULL, NULL, "2024-01-02T11:04:05Z" },
	{ "from 66.163.187.146 by sonic.gate.mail.ne1.yahoo.com with HTTP; Tue, 2 Jan 2024 11:04:05 +0000",
	  "66.163.187.146", NULL, NULL, NULL, "sonic.gate.mail.ne1.yahoo.com", "HTTP", NULL, NULL, NULL, "HTTP", "2024-01-02T11:04:05Z" },
	{ "from host.example.com (host.example.com [::ffff:192.0.2.55]) (AUTH: LOGIN alice@example.com, TLS: TLSv1/SSLv3,256bits,AES256-SHA) by mail.example.net with ESMTPSA; Tue, 02 Jan 2024 11:04:05 +0000",
	  "192.0.2.55", "host.example.com", "host.example.com", NULL, "mail.example.net", "ESMTPSA", NULL, NULL, NULL, "ESMTPSA user=alice@example.com", "2024-01-02T11:04:05Z" },
	{ "from imo-m01.mx.aol.com ([64.12.136.4] verified) by xxx.com (CommuniGate Pro SMTP 4.1.8) with ESMTP id 875522 for yyy@xxx.com; Tue, 03 Feb 2004 08:37:38 -0800",
	  "64.12.136.4", "imo-m01.mx.aol.com", "imo-m01.mx.aol.com", NULL, "xxx.com", "ESMTP", "875522", "yyy@xxx.com", NULL, NULL, "2004-02-03T16:37:38Z" },
	{ "from [212.73.124.190] (account skudinva@sibptus.tomsk.ru HELO wxpskudinva.sibptus.transneft.ru) by relay2.tomsk.ru (CommuniGate Pro SMTP 5.1.13) with ESMTPSA id 9830625 for sudakov@sibptus.tomsk.ru; Mon, 07 Apr 2008 08:42:48 +0700",
	  "212.73.124.190", NULL, "wxpskudinva.sibptus.transneft.ru", NULL, "relay2.tomsk.ru", "ESMTPSA", "9830625", "sudakov@sibptus.tomsk.ru", NULL, "ESMTPSA user=skudinva@sibptus.tomsk.ru", "2008-04-07T01:42:48Z" },
	{ "from perceptions.couk.com (81.103.146.112) by n082.sc1.cp.net (7.0.030.2) (authenticated as r.dickenson) id 414B418B002D65F1 for forteana@yahoogroups.com; Thu, 23 Sep 2004 18:42:17 +0000",
	  "81.103.146.112", "perceptions.couk.com", "perceptions.couk.com", NULL, "n082.sc1.cp.net", NULL, "414B418B002D65F1", "forteana@yahoogroups.com", NULL, "authenticated user=r.dickenson", "2004-09-23T18:42:17Z" },
	{ "from pl027.nas934.d-osaka.nttpc.ne.jp(61.197.82.27), claiming to be \"foo.woas.net\" via SMTP by st.tahina.priv.at, id smtpd1PBsZT; Sun Nov 13 15:38:52 2005",
	  "61.197.82.27", "pl027.nas934.d-osaka.nttpc.ne.jp", "foo.woas.net", NULL, "st.tahina.priv.at", "SMTP", "smtpd1PBsZT", NULL, NULL, NULL, "2005-11-13T15:38:52Z" },
	{ "from list.brainbuzz.com ([63.146.189.86]:23198) by mx1.yourtech.net with [XMail 1.20 ESMTP Server] id <S72E> for <jj@example.org> from <bounce@example.com>; Sat, 18 Sep 2004 23:17:54 -0500",
	  "63.146.189.86", NULL, "list.brainbuzz.com", NULL, "mx1.yourtech.net", "XMail 1.20 ESMTP Server", "S72E", "jj@example.org", "bounce@example.com", NULL, "2004-09-19T04:17:54Z" },
	{ "from ausisaps301-dmz.aus.amer.dell.com ([143.166.226.16]) (SquirrelMail authenticated user hoolis); by www.penguintowne.org with HTTP; Mon, 22 Mar 2004 12:54:13 -0600 (CST)",
	  "143.166.226.16", NULL, NULL, NULL, "www.penguintowne.org", "HTTP", NULL, NULL, NULL, "HTTP user=hoolis", "2004-03-22T18:54:13Z" },
	{ "from [94.79.161.130] by 3capp-webde-bs01.dlan.cinetic.de (via HTTP); Tue, 11 Nov 2014 20:32:34 +0100",
	  "94.79.161.130", NULL, NULL, NULL, "3capp-webde-bs01.dlan.cinetic.de", "HTTP", NULL, NULL, NULL, "HTTP", "2014-11-11T19:32:34Z" },
	{ "from hotmail.com (bay1-f95.bay1.hotmail.com [65.54.245.95]) by Daffy.timing.com;",
	  "65.54.245.95", "bay1-f95.bay1.hotmail.com", "hotmail.com", NULL, "Daffy.timing.com", NULL, NULL, NULL, NULL, NULL, NULL },
	{ "Received: FROM hackers.mr.itd.umich.edu (smtp.mail.umich.edu [141.211.14.81]) BY madman.mr.itd.umich.edu ID 434B508E.174A6.13932 ; 11 Oct 2005 01:41:34 -0400",
	  "141.211.14.81", "smtp.mail.umich.edu", "hackers.mr.itd.umich.edu", NULL, "madman.mr.itd.umich.edu", NULL, "434B508E.174A6.13932", NULL, NULL, NULL, "2005-10-11T05:41:34Z" },
	{ "from a1200 ([24.83.2.6])\r\n\t(AUTH: LOGIN mitch@example.com) by bigass1.example.com with esmtp; Tue, 06 Jan 2004 22:09:53 +0000",
	  "24.83.2.6", NULL, "a1200", NULL, "bigass1.example.com", "esmtp", NULL, NULL, NULL, "LOGIN user=mitch@example.com", "2004-01-06T22:09:53Z" },
	/* shapes of SpamAssassin's Received.pm read from their writers' forms:
	 * XMail "helo (ip:port)" unbracketed, Scalix "helo ( ip)", GMX "rdns (EHLO h) [ip]",
	 * MDaemon "(unverified [ip])" (no name confirmed) */
	{ "from list.example.org (63.146.189.86:23198) by mx1.example.net (209.32.147.34:25) with [XMail 1.20 ESMTP Server] id <S72E> for <jj@example.org> from <bounce@example.com>; Sat, 18 Sep 2004 23:17:54 -0500",
	  "63.146.189.86", NULL, "list.example.org", NULL, "mx1.example.net", "XMail 1.20 ESMTP Server", "S72E", "jj@example.org", "bounce@example.com", NULL, "2004-09-19T04:17:54Z" },
	{ "from DPLAPTOP ( 72.242.176.162) by mail.example.com (Scalix SMTP Relay 10.0.1.3) via ESMTP; Fri, 23 Jun 2006 16:39:47 -0500 (CDT)",
	  "72.242.176.162", NULL, "DPLAPTOP", NULL, "mail.example.com", "ESMTP", NULL, NULL, NULL, NULL, "2006-06-23T21:39:47Z" },
	{ "from dslb-082-083-045-064.pools.example.net (EHLO homepc) [82.83.45.64] by mail.gmx.net (mp010) with SMTP; 03 Feb 2007 13:13:47 +0100",
	  "82.83.45.64", "dslb-082-083-045-064.pools.example.net", "homepc", NULL, "mail.gmx.net", "SMTP", NULL, NULL, NULL, "GMX", "2007-02-03T12:13:47Z" },
	{ "from a.example.org (EHLO pc1) [198.51.100.9] by mout.example.net (mp010) with ESMTP; 03 Feb 2007 13:13:47 +0100",
	  "198.51.100.9", "a.example.org", "pc1", NULL, "mout.example.net", "ESMTP", NULL, NULL, NULL, NULL, "2007-02-03T12:13:47Z" },
	/* McAfee's gateway "(ip) by" (a loopback one is a local pickup: no hop, test_skip),
	 * Exim 3 "rdns (helo) [ip.port] (ident)", ecelerity "[ip] ([ip:port])" with no HELO */
	{ "from (130.215.36.186) by mcafee.example.edu via smtp id 021b_7e19a55a; Tue, 23 May 2006 13:06:35 -0400",
	  "130.215.36.186", NULL, NULL, NULL, "mcafee.example.edu", "smtp", "021b_7e19a55a", NULL, NULL, NULL, "2006-05-23T17:06:35Z" },
	{ "from h8.example.net (h.example.org) [10.0.8.6.13219] (mail) by l.example.net with esmtp (Exim 3.35 #1 (Debian)) id 1CO5y7-0001vC-00; Sun, 31 Oct 2004 04:01:23 +0100",
	  "10.0.8.6", "h8.example.net", "h.example.org", NULL, "l.example.net", "esmtp", "1CO5y7-0001vC-00", NULL, NULL, NULL, "2004-10-31T03:01:23Z" },
	{ "from [192.0.2.44] ([192.0.2.44:50024]) by bm1.example.com (ecelerity 2.1.1.8 r(12431)) with ECSTREAM id 10/BD-03444-F4DB6054; Tue, 12 Sep 2006 09:59:43 -0400",
	  "192.0.2.44", NULL, NULL, NULL, "bm1.example.com", "ECSTREAM", "10/BD-03444-F4DB6054", NULL, NULL, NULL, "2006-09-12T13:59:43Z" },
	{ "from pc7 (unverified [198.51.100.7]) by mail.example.com (MDaemon PRO v16.5.2) with ESMTP id md50000123456.msg for <x@example.com>; Tue, 16 Jul 2019 11:39:22 +0200",
	  "198.51.100.7", NULL, "pc7", NULL, "mail.example.com", "ESMTP", "md50000123456.msg", "x@example.com", NULL, NULL, "2019-07-16T09:39:22Z" },
	/* shapes the differential test against SpamAssassin found (tests/differential) */
	{ "from mx1.example.com (LHLO mx1.example.com) (192.0.2.50) by store1.example.com with LMTP; Tue, 19 Jan 2016 12:42:59 +0000 (UTC)",
	  "192.0.2.50", "mx1.example.com", "mx1.example.com", NULL, "store1.example.com", "LMTP", NULL, NULL, NULL, NULL, "2016-01-19T12:42:59Z" },
	{ "from mx ([192.0.2.34]:10000 \"EHLO smtp.example.net\") by mx4.example.net with ESMTP id 000000000000000; Thu, 29 Apr 2007 23:34:45 +0000",
	  "192.0.2.34", NULL, "smtp.example.net", NULL, "mx4.example.net", "ESMTP", "000000000000000", NULL, NULL, NULL, "2007-04-29T23:34:45Z" },
	{ "from unknown (HELO ?192.0.2.3?) (alice@198.51.100.135 with plain) by smtp1.example.net with SMTP; 21 Nov 2014 22:11:03 -0000",
	  "198.51.100.135", NULL, "?192.0.2.3?", NULL, "smtp1.example.net", "SMTP", NULL, NULL, NULL, "plain user=alice", "2014-11-21T22:11:03Z" },
	/* Yahoo's SMTP AUTH with no HELO comment (qmail leaves it out when it equals the host) */
	{ "from itrqtnlnq (lucille@93.124.107.183 with LOGIN) by smtp111.mail.ne1.yahoo.com with SMTP; 17 Jan 2011 08:23:27 -0800 PST",
	  "93.124.107.183", "itrqtnlnq", "itrqtnlnq", NULL, "smtp111.mail.ne1.yahoo.com", "SMTP", NULL, NULL, NULL, "LOGIN user=lucille", "2011-01-17T16:23:27Z" },
	/* a word after "with" that is no SASL mechanism leaves the ident an ident */
	{ "from unknown (HELO h.example) (nobody@192.0.2.44 with x) by mx.example.net with SMTP; 17 Jan 2011 08:23:27 -0000",
	  "192.0.2.44", NULL, "h.example", "nobody", "mx.example.net", "SMTP", NULL, NULL, NULL, NULL, "2011-01-17T08:23:27Z" },
	{ "from unknown [203.0.113.12] (EHLO mail.example.org) by mx1.example.net (mxl_mta-5.5.0-3) with ESMTP id 00000000.0000.mx1.example.net (envelope-from <bob@example.org>); Thu, 29 Apr 2009 23:34:45 +0000",
	  "203.0.113.12", NULL, "mail.example.org", NULL, "mx1.example.net", "ESMTP", "00000000.0000.mx1.example.net", NULL, "bob@example.org", NULL, "2009-04-29T23:34:45Z" },
	{ "from relay.example.org (relay.example.org [192.0.2.25]) by mx.example.net (8.17.2/8.17.2) with ESMTPS id Ufhl061193 for <carol@example.net>; Thu, 29 Apr 2024 23:34:45 +0900 (JST) (envelope-from dave@example.org)",
	  "192.0.2.25", "relay.example.org", "relay.example.org", NULL, "mx.example.net", "ESMTPS", "Ufhl061193", "carol@example.net", "dave@example.org", NULL, "2024-04-29T14:34:45Z" },
	{ "from localhost ([198.51.100.4]) by mx.example.net (Haraka/2.8.21) with ESMTP id abc.1 envelope-from <erin@example.org>; Sat, 31 Oct 2020 18:32:53 +0000",
	  "198.51.100.4", NULL, "localhost", NULL, "mx.example.net", "ESMTP", "abc.1", NULL, "erin@example.org", NULL, "2020-10-31T18:32:53Z" },
	/* Exim's $sender_rcvhost items after a bare $sender_host_address, glued or spaced */
	{ "from 198.51.100.102(helo=pc.example.org) by 198.51.100.102.static-user.example.br with esmtpa (Exim 4.69) (envelope-from ) id 1aB2c3-0004De-F0 for x@example.com; Mon, 29 Apr 2013 23:34:45 +0000",
	  "198.51.100.102", NULL, "pc.example.org", NULL, "198.51.100.102.static-user.example.br", "esmtpa", "1aB2c3-0004De-F0", "x@example.com", "", "esmtpa", "2013-04-29T23:34:45Z" },
	{ "from 2001:db8::7 (port=50123 helo=[IPv6:2001:db8::7] ident=u7) by mx.example.net with esmtp (Exim 4.96) id 1aB2c3-0004De-F1; Mon, 29 Apr 2013 23:34:45 +0000",
	  "2001:db8::7", NULL, "[IPv6:2001:db8::7]", "u7", "mx.example.net", "esmtp", "1aB2c3-0004De-F1", NULL, NULL, NULL, "2013-04-29T23:34:45Z" },
	{ "from ::ffff:192.0.2.44(helo=pc) by mx.example.net with smtp (Exim 4.92) id 1aB2c3-0004De-F2; Mon, 29 Apr 2013 23:34:45 +0000",
	  "192.0.2.44", NULL, "pc", NULL, "mx.example.net", "smtp", "1aB2c3-0004De-F2", NULL, NULL, NULL, "2013-04-29T23:34:45Z" },
	/* Exim's $sender_rcvhost "name ([ip] ident=i)" under a received_header_text
	 * without the version comment: an ident= item is Exim's, so the name is its
	 * verified host name (the HELO matched it); Sendmail's ident stands before
	 * an "@" and vouches for nothing */
	{ "from forum.example ([192.0.2.61] ident=jc44bc) by mx.example.net with esmtp id 1aB2c3-0004De-F3; Mon, 29 Apr 2013 23:34:45 +0000",
	  "192.0.2.61", "forum.example", "forum.example", "jc44bc", "mx.example.net", "esmtp", "1aB2c3-0004De-F3", NULL, NULL, NULL, "2013-04-29T23:34:45Z" },
	/* ecelerity: "[ip] ([ip:port] helo=h)"; its TLS comment "(cipher=C subject=..)"
	 * closed, and with its folded subject line lost (never closed) */
	{ "from [10.10.10.10] ([10.10.10.10:4227] helo=mail02.example.com) by mail516.example.net (envelope-from <>) (ecelerity 3.6.21.53563 r(Core:3.6.21.0)) with ESMTPS (cipher=ECDHE-RSA-AES256-GCM-SHA384 subject=\"/OU=Domain Control Validated/CN=*.example.com\") id AA/01-16018-D1AA1CC5; Tue, 30 Apr 2019 02:09:00 +0000",
	  "10.10.10.10", NULL, "mail02.example.com", NULL, "mail516.example.net", "ESMTPS", "AA/01-16018-D1AA1CC5", NULL, "", NULL, "2019-04-30T02:09:00Z" },
	{ "from [192.0.2.222] ([192.0.2.222:222] helo=mta-2.example.org) by example.org (envelope-from <b@example.org>) (ecelerity 3.6.5.1 r(Core:3.6.5.0)) with ESMTPS (cipher=AES256-GCM-SHA384 id 22/00-00000-EEEEEEEE for <c@example.net>; Thu, 29 Apr 2015 23:34:45 +0000",
	  "192.0.2.222", NULL, "mta-2.example.org", NULL, "example.org", "ESMTPS", "22/00-00000-EEEEEEEE", "c@example.net", "b@example.org", NULL, "2015-04-29T23:34:45Z" },
	{ "from ([192.168.1.205:50387] helo=i6.example.com) by m12.example.com (ecelerity 2.1.1.3 r(11743)) with ESMTP id 80/0A-02454-4DCB6054 for <d@example.org>; Tue, 12 Sep 2006 09:57:40 -0400",
	  "192.168.1.205", NULL, "i6.example.com", NULL, "m12.example.com", "ESMTP", "80/0A-02454-4DCB6054", "d@example.org", NULL, NULL, "2006-09-12T13:57:40Z" },
	/* a stamp with no by (RFC 822 form): the client is kept, the by is absent */
	{ "from mail.example.net ([192.0.2.11]) id <0000000000000000@mx3.example.net>; Thu, 29 Apr 2007 23:34:45 +0000 (GMT)",
	  "192.0.2.11", NULL, "mail.example.net", NULL, NULL, NULL, "0000000000000000@mx3.example.net", NULL, NULL, NULL, "2007-04-29T23:34:45Z" },
};

/* check - one field */
static void check(const char *hdr, const char *field, const char *want, const char *got)
{
	if (want == NULL && got == NULL)
		return;
	if (want == NULL || got == NULL || strcmp(want, got) != 0)
		fail_msg("%s: %s: want %s, got %s", hdr, field, want ? want : "(null)",
			 got ? got : "(null)");
}

/* test_table - every representative header, field by field */
static void test_table(void **state)
{
	size_t i;
	struct hop h;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct want *w = &cases[i];

		if (rcvd_parse(w->hdr, strlen(w->hdr), &h) != 1)
			fail_msg("not a relay: %s", w->hdr);
		check(w->hdr, "ip", w->ip, h.from_ip);
		check(w->hdr, "rdns", w->rdns, h.from_rdns);
		check(w->hdr, "helo", w->helo, h.helo);
		check(w->hdr, "ident", w->ident, h.ident);
		check(w->hdr, "by", w->by, h.by);
		check(w->hdr, "with", w->with, h.with);
		check(w->hdr, "id", w->id, h.id);
		check(w->hdr, "for", w->for_addr, h.for_addr);
		check(w->hdr, "envfrom", w->envfrom, h.envfrom);
		check(w->hdr, "auth", w->auth, h.auth);
		check(w->hdr, "date", w->date, h.date);
		assert_true(w->date == NULL ? h.when == 0 : h.when > 0);
		hop_free(&h);
	}
	assert_true(i >= 25);
}

/* test_skip - headers that carry no relay give 0 */
static void test_skip(void **state)
{
	static const char *const skip[] = {
		"(qmail 10681 invoked by uid 404); 14 Nov 2003 08:05:52 -0000",
		"from (127.0.0.1) by pmta.example.com id 1A/2B-00001-ABCDEF01; Tue, 23 May 2006 13:06:35 -0400",
		"(qmail 87263 messnum 771997 invoked from network[83.70.48.2/83-70-48-2.bas2.dbn.dublin.eircom.net]); 8 Mar 2004 23:59:05 -0000",
		"from localhost [127.0.0.1] by localhost with IMAP (fetchmail-6.2.4) for zzzzz@localhost (single-drop); Mon, 08 Mar 2004 16:13:23 -0800 (PST)",
		"by mail.example.net (Postfix, from userid 1000) id 4T3x1Z2abd; Tue,  2 Jan 2024 12:04:05 +0100 (CET)",
		"from user by mail.example.net with local (Exim 4.96) (envelope-from <user@example.net>) id 1rKabe-000125-AD; Tue, 02 Jan 2024 11:04:05 +0000",
		"from advertisement@topofferz.net by blazing.fooooo.org by uid 502 with qmail-scanner-1.20 (clamuko: 0.65. Clear:RC:0(69.6.60.10):.); 03 Mar 2004 20:34:39 -0000",
		"by 2002:a05:6520:2a4e:b0:25f:5c6a:1234 with SMTP id x14csp123456lkr; Tue, 2 Jan 2024 03:04:06 -0800 (PST)",
		"from 866348443040 named unknown by gmailapi.google.com with HTTPREST; Tue, 2 Jan 2024 03:04:05 -0800",
		"from localhost (wwwwww@localhost) by rigel.oac.uci.edu (8.9.3p2/8.9.3) with ESMTP id QAA13555; Mon, 8 Mar 2004 16:07:35 -0800 (PST)",
		"from 203.0.113.66 by mx.example.net (envelope-from <frank@example.org>, uid 1013) with qmail-scanner-1.25-st-qms (clamdscan: 0.90.2/3156. Clear:RC:0(203.0.113.66):. Processed in 4.65 secs); 17 Jul 2008 17:51:17 -0000",
		"from [Masked] by mailrelay2.thestar.ca with ESMTP id lxalvkca; Fri, 8 Sep 2006 17:21:46 -0400",
		/* Sendmail: a local submission, and the line over a bounce it writes itself */
		"(from nobody@localhost) by web1.example.net (8.17.1.9/8.17.1.9) id 6B60KW1f023556 for victim@complainant.example; Sun, 6 Dec 2026 00:20:32 GMT",
		"from localhost (localhost) by mx2.example.net (8.17.1.9/8.17.1.9) id 6B60IV8F026219; Sun, 6 Dec 2026 00:18:31 GMT",
	};
	size_t i;
	struct hop h;

	(void)state;
	for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		if (rcvd_parse(skip[i], strlen(skip[i]), &h) != 0)
			fail_msg("not skipped: %s", skip[i]);
		assert_null(h.from_ip);
		assert_null(h.date);
	}
}

/* test_empty - empty, blank, NUL-only, NULL and garbage values are not understood */
static void test_empty(void **state)
{
	static const char nul[] = "\0\0\0\0";
	static const char with_nul[] = "from a (b [192.0.2.1])\0 by c; 1 Jan 2024 00:00:00 +0000";
	struct hop h;

	(void)state;
	assert_int_equal(rcvd_parse("", 0, &h), -1);
	assert_int_equal(rcvd_parse("   \t ", 5, &h), -1);
	assert_int_equal(rcvd_parse(nul, sizeof(nul), &h), -1);
	assert_int_equal(rcvd_parse(NULL, 0, &h), -1);
	assert_int_equal(rcvd_parse("hello world", 11, &h), -1);
	assert_null(h.from_ip);
	/* a NUL inside the value is a blank, not the end */
	assert_int_equal(rcvd_parse(with_nul, sizeof(with_nul) - 1, &h), 1);
	assert_string_equal(h.from_ip, "192.0.2.1");
	assert_string_equal(h.by, "c");
	hop_free(&h);
}

/* test_addresses - ::ffff: mapping, IPv6 literals, ports */
static void test_addresses(void **state)
{
	static const struct { const char *hdr, *ip; } v[] = {
		{ "from x (y [::ffff:192.0.2.1]) by z", "192.0.2.1" },
		{ "from x (y [IPv6:::FFFF:192.0.2.2]) by z", "192.0.2.2" },
		{ "from x (y [IPv6:2001:0db8:0000:0000:0000:0000:0000:0001]) by z", "2001:db8::1" },
		{ "from x ([2001:db8::2]) by z", "2001:db8::2" },
		{ "from x (2001:db8::3) by z with Microsoft SMTP Server", "2001:db8::3" },
		{ "from x ([192.0.2.3]:2525 helo=y) by z", "192.0.2.3" },
		{ "from ([192.0.2.4:50387] helo=y) by z", "192.0.2.4" },
		{ "from x ([192.0.2.5.63559]) by z", "192.0.2.5" },
	};
	size_t i;
	struct hop h;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (rcvd_parse(v[i].hdr, strlen(v[i].hdr), &h) != 1)
			fail_msg("not a relay: %s", v[i].hdr);
		check(v[i].hdr, "ip", v[i].ip, h.from_ip);
		hop_free(&h);
	}
	/* not an address: no relay */
	assert_int_equal(rcvd_parse("from x (y [999.1.2.3]) by z", 27, &h), 0);
}


/* cpu_since - CPU seconds this process used since t0 (not wall time: a busy
 * machine must not fail a test; these are guards against pathological input,
 * with ample headroom, not speed measurements -- speed is `make bench`) */
static double cpu_since(clock_t t0)
{
	return (double)(clock() - t0) / CLOCKS_PER_SEC;
}

/* fill - n bytes of a repeated pattern after a prefix */
static char *fill(const char *prefix, const char *unit, size_t n)
{
	char *s = xmalloc(n + 1);
	size_t p = strlen(prefix), u = strlen(unit), i;

	memcpy(s, prefix, p);
	for (i = p; i < n; i++)
		s[i] = unit[(i - p) % u];
	s[n] = '\0';
	return s;
}

/* test_hostile - a 1 MB value is cut; bait for backtracking finishes fast */
static void test_hostile(void **state)
{
	static const char *const bait[][2] = {
		{ "from ", "a" },
		{ "from x (", "(" },
		{ "from x ", "(HELO a) " },
		{ "from x (y ", "[1.2.3.4" },
		{ "from [", "1:" },
		{ "from x (", "a@" },
		{ "from x ([1.2.3.4] helo=", "a " },
		{ "from ", "\"" },
		{ "by ", "(Authenticated sender: " },
		{ "from x (y [192.0.2.1]) ", "auth" },
		{ "from x ([192.0.2.1]) by y with ESMTPS ", "(a=1 id " },
		{ "from x ([192.0.2.1]) by y with ESMTPS (", "a=\"1 " },
	};
	clock_t t0;
	struct hop h;
	char *s;
	size_t i;
	int k;

	(void)state;
	s = fill("from big.example (big.example [192.0.2.9]) by mx.example with ESMTP id ", "A", 1 << 20);
	t0 = clock();
	assert_int_equal(rcvd_parse(s, 1 << 20, &h), 1);
	/* a linear scan of 1 MB takes milliseconds: 2 s of CPU is quadratic */
	if (cpu_since(t0) > 2.0 * slowdown())
		fail_msg("1 MB value: %.3fs of CPU", cpu_since(t0));
	assert_string_equal(h.from_ip, "192.0.2.9");
	assert_true(strlen(h.id) < RCVD_MAX_LEN);
	hop_free(&h);
	free(s);
	for (i = 0; i < sizeof(bait) / sizeof(bait[0]); i++) {
		s = fill(bait[i][0], bait[i][1], RCVD_MAX_LEN);
		t0 = clock();
		for (k = 0; k < 10; k++) {
			if (rcvd_parse(s, RCVD_MAX_LEN, &h) == 1)
				hop_free(&h);
		}
		if (cpu_since(t0) > 2.0 * slowdown())
			fail_msg("bait %zu too slow: %.3fs of CPU for 10", i, cpu_since(t0));
		free(s);
	}
}

/* test_json - exactly the keys of DESIGN.md, null where absent */
static void test_json(void **state)
{
	static const char hdr[] = "from x (y.example [192.0.2.1]) by z.example with ESMTP";
	struct buf b;
	struct hop h;

	(void)state;
	assert_int_equal(rcvd_parse(hdr, sizeof(hdr) - 1, &h), 1);
	buf_init(&b, 0);
	hop_to_json(&h, &b);
	assert_string_equal(b.data,
		"{\"from_ip\":\"192.0.2.1\",\"from_rdns\":\"y.example\",\"helo\":\"x\","
		"\"ident\":null,\"by\":\"z.example\",\"with\":\"ESMTP\",\"id\":null,"
		"\"for\":null,\"envfrom\":null,\"auth\":null,\"date\":null}");
	buf_free(&b);
	hop_free(&h);
	hop_free(&h);          /* twice is harmless */
}

/* test_port - the client port where Exim writes it; in the JSON only when recorded */
static void test_port(void **state)
{
	static const struct {
		const char *hdr;
		int port;
	} c[] = {
		{ "from [192.0.2.1] (port=38654 helo=pc.example) by mx2.example.net with esmtp "
		  "(Exim 4.96) id 1rAbCd-000123-Xy; Wed, 01 May 2024 10:29:00 +0000", 38654 },
		{ "from pc.example ([192.0.2.1]:38655 helo=pc) by mx2.example.net with esmtp "
		  "(Exim 4.96) id 1rAbCd-000124-Xy", 38655 },
		{ "from [192.0.2.1]:40001 (helo=pc) by mx2.example.net with esmtp (Exim 4.96)", 40001 },
		{ "from [IPv6:2001:db8::1]:587 (helo=pc) by mx2.example.net with esmtp (Exim 4.96)", 587 },
		{ "from pc.example (pc.example [192.0.2.1]) by mx (Postfix) with ESMTP id X", 0 },
		{ "from [192.0.2.1] (port=65536 helo=pc) by mx with esmtp (Exim 4.96)", 0 },
		{ "from [192.0.2.1] (port=123456 helo=pc) by mx with esmtp (Exim 4.96)", 0 },
		{ "from [192.0.2.1] (port= helo=pc) by mx with esmtp (Exim 4.96)", 0 },
		{ "from [192.0.2.1] (helo=pc) by mx with esmtp (Exim 4.96) id port=25", 0 },
		{ "from 192.0.2.1(port=2525 helo=pc) by mx with esmtp (Exim 4.96)", 2525 },
		{ "from [192.0.2.1] ([192.0.2.1:47423] helo=pc) by mx (ecelerity 2.2.3.49 r(42060/42061)) with ESMTP", 47423 },
		{ "from ([192.0.2.1:1] helo=pc) by mx (ecelerity 2.1 r(10620)) with ESMTP", 1 },
		{ "from ([192.0.2.1:65536] helo=pc) by mx (ecelerity 2.1 r(10620)) with ESMTP", 0 },
		{ "from ([192.0.2.1:123456] helo=pc) by mx (ecelerity 2.1 r(10620)) with ESMTP", 0 },
		{ "from [192.0.2.1] (helo=[10.0.0.1:25]) by mx with esmtp (Exim 4.96)", 0 },
		{ "from h ([IPv6:2001:db8::1:25] helo=pc) by mx with ESMTP", 0 },
	};
	struct buf b;
	struct hop h;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(rcvd_parse(c[i].hdr, strlen(c[i].hdr), &h), 1);
		if (h.port != c[i].port)
			fail_msg("%s: port %d, want %d", c[i].hdr, h.port, c[i].port);
		buf_init(&b, 0);
		hop_to_json(&h, &b);
		assert_true((strstr(b.data, "\"port\":") != NULL) == (c[i].port > 0));
		buf_free(&b);
		hop_free(&h);
	}
	assert_int_equal(rcvd_parse(c[0].hdr, strlen(c[0].hdr), &h), 1);
	buf_init(&b, 0);
	hop_to_json(&h, &b);
	assert_string_equal(b.data,
		"{\"from_ip\":\"192.0.2.1\",\"from_rdns\":null,\"helo\":\"pc.example\","
		"\"ident\":null,\"by\":\"mx2.example.net\",\"with\":\"esmtp\",\"id\":\"1rAbCd-000123-Xy\","
		"\"for\":null,\"envfrom\":null,\"auth\":null,\"date\":\"2024-05-01T10:29:00Z\",\"port\":38654}");
	buf_free(&b);
	hop_free(&h);
}

/* test_unclosed - a key=value TLS comment whose ")" was lost ends before the
 * clause keyword after it; any other unclosed comment still runs to the end */
static void test_unclosed(void **state)
{
	static const struct {
		const char *hdr, *id, *for_addr;
	} c[] = {
		{ "from a ([192.0.2.1]) by b with ESMTPS (cipher=AES256-SHA id 1A/2B-00001-ABCDEF01; "
		  "Tue, 2 Jan 2024 00:00:00 +0000", "1A/2B-00001-ABCDEF01", NULL },
		{ "from a ([192.0.2.1]) by b with ESMTPS (version=TLSv1.3 cipher=X bits=256 for "
		  "<r@example.net>; Tue, 2 Jan 2024 00:00:00 +0000", NULL, "r@example.net" },
		/* a keyword inside a quoted value is part of the value */
		{ "from a ([192.0.2.1]) by b with ESMTPS (cipher=C subject=\"/CN=id for x\" id Q1",
		  "Q1", NULL },
		/* a word that is no key=value: not the TLS comment shape */
		{ "from a ([192.0.2.1]) by b with ESMTP (some text id Q2; Tue, 2 Jan 2024 00:00:00 +0000",
		  NULL, NULL },
		{ "from a ([192.0.2.1]) by b with ESMTP (id Q3", NULL, NULL },
		{ "from a ([192.0.2.1]) by b with ESMTP (=x id Q4", NULL, NULL },
		{ "from a ([192.0.2.1]) by b with ESMTP (cipher=C (x) id Q5", NULL, NULL },
		{ "from a ([192.0.2.1]) by b with ESMTP (cipher=C", NULL, NULL },
		{ "from a ([192.0.2.1]) by b with ESMTP (cipher=\"C id Q6", NULL, NULL },
	};
	struct hop h;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(rcvd_parse(c[i].hdr, strlen(c[i].hdr), &h), 1);
		assert_string_equal(h.from_ip, "192.0.2.1");
		check(c[i].hdr, "id", c[i].id, h.id);
		check(c[i].hdr, "for", c[i].for_addr, h.for_addr);
		hop_free(&h);
	}
}

static int setup(void **state)
{
	(void)state;
	rcvd_init();
	rcvd_init();           /* idempotent */
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rcvd_shutdown();
	return 0;
}

/*
 * A client's HELO is free text to Sendmail and Postfix: one that looks like
 * an address with Exim's items after it, or a bare address, is still the
 * HELO when the receiver's own "(rdns [ip])" follows. A bare address with
 * only Exim's items (a HELO literal among them) is the client.
 */
static void test_helo_posing(void **state)
{
	static const struct {
		const char *hdr, *ip;
	} c[] = {
		{ "from 1.2.3.4(helo=x) (unknown [203.0.113.5]) by mx.example.net (Postfix) with ESMTP id A1",
		  "203.0.113.5" },
		{ "from 1.2.3.4 (helo=x) (mail.example [203.0.113.5]) by mx.example.net with ESMTP id A2",
		  "203.0.113.5" },
		{ "from 1.2.3.4(port=25) (u@[203.0.113.5]) by mx.example.net (8.17.1/8.17.1) with ESMTP id A3",
		  "203.0.113.5" },
		{ "from 2001:db8::9(helo=x) (unknown [IPv6:2001:db8::5]) by mx.example.net (Postfix) id A4",
		  "2001:db8::5" },
		{ "from 1.2.3.4 (unknown [203.0.113.5]) by mx.example.net (Postfix) with ESMTP id A5",
		  "203.0.113.5" },
		{ "from 198.51.100.102(helo=[192.168.1.2]) by mx.example.net with esmtp (Exim 4.96) id 1r",
		  "198.51.100.102" },
		{ "from 198.51.100.102 (port=4711 helo=mail.example) by mx.example.net with esmtp id 1s",
		  "198.51.100.102" },
	};
	struct hop h;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_int_equal(rcvd_parse(c[i].hdr, strlen(c[i].hdr), &h), 1);
		check(c[i].hdr, "ip", c[i].ip, h.from_ip);
		/* a port= inside the HELO is no port the receiver saw */
		if (strstr(c[i].hdr, "(port=25)"))
			assert_int_equal(h.port, 0);
		if (strstr(c[i].hdr, "port=4711"))
			assert_int_equal(h.port, 4711);
		hop_free(&h);
	}
}

/* the ident before '@': tcp_wrappers' "IDENT:" prefix is not part of it;
 * Sun SIMS's quoted "port N" where there is none is no ident (and no port:
 * what stands there is the client's own answer in the other writers) */
static void test_ident_forms(void **state)
{
	static const char a[] = "from trna.example.com (IDENT:nobody@localhost [127.0.0.1]) by trna.example.com "
				"(8.9.3/8.9.3) with ESMTP id SAA19408; Tue, 15 May 2001 18:26:07 -0400";
	static const char b[] = "from ue250-1.example.de (\"port 34611\"@ue250-1.example.de [134.130.3.33]) by "
				"mails.example.de (Sun Internet Mail Server sims.4.0.2000.10.12.16.25.p8) with ESMTP "
				"id <0GZ100BMXH2CP5@mails.example.de>; Wed, 10 Jul 2002 17:15:48 +0200 (MET DST)";
	struct hop h;

	(void)state;
	assert_int_equal(rcvd_parse(a, strlen(a), &h), 1);
	assert_string_equal(h.ident, "nobody");
	assert_string_equal(h.from_rdns, "localhost");
	hop_free(&h);
	assert_int_equal(rcvd_parse(b, strlen(b), &h), 1);
	assert_string_equal(h.from_ip, "134.130.3.33");
	assert_string_equal(h.helo, "ue250-1.example.de");
	assert_string_equal(h.from_rdns, "ue250-1.example.de");
	assert_null(h.ident);
	assert_int_equal(h.port, 0);
	hop_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_skip),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_addresses),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_unclosed),
		cmocka_unit_test(test_helo_posing),
		cmocka_unit_test(test_ident_forms),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
