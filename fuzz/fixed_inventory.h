/*
 * fixed_inventory - the fixed trace configuration and CSV inventory the
 * trace fuzz targets run against (the same networks as tests/golden/trace.conf).
 */
#ifndef AD_FUZZ_FIXED_INVENTORY_H
#define AD_FUZZ_FIXED_INVENTORY_H

#define FUZZ_OUR_NETWORKS "192.0.2.0/24 198.51.100.0/24 10.0.0.0/8 100.64.0.0/10 2001:db8:25::/48"
#define FUZZ_OUR_DOMAIN "example.net"

static const char fuzz_inventory[] =
	"kind,name_or_cidr,ips,role,owner\n"
	"host,mx2.example.net,192.0.2.25 2001:db8:25::25,mta,mail-team\n"
	"host,smtp.example.net,192.0.2.26,mta,mail-team\n"
	"host,proxy1.example.net,192.0.2.80,proxy,net-team\n"
	"host,web1.example.net,192.0.2.40,web,web-team\n"
	"host,nat1.example.net,192.0.2.1,nat,net-team\n"
	"host,shell.example.net,192.0.2.50,server,ops\n"
	"network,192.0.2.0/24,,,ops\n"
	"network,198.51.100.0/24,,customer,access-team\n"
	"network,10.20.0.0/16,,dynamic,access-team\n"
	"network,100.64.0.0/10,,dynamic,access-team\n"
	"nat,192.0.2.1:40000-40999,10.20.3.4:51000,2024-05-01T10:00:00Z,2024-05-01T11:00:00Z\n"
	"maillog,4MLog1,203.0.113.77,bob@example.net,smtp.example.net\n";

#endif
