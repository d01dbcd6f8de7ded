# scripts/run supervises the drainer as systemd does in production: a
# drainer that dies is restarted (a log line, a backoff) while redis and
# nginx keep serving, and nothing is lost; a configuration the drainer
# refuses stops the whole stack with the drainer's message, every time
# (the old `wait -n` sometimes left nginx and redis running without it).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtRun;
use ZtTest;

plan skip_all => 'scripts/run uses the regular build'
    if $ENV{ZT_VALGRIND} || $ENV{ZT_SANITIZE};

my $co = private_checkout();
my $conf = "$co/var/zoomtrack.conf";
chdir $co or die;

# ---------------------------------------------- a dying drainer is restarted
{
    my ($port, $rport) = (free_port(), free_port());
    my ($pid, $log) = start_run($co, PORT => $port, REDIS_PORT => $rport,
                                CORS_ORIGIN => 'https://board.example.org');
    my $status = "http://127.0.0.1:$port/zoomtrack/status";
    ok(wait_until(sub { http()->get($status)->{status} == 200
                        && drain_pids($conf) == 1 }, 60, 'the stack'),
       'stack up with one drainer') or diag(slurp($log));

    my ($first) = drain_pids($conf);
    kill 'KILL', $first;
    ok(wait_until(sub { slurp($log) =~ /drainer restarted \(pid (\d+)\)/
                        && drain_pids($conf) == 1 }, 30, 'restart'),
       'killed drainer is restarted') or diag(slurp($log));
    like(slurp($log), qr/drainer exited \(status 137\); restarting it in 1s/,
         'the restart is logged with the status and the backoff');
    my ($second) = drain_pids($conf);
    isnt($second, $first, 'a new drainer process');
    is(http()->get($status)->{status}, 200, 'nginx kept running');

    # twice in a row: the backoff doubles
    kill 'KILL', $second;
    ok(wait_until(sub { slurp($log) =~ /restarting it in 2s/ }, 30,
                  'second restart'), 'backoff doubles');
    ok(wait_until(sub { my @p = drain_pids($conf);
                        @p == 1 && $p[0] != $second }, 30, 'third drainer'),
       'restarted again');

    # the restarted drainer carries on: a meeting reaches the CSV
    my ($rc, $out, $err) = run_zoomtrack([
        'simulate', '--url', "http://127.0.0.1:$port/webhook",
        '--secret-file', "$co/var/webhook-secret", '--participants', 4,
        '--rooms', 2, '--minutes', 10]);       # now: live on the board
    is($rc, 0, 'simulate delivered') or diag($err);
    my $sim = json_decode_ok($out) || { participants => [] };
    ok(wait_until(sub {
        my $c = slurp("$co/var/_data/zoom-room-dashboard.csv") // '';
        my $rows = () = $c =~ /\n/g;
        return $rows == 1 + @{ $sim->{participants} };
    }, 30, 'CSV'), 'the restarted drainer drains');

    is(http()->get("http://127.0.0.1:$port/_data/zoom-room-dashboard.csv")
       ->{headers}{'access-control-allow-origin'}, 'https://board.example.org',
       'CORS_ORIGIN= lets that one site read the CSV');

    is(stop_run($pid) >> 8, 0, 'Ctrl-C still stops it cleanly');
    ok(!ZtTest::port_open($port) && !ZtTest::port_open($rport),
       'nginx and redis gone');
    is(scalar(drain_pids($conf)), 0, 'drainer gone');
}

# ------------------------------- a refused configuration stops the stack
# three times: the old script's outcome depended on timing
spit($conf, slurp($conf) . "\n[drain]\nbogus_key = 1\n");
for my $i (1 .. 3) {
    my ($port, $rport) = (free_port(), free_port());
    my ($pid, $log) = start_run($co, PORT => $port, REDIS_PORT => $rport);
    my $st = ZtTest::reap($pid, 30);
    isnt($st, 0, "run $i: exits non-zero on a refused config");
    my $out = slurp($log);
    like($out, qr/bogus_key/, "run $i: the drainer's message is shown");
    like($out, qr/drainer refused its configuration/,
         "run $i: and why the stack stops");
    unlike($out, qr/restarting/, "run $i: no restart loop");
    ok(wait_until(sub { !ZtTest::port_open($port)
                        && !ZtTest::port_open($rport) }, 10, 'ports closed'),
       "run $i: nginx and redis stopped")
        or diag(`ss -ltnp 2>&1 | grep -E ':($port|$rport) '`);
}

done_testing();
