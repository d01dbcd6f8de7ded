# scripts/run, what `make run` starts: redis, nginx with the module and the
# drainer, from nothing to a working stack, then an orderly stop.  Runs the
# script from a checkout in a private (0700) directory with its own ports,
# as a newcomer who cloned into their home runs `make run` and the
# `zoomtrack simulate` line it prints.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use POSIX ();
use Test::More;
use ZtRun;
use ZtTest;

# the script runs the regular build: the sanitizer and valgrind passes of
# `make test` cover its components through the other files
plan skip_all => 'scripts/run uses the regular build'
    if $ENV{ZT_VALGRIND} || $ENV{ZT_SANITIZE};

BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $co = private_checkout();
my $var = "$co/var";
is((stat("$co/..")) [2] & 0777, 0700, 'the checkout is in a private dir');
my ($port, $rport) = (free_port(), free_port());
# a newcomer's usual umask: the script must not leave var/ open to others
umask 022;
# the seeded meetings below are from January: keep them on the board
my ($pid, $log) = start_run($co, PORT => $port, REDIS_PORT => $rport,
                            ZOOMTRACK_STATUS_KEEP_HOURS => 100000);
# the second terminal is in the checkout too (data_dir = ./var)
chdir $co or die;

my $status_url = "http://127.0.0.1:$port/zoomtrack/status";
ok(wait_until(sub { http()->get($status_url)->{status} == 200 }, 60,
              'the stack'), 'stack answers on its port')
    or diag(slurp($log));

like(slurp($log), qr/zoomtrack simulate --url http:\/\/127\.0\.0\.1:$port/,
     'prints the simulate line');
ok(-s "$var/webhook-secret", 'secret generated');
is((stat("$var/webhook-secret"))[2] & 0777, 0600, 'secret is private');
like(slurp("$var/zoomtrack.conf"), qr{^data_dir = \./var$}m,
     'config made from conf/zoomtrack.conf');

my ($rc, $out, $err) = run_zoomtrack([
    'simulate', '--url', "http://127.0.0.1:$port/webhook",
    '--secret-file', "$var/webhook-secret", '--participants', 6,
    '--rooms', 2, '--minutes', 20, '--seed', 5, '--duplicates', 0.2]);
is($rc, 0, 'simulate delivered everything') or diag($err);
my $sim = json_decode_ok($out);
my $unique = $sim ? $sim->{unique_events} : -1;

my $csv = "$var/_data/zoom-room-dashboard.csv";
ok(wait_until(sub {
    my @f = glob("$var/raw/*/*.json");
    my $c = slurp($csv) // '';
    my $rows = () = $c =~ /\n/g;
    return @f == $unique && $rows == 1 + @{ $sim->{participants} };
}, 30, 'archive and CSV'), "archive has the $unique events, CSV a row each");

my $r = http()->get("http://127.0.0.1:$port/_data/zoom-room-dashboard.csv");
is($r->{status}, 200, 'CSV served')
    or diag(slurp("$var/nginx/error.log"));
is($r->{headers}{'cache-control'}, 'no-store', 'CSV not cached');
is($r->{headers}{'content-type'}, 'text/csv; charset=utf-8', 'CSV is text/csv');
ok(!exists $r->{headers}{'access-control-allow-origin'},
   'no CORS unless CORS_ORIGIN= names a site (the CSV holds names)');
# nginx's workers reach the page and the CSV in the private checkout
my $page = http()->get("http://127.0.0.1:$port/");
is($page->{status}, 200, 'page served') or diag(slurp("$var/nginx/error.log"));
like($page->{content}, qr/<html/i, 'page is the HTML page');
$r = http()->get("http://127.0.0.1:$port/_data/zoom-room-timeline.json");
is($r->{status}, 200, 'timeline JSON served');
is($r->{headers}{'content-type'}, 'application/json', 'as JSON');
like($r->{content}, qr/"heartbeat_s":30/, 'with its heartbeat');
like($page->{content}, qr/board\.js/, 'the room board');
like(http()->get("http://127.0.0.1:$port/board.js")->{content},
     qr/textContent/, 'and its script');

($rc, $out, $err) = run_zoomtrack(['report', '-c', "$var/zoomtrack.conf",
                                   '--date', $sim->{participants} ? do {
                                       my @t = gmtime($sim->{start_ms} / 1000);
                                       POSIX::strftime('%Y-%m-%d', @t) } : '']);
is($rc, 0, 'report from a second terminal') or diag($err);
like($out, qr/6 people/, 'report summary') or diag($out);

# Redis's append-only file, nginx's logs, the spool and every folder of
# var/ are the user's alone, whatever the umask `make run` was run with
{
    my @open;
    my @walk = ($var);
    while (defined(my $p = shift @walk)) {
        push @open, sprintf('%s %04o', $p, (lstat $p)[2] & 07777)
            if -e $p && !-l $p && ((lstat $p)[2] & 077);
        push @walk, glob("$p/* $p/.[!.]*") if -d $p && !-l $p;
    }
    ok(-e "$var/redis/appendonlydir" || -e "$var/redis/appendonly.aof",
       'Redis keeps its append-only file under var/redis');
    is_deeply(\@open, [],
              'nothing under var/ readable by group or others')
        or diag(join("\n", @open));
}

