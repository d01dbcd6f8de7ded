# 500 requests in flight at once (one socket each, all sent before any
# answer is read) on the two workers' single pipelined connections:
# 500 × 200 and 500 records in each queue, each event once.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

my $n = $ENV{ZT_VALGRIND} ? 100 : 500;
my ($redis, $ng) = setup(timeout => $ENV{ZT_VALGRIND} ? '20s' : '5s');

my $tpl = payload('meeting.participant_left');
my $ts = time;
my @socks;
for my $i (1 .. $n) {
    (my $body = $tpl) =~ s/"user_id": "[^"]*"/"user_id": "c-$i"/
        or die 'template';
    my $sig = sign_zoom(SECRET, $ts, $body);
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $ng->port) or die "$i: $!";
    print $s "POST /webhook HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        . "Content-Type: application/json\r\n"
        . "Content-Length: " . length($body) . "\r\n"
        . "x-zm-request-timestamp: $ts\r\nx-zm-signature: $sig\r\n\r\n"
        . $body;
    push @socks, $s;
}

my (%status, %ids);
for my $s (@socks) {
    my $resp = do { local $/; <$s> } // '';
    my ($st) = $resp =~ m{^HTTP/1\.1 (\d+)};
    $status{ $st // 'none' }++;
    $ids{$1}++ if $resp =~ /"event_id":"([^"]+)"/;
}

is_deeply(\%status, { 200 => $n }, "$n concurrent requests: all 200");
is(scalar keys %ids, $n, "$n distinct event_ids");
for my $q (qw(zt:a zt:b)) {
    is($redis->llen($q), $n, "$q: $n records");
    my %seen;
    $seen{ decode_json($_)->{event_id} }++ for @{ $redis->lrange($q) };
    is_deeply(\%seen, \%ids, "$q: exactly the answered events, once each");
}

error_log_clean($ng, 'concurrency');

done_testing();
