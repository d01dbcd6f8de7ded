# The cloud sinks' guarantees under failure: an outage of GCS (the
# emulator stopped with SIGSTOP, so it keeps its objects) and then of
# BigQuery (the double drops every connection) in the middle of a stream
# of meeting events, each lasting until the other sink has stored
# everything and the log shows the failing sink retrying: nothing is lost,
# no row is duplicated, and the other sink keeps storing during each
# outage.  Then kill -9 of the drainer during uploads: after a restart
# every event is in GCS and BigQuery exactly once.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use ZtTest;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;
my $emu = start_gcs_emulator()
    or BAIL_OUT("GCS emulator: $ZtGoogle::EMU_ERROR");

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

# the highest attempt at a batch $sink logged failing since $mark (a length
# of the log): the engine logs each step of its backoff, then every tenth
sub failed_attempt {
    my ($sink, $mark) = @_;
    my @n = substr(ZtTest::slurp($log) // '', $mark)
        =~ /\[sink:$sink\] could not store a batch .*\(attempt (\d+)\)/g;
    my $max = 0;
    $max = $max > $_ ? $max : $_ for @n;
    return $max;
}
sub log_mark { length(ZtTest::slurp($log) // '') }

push_batch(100);
ok(ZtTest::wait_until(sub { n_objects() == 100
                            && keys(%{ bq_ids() }) == 100 }, 60, 'first 100'),
   'first 100 events in GCS and BigQuery');

# ------------------------------------------------------------ GCS outage

# each of the 60 uploads times out (3 s, 8 at a time): the first failed
# attempt is logged some 24 s into the outage
my $mark = log_mark();
$emu->pause;
my $t0 = time;
push_batch(60);
ok(ZtTest::wait_until(sub { keys(%{ bq_ids() }) == 160 }, 60, 'bq during gcs outage'),
   'BigQuery keeps storing while GCS is down');
push_batch(40);
ok(ZtTest::wait_until(sub { keys(%{ bq_ids() }) == 200
                            && failed_attempt('archive', $mark) >= 1 },
                      90, 'gcs retrying'),
   'BigQuery stores the next 40 too, and the archive sink retries')
    or diag(ZtTest::slurp($log));
like(substr(ZtTest::slurp($log), $mark), qr/\[sink:archive\] could not store a batch .*: \d+ of \d+ uploads .*failed and will be retried/,
     'the outage was seen and retried');
my $dt = time - $t0;
$emu->resume;
ok(ZtTest::wait_until(sub { n_objects() == 200 }, 90, '200 objects'),
   sprintf('after a %.0f s GCS outage every object is stored', $dt));

# ------------------------------------------------------------ BigQuery outage

# dropped connections fail at once: the outage lasts until the warehouse
# sink has logged its 21st failed attempt (its backoff capped since the 5th)
$mark = log_mark();
$g->faults([ { on => 'bq', type => 'down', count => -1 } ]);
$t0 = time;
push_batch(60);
ok(ZtTest::wait_until(sub { n_objects() == 260 }, 60, 'gcs during bq outage'),
   'GCS keeps storing while BigQuery is down');
push_batch(40);
ok(ZtTest::wait_until(sub { n_objects() == 300
                            && failed_attempt('warehouse', $mark) >= 21 },
                      90, 'bq retrying'),
   'GCS stores the next 40 too, and the warehouse sink retries')
    or diag(ZtTest::slurp($log));
is(scalar(keys %{ bq_ids() }), 200, 'no row stored while BigQuery was down');
$dt = time - $t0;
$g->faults([]);
ok(ZtTest::wait_until(sub { keys(%{ bq_ids() }) == 300 }, 90, '300 rows'),
   sprintf('after a %.0f s BigQuery outage every row is stored', $dt));

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
