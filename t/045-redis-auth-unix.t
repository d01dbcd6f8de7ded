# Redis with requirepass: AUTH from zoomtrack_redis_password_file works, a
# wrong password gives 503 (our fault, not the client's) with the AUTH
# failure logged and the password never; a unix: socket address works.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use Test::More;
use Time::HiRes qw(time);
use ZtTest;
use ZtWebhook;

my $dir = tmp_dir();
my $pw = 'redis-pass-do-not-log';
spit("$dir/pw-good", "$pw\n");
spit("$dir/pw-bad", "wrong-pass-do-not-log\n");

my $redis = start_redis(password => $pw);

my $body = payload('meeting.participant_joined');

my $good = start_nginx(conf => webhook_conf(
    redis => $redis->address,
    extra => "    zoomtrack_redis_password_file $dir/pw-good;\n"));
my $r = post_signed($good, $body);
is($r->{status}, 200, 'AUTH with the right password: 200');
is($redis->llen('zt:a'), 1, 'AUTH: queued');

my $bad = start_nginx(conf => webhook_conf(
    redis => $redis->address,
    extra => "    zoomtrack_redis_password_file $dir/pw-bad;\n"));
$r = post_signed($bad, $body);
is($r->{status}, 503, 'wrong password: 503');
is($r->{headers}{'retry-after'}, '5', 'wrong password: Retry-After');
ok(wait_until(sub { $bad->error_log =~ /zoomtrack: redis .*AUTH failed/ }, 5),
   'AUTH failure logged');

# a refused AUTH is a failed connection: the workers back off (100 ms
# doubling to 3 s) instead of reconnecting at once, and log it once each.
# Counted on one connection of ours, until the workers (2, or the single
# process under valgrind) have connected 8 more times: 4 times one of them
# at least, which its backoff spaces by 100 + 200 + 400 ms at the least
# (reconnecting at once: milliseconds)
{
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $redis->port, Timeout => 5)
        or die "redis: $!";
    my $cmd = sub {
        my $req = '*' . @_ . "\r\n";
        $req .= '$' . length($_) . "\r\n$_\r\n" for @_;
        print $s $req;
        return ZtTest::Redis::_read_reply($s);
    };
    $cmd->('AUTH', $pw);
    my $conns = sub {
        my ($n) = $cmd->('INFO', 'stats') =~ /total_connections_received:(\d+)/;
        return $n;
    };
    my $c0 = $conns->();
    my $t0 = time;
    ok(wait_until(sub { $conns->() - $c0 >= 8 }, 30, '8 connections'),
       'wrong password: the workers keep trying');
    my $dt = time - $t0;
    my $made = $conns->() - $c0;
    close $s;
    cmp_ok($dt, '>=', 0.7,
           sprintf('wrong password: %d connections by the workers took %.2fs',
                   $made, $dt));
    my @lines = $bad->error_log =~ /(AUTH failed)/g;
    cmp_ok(scalar @lines, '<=', 2, 'AUTH failure logged once per worker')
        or diag(scalar @lines . ' lines');
    unlike($bad->error_log, qr/connected again/,
           'a refused AUTH is not "connected"');
}

my $none = start_nginx(conf => webhook_conf(redis => $redis->address));
$r = post_signed($none, $body);
is($r->{status}, 503, 'no password for a protected redis: 503');

for my $ng ($good, $bad, $none) {
    my $log = $ng->error_log;
    ok(index($log, $pw) < 0 && index($log, 'wrong-pass') < 0
       && index($log, SECRET) < 0, 'no password or secret in the log');
}
unlike($good->error_log, qr/\[error\]/, 'good password: no [error]');

# unix socket
my $sock = "$dir/redis.sock";
my $ur = start_redis(args => ['--unixsocket', $sock,
                              '--unixsocketperm', '777']);
my $ung = start_nginx(conf => webhook_conf(redis => "unix:$sock"));
$r = post_signed($ung, $body);
is($r->{status}, 200, 'unix socket: 200');
is($ur->llen('zt:a'), 1, 'unix socket: queued');
error_log_clean($ung, 'unix socket');

done_testing();
