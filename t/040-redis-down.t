# Our failures are never the client's: Redis stopped → 503 + Retry-After
# (fast, no waiting for the timeout), then Redis restarted on the same port
# → 2xx again without touching nginx; a Redis that accepts but never
# answers → 503 within about zoomtrack_redis_timeout; an EXEC that fails
# (WRONGTYPE inside the transaction) → 503, never 2xx.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use ZtTest;
use ZtWebhook;

my $slow = $ENV{ZT_VALGRIND} ? 10 : 1;
my ($redis, $ng) = setup(timeout => '1s');
my $body = payload('meeting.participant_joined');

my $r = post_signed($ng, $body);
is($r->{status}, 200, 'redis up: 200');

$redis->stop;

for my $i (1 .. 4) {
    my $t0 = time;
    $r = post_signed($ng, $body);
    is($r->{status}, 503, "redis down #$i: 503");
    is($r->{headers}{'retry-after'}, '5', "redis down #$i: Retry-After: 5");
    cmp_ok(time - $t0, '<', 1.5 * $slow, "redis down #$i: answered quickly");
}

$redis->start;
ok(wait_until(sub { post_signed($ng, $body)->{status} == 200 }, 15 * $slow,
              'a 200 after the restart'),
   'redis back on the same port: 200 again');
# every worker is back within the capped backoff (3 s).  Which worker
# takes a request is up to the kernel, so a run of 200s proves nothing
# about the others: wait until Redis sees one connection per worker.
my $ids = wait_worker_conns($redis, 2, 15 * $slow);
ok($ids, 'both workers reconnected');
for my $i (1 .. 6) {
    is(post_signed($ng, $body)->{status}, 200, "after reconnect #$i: 200");
}

my $log = $ng->error_log;
my $fault = qr/(connection lost|connect failed)/;
like($log, qr/\[error\] .*zoomtrack: redis 127\.0\.0\.1:\d+: $fault/,
     'redis fault logged at error');
like($log, qr/zoomtrack: redis 127\.0\.0\.1:\d+: connected again/,
     'reconnection logged');

# WRONGTYPE inside the transaction: it fails → 503, but the connection
# is healthy and stays (no reconnect, no backoff): the same connections
# serve the next request
$redis->cmd('DEL', 'zt:b');
$redis->cmd('SET', 'zt:b', 'not a list');
for my $i (1 .. 4) {
    $r = post_signed($ng, $body);
    is($r->{status}, 503, "EXEC with an error reply #$i: 503");
    is($r->{headers}{'retry-after'}, '5', "EXEC error #$i: Retry-After");
}
like($ng->error_log, qr/zoomtrack: redis .*transaction failed: WRONGTYPE/,
     'EXEC error logged');
is_deeply(worker_conns($redis), $ids,
          'an error reply keeps the connections (same client ids)');
$redis->cmd('DEL', 'zt:b');
for my $i (1 .. 4) {
    is(post_signed($ng, $body)->{status}, 200, "list fixed #$i: 200");
}

# a "redis" that accepts and reads but never answers
my $lsn = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                Listen => 64, ReuseAddr => 1) or die $!;
my $bh = fork // die;
if ($bh == 0) {
    $SIG{CHLD} = 'IGNORE';
    while (my $c = $lsn->accept) {
        next if fork;
        my $buf;
        1 while sysread($c, $buf, 65536);
        POSIX::_exit(0);
    }
    POSIX::_exit(0);
}
END { kill 'KILL', $bh if $bh }

my $ng2 = start_nginx(conf => webhook_conf(
    redis => '127.0.0.1:' . $lsn->sockport, timeout => '500ms'));
for my $i (1 .. 3) {
    my $t0 = time;
    $r = post_signed($ng2, $body, timeout => 10 * $slow);
    my $dt = time - $t0;
    is($r->{status}, 503, "silent redis #$i: 503");
    is($r->{headers}{'retry-after'}, '5', "silent redis #$i: Retry-After");
    cmp_ok($dt, '>=', 0.4, "silent redis #$i: waited for the timeout")
        if $i == 1;
    cmp_ok($dt, '<', 2 * $slow, "silent redis #$i: within ~timeout ($dt s)");
}
like($ng2->error_log, qr/zoomtrack: redis .*: no reply within 500ms/,
     'timeout logged');

ok(index($ng->error_log . $ng2->error_log, SECRET) < 0, 'no secret in logs');

done_testing();
