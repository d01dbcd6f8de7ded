# The cloud sinks' guarantees under failure: a 30-second outage of GCS
# (the emulator stopped with SIGSTOP, so it keeps its objects) and then
# of BigQuery (the double drops every connection) in the middle of a
# stream of meeting events: nothing is lost, no row is duplicated, and the
# other sink keeps storing during each outage.  Then kill -9 of the
# drainer during uploads: after a restart every event is in GCS and
# BigQuery exactly once.  ZT_OUTAGE_S shortens the outages.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time sleep);
use ZtTest;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;
my $emu = start_gcs_emulator()
    or BAIL_OUT("GCS emulator: $ZtGoogle::EMU_ERROR");

my $OUT = $ENV{ZT_OUTAGE_S} // 30;
my $tmp = tmp_dir();
my $redis = start_redis();
my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            gcs_upstream => $emu->url, gcs_auth => 1);
my $B = 'zt-bucket';

my $conf = ZtDrain::write_conf("$tmp/d.conf", data_dir => "$tmp/d",
    redis => $redis->address, timezone => 'UTC',
    'archive.backend' => 'gcs', 'archive.bucket' => $B,
    'archive.uploads_in_flight' => 8,
    'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
    'status.enabled' => 'no',
    'google.credentials_file' => $key->{file},
    'google.storage_endpoint' => $g->url,
    'google.bigquery_endpoint' => $g->url, 'google.timeout_ms' => 3000);
local $ENV{GOOGLE_APPLICATION_CREDENTIALS} = '';
local $ENV{STORAGE_EMULATOR_HOST} = '';

my ($rc, $out) = run_zoomtrack(['setup', '-c', $conf]);
is($rc, 0, 'setup') or diag($out);

my @Q = ('zoomtrack:archive', 'zoomtrack:warehouse');
my $run = 0x630;
my %all;

sub push_batch {
    my ($n) = @_;
    my ($recs, $ids) = ZtDrain::make_records($n, run => $run++);
    ZtDrain::push_records($redis->port, \@Q, $recs);
    $all{$_} = 1 for @$ids;
}

sub n_objects { scalar($emu->list($B, 'raw/')) }
sub bq_ids {
    my %s;
    $s{$_->{event_id}}++ for @{ $g->rows('zoom_tracker.raw_events', 'event_id') };
    return \%s;
}

my $log = "$tmp/drain.log";
my $pid = ZtDrain::start_drain($conf, $log);

push_batch(100);
ok(ZtTest::wait_until(sub { n_objects() == 100
                            && keys(%{ bq_ids() }) == 100 }, 60, 'first 100'),
   'first 100 events in GCS and BigQuery');

# ------------------------------------------------------------ GCS outage

$emu->pause;
my $t0 = time;
push_batch(60);
ok(ZtTest::wait_until(sub { keys(%{ bq_ids() }) == 160 }, $OUT, 'bq during gcs outage'),
   'BigQuery keeps storing while GCS is down');
push_batch(40);
sleep 0.1 while time < $t0 + $OUT;
$emu->resume;
ok(ZtTest::wait_until(sub { n_objects() == 200 }, 90, '200 objects'),
   "after a ${OUT}s GCS outage every object is stored");
like(ZtTest::slurp($log), qr/\[sink:archive\] could not store a batch .*: \d+ of \d+ uploads .*failed and will be retried/,
     'the outage was seen and retried');

# ------------------------------------------------------------ BigQuery outage

$g->faults([ { on => 'bq', type => 'down', count => -1 } ]);
$t0 = time;
push_batch(60);
ok(ZtTest::wait_until(sub { n_objects() == 260 }, $OUT, 'gcs during bq outage'),
   'GCS keeps storing while BigQuery is down');
push_batch(40);
sleep 0.1 while time < $t0 + $OUT;
$g->faults([]);
ok(ZtTest::wait_until(sub { keys(%{ bq_ids() }) == 300 }, 90, '300 rows'),
   "after a ${OUT}s BigQuery outage every row is stored");

my $ids = bq_ids();
is(scalar(grep { $_ > 1 } values %$ids), 0, 'no duplicate rows');
is(scalar(grep { !$ids->{$_} } keys %all), 0, 'no event missing from BigQuery');

# ------------------------------------------------------------ kill -9

push_batch(600);
ok(ZtTest::wait_until(sub { n_objects() > 320 }, 60, 'uploads under way'),
   'uploads under way');
kill 'KILL', $pid;
ZtDrain::wait_exit($pid, 10);
my $mid = n_objects();
diag("killed with $mid of 900 objects stored");

$pid = ZtDrain::start_drain($conf, $log);
ok(ZtTest::wait_until(sub { n_objects() == 900 && keys(%{ bq_ids() }) == 900 },
                      120, '900'),
   'after kill -9 and a restart: 900 objects and 900 events');
kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 30), 0, 'drain exits 0');

$ids = bq_ids();
is(scalar(grep { $_ > 1 } values %$ids), 0, 'no duplicate rows after kill -9');
my %obj = map { m{/([^/]+)\.json$}; ($1 => 1) } $emu->list($B, 'raw/');
is(scalar(grep { !$obj{$_} } keys %all), 0, 'every event has its object');
is(scalar(grep { !$ids->{$_} } keys %all), 0, 'and its row');
for my $q (@Q) {
    is($redis->llen($q) + $redis->llen("$q:processing:test")
       + $redis->llen("$q:dead"), 0, "$q drained, nothing dead");
}

my $l = ZtTest::slurp($log);
unlike($l, qr/ya29\.|Bearer|eyJ[A-Za-z0-9_-]{10,}/, 'no token or JWT in the log');

done_testing();
