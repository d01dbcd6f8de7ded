# One failing sink does not hold up the others.  The archive root is put
# under a regular file, so mkdir fails even for root; the warehouse (and
# status) keep draining while the archive retries its batch with backoff.
# Once the path is fixed the archive catches up: nothing lost, nothing
# dead-lettered.  The failure is logged once per backoff step, not once
# per attempt, and shows in the counters: DATA/drain-status.json and
# `zoomtrack status`, which exits 1 while a sink has been failing for longer
# than [drain] alert_after_s.  Also: SIGHUP does not stop the drainer,
# SIGTERM ends it with exit 0.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $data = "$tmp/data";
my $log = "$tmp/drain.log";
my $blocker = "$tmp/archive";
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               'archive.dir' => "$blocker/raw",
                               'drain.alert_after_s' => 1);
my $db = "$data/zoomtrack.db";
my @lists = map { "zoomtrack:$_" } ZtDrain::sinks();

ZtTest::spit($blocker, "a file where a directory should be\n");

my ($recs, $ids) = ZtDrain::make_records(600);
ZtDrain::push_records($redis->port, \@lists, [ @{$recs}[0 .. 299] ]);

my $pid = ZtDrain::start_drain($conf, $log);

ok(wait_until(sub { ZtDrain::db_count($db) == 300 }, 20),
   'warehouse stores everything while the archive fails');

# more traffic during the failure
ZtDrain::push_records($redis->port, \@lists, [ @{$recs}[300 .. 599] ]);
ok(wait_until(sub { ZtDrain::db_count($db) == 600 }, 20),
   'and keeps up with new records');
if (grep { $_ eq 'zoomtrack:status' } @lists) {
    ok(wait_until(sub { $redis->llen('zoomtrack:status') == 0 }, 20),
       'status drains too');
}

ok(wait_until(sub { (ZtTest::slurp($log) // '') =~
                    /could not store a batch.*attempt 3/ }, 20),
   'archive retries its batch with backoff');
my $text = ZtTest::slurp($log);
like($text, qr/\[sink:archive\] could not store a batch .*: cannot create "\Q$blocker\E\/raw": Not a directory/,
     'the cause is logged');

# the counters: written every second, read by `zoomtrack status`
my $status = "$data/drain-status.json";
my $st;
ok(wait_until(sub {
       $st = ZtTest::json_decode_ok(ZtTest::slurp($status) // '');
       my ($a) = grep { $_->{name} eq 'archive' } @{ $st->{sinks} || [] };
       # failing for longer than alert_after_s (1 s): the backoff is
       # jittered, so a retry count alone says nothing about the time
       $a && $a->{state} eq 'retrying' && $a->{retries} >= 12
          && $a->{failing_since_ms}
          && time * 1000 - $a->{failing_since_ms} > 1500 }, 20),
   'drain-status.json: archive retrying, retries counted');
my %by = map { $_->{name} => $_ } @{ $st->{sinks} };
like($by{archive}{last_error}, qr/cannot create "\Q$blocker\E\/raw"/,
     'drain-status.json: the last error');
ok($by{archive}{failing_since_ms} > 0, 'drain-status.json: failing since');
is($by{warehouse}{state}, 'ok', 'drain-status.json: the warehouse is ok');
is($by{warehouse}{last_error}, undef, 'drain-status.json: with no error');
is($by{archive}{lease_holder}, $by{warehouse}{lease_holder},
   'drain-status.json: the lease holder is this drainer');
like($by{archive}{lease_holder}, qr/:$pid$/, 'named host:pid');
is((stat $status)[2] & 0777, 0600, 'drain-status.json is owner-only');

my $lines = () = ZtTest::slurp($log) =~ /\[sink:archive\] could not store/g;
my $retries = $by{archive}{retries};
cmp_ok($lines, '<=', 5 + int($retries / 10) + 1,
       "retries logged once per backoff step ($lines lines, $retries "
       . 'retries)');

my ($src, $sout, $serr) = run_zoomtrack(['status', '-c', $conf]);
is($src, 1, 'zoomtrack status exits 1: the archive fails for > 1 s')
    or diag($sout, $serr);
like($sout, qr/^archive\s+retrying\s+stored 0\s+dead-lettered 0\s+queue \d+\s+processing \d+\s+last error \d+s ago: cannot create/m,
     'status: the archive line');
like($sout, qr/^warehouse\s+ok\s+stored \d+\s+dead-lettered 0\s+queue \d+\s+processing \d+$/m,
     'status: the warehouse line');
like($sout, qr/^ALERT: sink archive has been failing for \d+ s$/m,
     'status: says why it alerts');
($src, $sout) = run_zoomtrack(['status', '-c', $conf, '--json']);
my $j = ZtTest::json_decode_ok($sout);
ok($j && $j->{alert}, 'status --json: alert');
my ($ja) = grep { $_->{name} eq 'archive' } @{ $j->{sinks} || [] };
is($ja->{queue_length} + $ja->{processing_length}, 600,
   'status --json: live queue and processing lengths');
ok($redis->llen('zoomtrack:archive') + $redis->llen(
   'zoomtrack:archive:processing:test') == 600, 'archive records wait in Redis');
is($redis->llen('zoomtrack:archive:dead'), 0, 'nothing dead-lettered');

# SIGHUP: reopens the log, keeps running
kill 'HUP', $pid;
ok(wait_until(sub { (ZtTest::slurp($log) // '') =~ /SIGHUP: log reopened/ },
              10), 'SIGHUP handled');
ok(kill(0, $pid), 'still running after SIGHUP');

# fix it: the archive catches up
unlink $blocker;
ok(wait_until(sub { ZtDrain::archive_files("$blocker/raw") == 600 }, 30),
   'archive catches up once fixed');
like(ZtTest::slurp($log), qr/\[sink:archive\] stored the batch after \d+ failed/,
     'recovery is logged');
ok(wait_until(sub {
       my ($rc) = run_zoomtrack(['status', '-c', $conf]); $rc == 0 }, 10),
   'zoomtrack status exits 0 once every sink is well');
# the counters file is rewritten once a second
ok(wait_until(sub {
       ($src, $sout) = run_zoomtrack(['status', '-c', $conf]);
       $sout =~ /^archive\s+ok\s+stored 600\s+dead-lettered 0\s+queue 0\s+processing 0\s+last error \d+s ago/m }, 10),
   'status: the archive caught up, its last error still shown')
    or diag($sout);

my %have = map { m{/([^/]+)\.json$}; ($1 => 1) }
           ZtDrain::archive_files("$blocker/raw");
is(scalar(grep { !$have{$_} } @$ids), 0, 'every record archived');
is(ZtDrain::db_count($db), 600, 'warehouse has each record once');

for my $l (@lists) {
    ok(wait_until(sub { $redis->llen($l) + $redis->llen("$l:processing:test")
                        == 0 }, 10), "$l fully acked");
    is($redis->llen("$l:dead"), 0, "$l:dead empty");
}

# SIGTERM: prompt, clean exit
my $t = time;
kill 'TERM', $pid;
my $rc = ZtDrain::wait_exit($pid, 10);
is($rc, 0, 'SIGTERM: exit 0');
cmp_ok(time - $t, '<', 2, 'promptly');
unlike(ZtTest::slurp($log), qr/\[error\]/,
       'no [error] lines: a failing sink retries at [warn]');
($src, $sout) = run_zoomtrack(['status', '-c', $conf]);
is($src, 1, 'status exits 1 once the drainer has stopped');
like($sout, qr/^ALERT: the drainer has stopped$/m, 'and says so');

done_testing();