# what Ctrl-C does: the script's trap stops the three in order
my $st = stop_run($pid);
is($st >> 8, 0, 'run exits 0 when stopped');
like(slurp($log), qr/run: stopped/, 'orderly stop');
ok(!ZtTest::port_open($port), 'nginx gone');
ok(!ZtTest::port_open($rport), 'redis gone');
is(scalar(drain_pids("$var/zoomtrack.conf")), 0, 'drainer gone');

# a second `make run REDIS_PORT=...`: var/zoomtrack.conf exists, and the
# commands README shows with -c var/zoomtrack.conf must reach the new Redis
my ($port2, $rport2) = (free_port(), free_port());
($pid, $log) = start_run($co, PORT => $port2, REDIS_PORT => $rport2);
ok(wait_until(sub { http()->get("http://127.0.0.1:$port2/zoomtrack/status")
                    ->{status} == 200 }, 60, 'the second stack'),
   'second run answers on its port') or diag(slurp($log));
like(slurp("$var/zoomtrack.conf"), qr/^address = 127\.0\.0\.1:$rport2$/m,
     'the config follows REDIS_PORT=');
ok(wait_until(sub {
    ($rc, $out, $err) = run_zoomtrack(['status', '-c', "$var/zoomtrack.conf"]);
    $rc == 0 }, 30, 'status'), 'status reaches the new Redis')
    or diag("$out$err");
is(stop_run($pid) >> 8, 0, 'second run stops');

unlike(slurp("$var/nginx/nginx.conf"), qr/zoomtrack:chat/,
       'no chat queue while [chat] is off');

# [chat] enabled in var/zoomtrack.conf, as README "Chat notifications" says:
# the nginx config make run writes afresh pushes to the chat queue too, and
# the chat sink hears the meeting
{
    my $c = slurp("$var/zoomtrack.conf");
    $c =~ s/^(\[chat\]\n(?:#.*\n)*)enabled = no$/${1}enabled = yes   ; say it/m
        or die 'no [chat] enabled line in var/zoomtrack.conf';
    spit("$var/zoomtrack.conf", $c);
    my ($p3, $r3) = (free_port(), free_port());
    ($pid, $log) = start_run($co, PORT => $p3, REDIS_PORT => $r3,
                             ZOOMTRACK_STATUS_KEEP_HOURS => 100000,
                             ZOOMTRACK_CHAT_URL => 'http://127.0.0.1:1/hook');
    ok(wait_until(sub { http()->get("http://127.0.0.1:$p3/zoomtrack/status")
                        ->{status} == 200 }, 60, 'the chat stack'),
       'a run with [chat] on answers') or diag(slurp($log));
    like(slurp("$var/nginx/nginx.conf"),
         qr/zoomtrack_queue zoomtrack:archive zoomtrack:warehouse zoomtrack:status zoomtrack:chat;/,
         'nginx pushes to the chat queue too');
    ($rc, $out, $err) = run_zoomtrack([
        'simulate', '--url', "http://127.0.0.1:$p3/webhook",
        '--secret-file', "$var/webhook-secret", '--participants', 2,
        '--rooms', 1, '--minutes', 5, '--seed', 7]);
    is($rc, 0, 'simulate against it') or diag($err);
    my $uuid = (json_decode_ok($out) // {})->{meeting_uuid} // 'none';
    ok(wait_until(sub { (slurp("$var/chat-state.json") // '') =~ /\Q$uuid\E/ },
                  30, 'the chat state'), 'the chat sink heard the meeting')
        or diag(slurp($log));
    is(stop_run($pid) >> 8, 0, 'the chat run stops');
}

# ------------------- an unprivileged user, the clone in its 0700 home
SKIP: {
    skip 'needs root to become another user', 5 unless $> == 0;
    chdir '/';
    my $uco = private_checkout(user => 'nobody');
    my $uvar = "$uco/var";
    is((stat("$uco/..")) [2] & 0777, 0700, 'a 0700 home owned by the user');
    my ($p2, $r2) = (free_port(), free_port());
    my ($upid, $ulog) = start_run($uco, PORT => $p2, REDIS_PORT => $r2,
                                  RUN_AS => 'nobody');
    ok(wait_until(sub { http()->get("http://127.0.0.1:$p2/zoomtrack/status")
                        ->{status} == 200 }, 60, 'the user\'s stack'),
       'stack up as an unprivileged user') or diag(slurp($ulog));
    is(http()->get("http://127.0.0.1:$p2/")->{status}, 200,
       'page served from the private home')
        or diag(slurp("$uvar/nginx/error.log"));
    ok(wait_until(sub { -e "$uvar/_data/zoom-room-dashboard.csv"
                        || do { run_zoomtrack([
                            'simulate', '--url', "http://127.0.0.1:$p2/webhook",
                            '--secret-file', "$uvar/webhook-secret",
                            '--participants', 2, '--rooms', 1, '--minutes', 3]);
                            0 } }, 30, 'CSV'), 'the drainer wrote the CSV');
    is(http()->get("http://127.0.0.1:$p2/_data/zoom-room-dashboard.csv")
       ->{status}, 200, 'CSV served from the private home');
    stop_run($upid);
}

done_testing();
