# Failures that must not block or drop.
#
# A record the warehouse rejects (here a trigger raises a constraint error
# for one participant) does not hold its batch hostage: the batch is
# stored in parts, the good records land, the bad one is dead-lettered
# with the database's reason, and --once ends with exit 0.
#
# A whole-sink failure (the archive under a regular file) is never
# dropped: with --once the drainer gives up after [drain] max_attempts
# and exits 1 with the reason, leaving the batch in its processing list.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use Time::HiRes qw(time);
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();

# ------------------------------------------------ a record the db rejects

my $data = "$tmp/data";
my $db = "$data/zoomtrack.db";
my $conf = ZtDrain::write_conf("$tmp/split.conf", data_dir => $data,
                               redis => $redis->address,
                               'drain.batch_size' => 64,
                               'archive.enabled' => 'no',
                               'status.enabled' => 'no');

# the schema first, then a trigger that refuses one participant
my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
is($rc, 0, 'empty run creates the warehouse') or diag($err);
ZtDrain::sql($db, "CREATE TRIGGER zt_test_reject BEFORE INSERT ON "
    . "raw_events WHEN NEW.participant_name = 'Person 37' BEGIN "
    . "SELECT RAISE(ABORT, 'test: this row is refused'); END;");
like(ZtDrain::sql($db, "SELECT name FROM sqlite_master WHERE "
                       . "type = 'trigger'"), qr/zt_test_reject/,
     'trigger in place');

my ($recs, $ids) = ZtDrain::make_records(100);
ZtDrain::push_records($redis->port, ['zoomtrack:warehouse'], $recs);

my $t0 = time;
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once'],
                                  timeout => 60);
is($rc, 0, 'a rejected record does not stop --once') or diag($err);
cmp_ok(time - $t0, '<', 30, 'and it does not retry for long');

is(ZtDrain::db_count($db), 99, 'the 99 good records are stored');
is(ZtDrain::sql($db, "SELECT count(*) FROM raw_events WHERE event_id = "
                     . "'$ids->[37]'"), 0, 'the refused one is not');

my @dead = ZtDrain::dead_entries($redis, 'zoomtrack:warehouse');
is(scalar(@dead), 1, 'exactly one record dead-lettered');
like($dead[0]{reason} // '', qr/test: this row is refused/,
     'with the database\'s reason');
is(eval { decode_json($dead[0]{record})->{event_id} } // '', $ids->[37],
   'the dead letter holds the refused record');
is($dead[0]{sink}, 'warehouse', 'and names the sink');
is($redis->llen('zoomtrack:warehouse'), 0, 'queue drained');
is($redis->llen('zoomtrack:warehouse:processing:test'), 0,
   'processing list empty');
like($err, qr/failed on a record .*storing it in parts/,
     'the split is logged');
unlike($err, qr/\[error\]/, 'no [error] line: a record error is not a '
       . 'sink failure');

# ------------------------------------------------ a sink that cannot work

my $data2 = "$tmp/data2";
my $blocker = "$tmp/blocker";
ZtTest::spit($blocker, "a file where a directory should be\n");
my $conf2 = ZtDrain::write_conf("$tmp/fail.conf", data_dir => $data2,
                                redis => $redis->address,
                                'drain.batch_size' => 32,
                                'drain.max_attempts' => 4,
                                'archive.dir' => "$blocker/raw",
                                'warehouse.enabled' => 'no',
                                'status.enabled' => 'no');
my ($recs2) = ZtDrain::make_records(50);
ZtDrain::push_records($redis->port, ['zoomtrack:archive'], $recs2);

$t0 = time;
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf2, '--once'],
                                  timeout => 60);
is($rc, 1, '--once with a sink that cannot work exits 1');
cmp_ok(time - $t0, '<', 30, 'promptly');
like($err, qr/\[sink:archive\] giving up after 4 attempt\(s\): cannot create "\Q$blocker\E\/raw": Not a directory; the batch of 32 record\(s\) stays in "zoomtrack:archive:processing:test"/,
     'the reason is logged');
is($redis->llen('zoomtrack:archive:processing:test'), 32,
   'the batch stays in its processing list');
is($redis->llen('zoomtrack:archive') + 32, 50, 'the rest stays queued');
is($redis->llen('zoomtrack:archive:dead'), 0, 'nothing dead-lettered');
my $n = () = $err =~ /could not store a batch/g;
cmp_ok($n, '<=', 3, "retries logged once per backoff step ($n lines)");

# once fixed, the next run stores everything
unlink $blocker;
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf2, '--once']);
is($rc, 0, 'the next run exits 0 once the cause is fixed') or diag($err);
is(scalar(ZtDrain::archive_files("$blocker/raw")), 50, 'all 50 archived');
is($redis->llen('zoomtrack:archive:processing:test'), 0,
   'processing list empty');

done_testing();
