# Signals: SIGTERM and SIGINT end an idle drainer (blocked in BLMOVE) at
# once with exit 0; SIGTERM under load finishes and acks the batch in
# hand (processing lists empty, stored = taken); SIGHUP reopens log_file
# (rotation) and keeps running.

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
my $alog = "$tmp/zt.log";
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               'drain.block_ms' => 5000,
                               'status.enabled' => 'no');
my $db = "$data/zoomtrack.db";

# ------------------------------------------------------- idle: TERM, INT

for my $sig (qw(TERM INT)) {
    my $out = "$tmp/idle-$sig.log";
    my $pid = ZtDrain::start_drain($conf, $out);
    ok(wait_until(sub { (ZtTest::slurp($out) // '') =~ /drain: started/
                        && $redis->cmd('CLIENT', 'LIST') =~ /cmd=blmove/ },
                  10), "idle drainer waits in BLMOVE ($sig)");
    my $t = time;
    kill $sig, $pid;
    is(ZtDrain::wait_exit($pid, 10), 0, "SIG$sig: exit 0");
    cmp_ok(time - $t, '<', 1, "SIG$sig: within a second despite block_ms 5000");
}

# ------------------------------------------------------- TERM under load

my ($recs) = ZtDrain::make_records(20000);
ZtDrain::push_records($redis->port, [ 'zoomtrack:warehouse' ], $recs);
my $out = "$tmp/load.log";
my $pid = ZtDrain::start_drain($conf, $out);
ok(wait_until(sub { ZtDrain::db_count($db) > 0 }, 20), 'draining');
kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 10), 0, 'SIGTERM under load: exit 0');
is($redis->llen('zoomtrack:warehouse:processing:test'), 0,
   'the batch in hand was finished and acked');
my $stored = ZtDrain::db_count($db);
is($stored + $redis->llen('zoomtrack:warehouse'), 20000,
   "stored ($stored) + still queued = all");
like(ZtTest::slurp($out), qr/stored $stored record/, 'final count logged');

# ------------------------------------------------------------ HUP

my $hconf = ZtDrain::write_conf("$tmp/hup.conf", data_dir => $data,
                                redis => $redis->address,
                                'status.enabled' => 'no');
ZtTest::spit($hconf, "log_file = $alog\n" . ZtTest::slurp($hconf));
$pid = ZtDrain::start_drain($hconf, "$tmp/hup.stderr");
ok(wait_until(sub { (ZtTest::slurp($alog) // '') =~ /drain: started/ }, 10),
   'logs to log_file');
rename $alog, "$alog.1" or die;
kill 'HUP', $pid;
ok(wait_until(sub { (ZtTest::slurp($alog) // '') =~ /SIGHUP: log reopened/ },
              10), 'SIGHUP reopens log_file after rotation');
ok(kill(0, $pid), 'still running');
# valgrind runs the drainer some 30 times slower
ok(wait_until(sub { ZtDrain::db_count($db) == 20000 },
              $ENV{ZT_VALGRIND} ? 300 : 30), 'and still draining');
kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 10), 0, 'exit 0');
unlike(ZtTest::slurp($alog), qr/\[error\]/, 'no [error] lines');

done_testing();
