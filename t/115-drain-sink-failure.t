# One failing sink does not hold up the others.  The archive root is put
# under a regular file, so mkdir fails even for root; the warehouse (and
# status) keep draining while the archive retries its batch with backoff.
# Once the path is fixed the archive catches up: nothing lost, nothing
# dead-lettered.  Also: SIGHUP does not stop the drainer, SIGTERM ends it
# with exit 0.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
plan skip_all => "$bin not built (make zoomtrack)" unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $data = "$tmp/data";
my $log = "$tmp/drain.log";
my $blocker = "$tmp/archive";
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               'archive.dir' => "$blocker/raw");
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
like($text, qr/\[sink:archive\] cannot create "\Q$blocker\E\/raw": Not a directory/,
     'the cause is logged');
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
unlike(ZtTest::slurp($log), qr/\[error\] (?!\[sink:archive\] cannot create)/,
       'no other [error] lines');

done_testing();
