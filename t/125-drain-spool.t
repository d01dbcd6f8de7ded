# Spool import while Redis is away: the drainer keeps running while Redis
# is down, and once Redis is back it imports DIR/spool-*.ndjson (and a
# *.importing file a crash left behind), skips a file a writer still holds
# locked until it is released, ignores a cut-off last line with a warning,
# and every record reaches every sink.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Fcntl qw(:flock);
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $data = "$tmp/data";
my $spool = "$tmp/spool";
my $log = "$tmp/drain.log";
my @sinks = ZtDrain::sinks();
my @lists = map { "zoomtrack:$_" } @sinks;
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               spool_dir => $spool,
                               'spool.queues' => join(' ', @lists));
my $db = "$data/zoomtrack.db";

my ($recs, $ids) = ZtDrain::make_records(200);
my @leftover = @{$recs}[0 .. 49];
my @first = @{$recs}[50 .. 149];
my @locked = @{$recs}[150 .. 179];
my @late = @{$recs}[180 .. 199];

$redis->stop;

my $pid = ZtDrain::start_drain($conf, $log);
ok(wait_until(sub { (ZtTest::slurp($log) // '') =~ /cannot connect to redis/ },
              10), 'drainer notices Redis is down');

# what the module writes while Redis is down
ZtTest::spit("$spool/spool-0000-1.ndjson.importing",
             join('', map { "$_\n" } @leftover));
ZtTest::spit("$spool/spool-0001-1.ndjson",
             join('', map { "$_\n" } @first) . substr($late[0], 0, 40));
ZtTest::spit("$spool/spool-0002-1.ndjson", join('', map { "$_\n" } @locked));
ZtTest::spit("$spool/other.txt", "not a spool file\n");
open(my $lock, '<', "$spool/spool-0002-1.ndjson") or die;
flock($lock, LOCK_EX) or die "flock: $!";

ok(kill(0, $pid), 'drainer still running without Redis');

$redis->start;

ok(wait_until(sub { ZtDrain::db_count($db) == 150 }, 20),
   'leftover and spooled records stored once Redis is back')
    or diag(ZtTest::slurp($log));
ok(-e "$spool/spool-0002-1.ndjson", 'a locked file is left alone');
ok(!-e "$spool/spool-0001-1.ndjson" && !-e "$spool/spool-0001-1.ndjson.importing"
   && !-e "$spool/spool-0000-1.ndjson.importing", 'imported files are removed');
ok(-e "$spool/other.txt", 'other files are left alone');
like(ZtTest::slurp($log), qr/spool-0001-1\.ndjson\.importing" ends with an incomplete line of 40 byte/,
     'the cut-off last line is reported');

close $lock;
ok(wait_until(sub { ZtDrain::db_count($db) == 180 }, 20),
   'the file is imported once its writer lets go');
ok(!-e "$spool/spool-0002-1.ndjson", 'and removed');

# a file appearing later is picked up by the periodic pass
ZtTest::spit("$spool/spool-0003-1.ndjson", join('', map { "$_\n" } @late));
ok(wait_until(sub { ZtDrain::db_count($db) == 200 }, 20),
   'a later spool file is imported too');

for my $s (@sinks) {
    my $l = "zoomtrack:$s";
    ok(wait_until(sub { $redis->llen($l) + $redis->llen("$l:processing:test")
                        == 0 }, 10), "$l drained");
}
ok(wait_until(sub { ZtDrain::archive_files("$data/raw") == 200 }, 10),
   'archive has all 200');
is(ZtDrain::sql($db, 'SELECT count(DISTINCT event_id) FROM raw_events'), 200,
   'warehouse has all 200, once each');

# importing the same file twice (a crash after the push) is harmless
ZtTest::spit("$spool/spool-0004-1.ndjson", join('', map { "$_\n" } @first));
ok(wait_until(sub { !-e "$spool/spool-0004-1.ndjson" }, 10),
   're-spooled duplicates imported');
ok(wait_until(sub { $redis->llen('zoomtrack:warehouse')
                    + $redis->llen('zoomtrack:warehouse:processing:test')
                    == 0 }, 10), 'and drained');
is(ZtDrain::db_count($db), 200, 'without duplicates');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 10), 0, 'SIGTERM: exit 0');

done_testing();
