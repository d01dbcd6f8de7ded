# zoomtrack_status: counters summed over the workers through shared memory
# (every worker reports the same totals), per-reason rejections, the
# answering worker's Redis state, LLEN of each queue; with Redis down the
# state is "disconnected" and the lengths null.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

my $vg = $ENV{ZT_VALGRIND};
my $redis = start_redis();
my $conf = webhook_conf(redis => $redis->address);
# reuseport spreads connections over the workers (not in single-process
# valgrind mode, where the second socket would never be served)
$conf =~ s/listen 127.0.0.1:__PORT__;/listen 127.0.0.1:__PORT__ reuseport;/
    unless $vg;
my $ng = start_nginx(conf => $conf, workers => 2);

sub status {
    my $r = http()->get($ng->url('/status'));
    is($r->{status}, 200, 'status: 200') or return {};
    like($r->{headers}{'content-type'}, qr{^application/json}, 'status: json');
    return json_decode_ok($r->{content}) // {};
}

my $s = status();
is($s->{accepted}, 0, 'fresh: nothing accepted');
is($s->{redis}{state}, 'connected', 'fresh: connected');

my $body = payload('meeting.participant_joined');
my $n = 20;
post_signed($ng, $body) for 1 .. $n;
post_signed($ng, payload('endpoint.url_validation')) for 1 .. 2;
post_signed($ng, $body, drop => ['x-zm-signature']) for 1 .. 3;
post_signed($ng, $body, drop => ['x-zm-request-timestamp']);
post_signed($ng, $body, secret => 'wrong') for 1 .. 2;
post_signed($ng, $body, ts => time - 10 * 3600);
post_signed($ng, 'nope') for 1 .. 4;
post_signed($ng, $body, method => 'GET');

my %want_rej = (no_signature => 3, no_timestamp => 1, bad_signature => 2,
                stale => 1, bad_json => 4, bad_method => 1);

# ask until two different workers have answered (reuseport spreads the
# connections), each must report the totals of both
my %pids;
wait_until(sub {
    my $s = status();
    $pids{ $s->{redis}{worker_pid} // 0 } = $s;
    return keys %pids >= ($vg ? 1 : 2);
}, 20, 'status from both workers');

cmp_ok(scalar keys %pids, '>=', $vg ? 1 : 2, 'answers from two workers');
for my $pid (sort keys %pids) {
    my $s = $pids{$pid};
    my $t = "worker $pid";
    is($s->{accepted}, $n, "$t: accepted $n (all workers)");
    is($s->{url_validations}, 2, "$t: url_validations");
    is($s->{rejected}{$_}, $want_rej{$_}, "$t: rejected $_")
        for sort keys %want_rej;
    is($s->{rejected_total}, 12, "$t: rejected_total");
    is($s->{redis_errors}, 0, "$t: no redis errors");
    is($s->{unavailable_503}, 0, "$t: no 503");
    is($s->{spooled}, 0, "$t: nothing spooled");
    is($s->{redis}{state}, 'connected', "$t: connected");
    is($s->{redis}{address}, $redis->address, "$t: address");
    is_deeply($s->{queues}, { 'zt:a' => $n, 'zt:b' => $n }, "$t: LLEN");
}

my $r = http()->post($ng->url('/status'));
is($r->{status}, 405, 'status: POST is 405');
is($r->{headers}{allow}, 'GET, HEAD', 'status: Allow: GET, HEAD');

unlike($ng->error_log, qr/\[error\]/, 'no [error] while redis is up');

# redis down
$redis->stop;
my $st = post_signed($ng, $body);
is($st->{status}, 503, 'redis down: 503');
my $down;
ok(wait_until(sub {
    $down = status();
    ($down->{redis}{state} // '') eq 'disconnected';
}, 15), 'status says disconnected');
is_deeply($down->{queues}, { 'zt:a' => undef, 'zt:b' => undef },
          'redis down: llen null');
cmp_ok($down->{unavailable_503}, '>=', 1, 'redis down: 503 counted');
cmp_ok($down->{redis_errors}, '>=', 1, 'redis down: redis error counted');
is($down->{accepted}, $n, 'redis down: accepted unchanged');

$redis->start;
ok(wait_until(sub {
    my $s = status();
    ($s->{redis}{state} // '') eq 'connected' && defined $s->{queues}{'zt:a'};
}, 15), 'connected again after restart');

ok(index($ng->error_log, SECRET) < 0, 'no secret in the log');

done_testing();
