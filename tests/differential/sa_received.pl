#!/usr/bin/perl
# sa_received.pl - the peer side of the Received differential: SpamAssassin's
# parse_received_line on each line of stdin (one unfolded header value, no
# "Received:"), one JSON line out per line in:
#   {"r":"relay","ip":..,"rdns":..,"helo":..,"by":..,"ident":..,"envfrom":..,"id":..,"auth":..}
#   {"r":"skip"}         parse_received_line returned 0 (no relay in it)
#   {"r":"unparsed"}     it returned undef (not understood)
# The Metadata object is the minimal one bench/parse.sh uses; the values are
# SpamAssassin's own strings (its []()<> -> '!' mangling included).
use strict;
use warnings;
use JSON::PP;
use Mail::SpamAssassin::Message::Metadata;
use Mail::SpamAssassin::Message::Metadata::Received;
use Mail::SpamAssassin::Logger;

my $md = bless { allow_mailfetch_markers => 1 }, 'Mail::SpamAssassin::Message::Metadata';
my $json = JSON::PP->new->canonical->utf8(0);
binmode STDIN, ':raw';
binmode STDOUT, ':raw';
local $SIG{__WARN__} = sub { };
while (my $l = <STDIN>) {
	$l =~ s/\r?\n\z//;
	my $r = eval { $md->parse_received_line($l) };
	if (!defined $r) {
		print "{\"r\":\"unparsed\"}\n";
	} elsif (!ref $r) {
		print "{\"r\":\"skip\"}\n";
	} else {
		my %o = (r => 'relay');
		for my $k (qw(ip rdns helo by ident envfrom id auth)) {
			$o{$k} = defined $r->{$k} ? $r->{$k} : undef;
		}
		print $json->encode(\%o), "\n";
	}
}
