# [warehouse] backend = bigquery against the strict BigQuery double:
# `zoomtrack setup` creates the dataset and tables (idempotent), `check`
# reports each one, the drainer inserts raw_events rows with insertId =
# event_id in requests of at most 500 rows, gcs_path is the gs:// URL;
# partial insertErrors retry only the stopped/backendError rows and
# dead-letter the invalid one with BigQuery's reason; an impossible
# insertErrors (a row named twice or not sent) retries the request; a
# row too big for a request of its own is dead-lettered;
# 500/429 retried;
# a 401 refreshes the token once; a missing table holds the queue and
# says to run setup; the metadata server works in place of a key.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use JSON::PP;
use ZtTest;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            no_dedup => 1);
my $Q = 'zoomtrack:warehouse';
my %ENVX = (GOOGLE_APPLICATION_CREDENTIALS => '', STORAGE_EMULATOR_HOST => '');

sub conf {
    my ($name, %o) = @_;
    return ZtDrain::write_conf("$tmp/$name.conf", data_dir => "$tmp/$name",
        redis => $redis->address, timezone => 'America/Los_Angeles',
        'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
        'archive.enabled' => 'no', 'archive.backend' => 'gcs',
        'archive.bucket' => 'zt-bucket', 'status.enabled' => 'no',
        'google.credentials_file' => $key->{file},
        'google.bigquery_endpoint' => $g->url, %o);
}

sub zt { run_zoomtrack([@_], env => \%ENVX, timeout => 60) }

my $conf = conf('bq');

# ------------------------------------------------------------ setup, check

my ($rc, $out, $err) = zt('check', '-c', $conf);
is($rc, 1, 'check before setup: exit 1');
like($out, qr/warehouse\s+FAILED\s+dataset zt-proj\.zoom_tracker: status 404 .*run `zoomtrack setup`/,
     'check names the missing dataset and the fix');
like($out, qr/google\s+ok\s+service account zt-test\@zt-proj\.iam\.gserviceaccount\.com .*access token issued/,
     'check: credentials ok');
like($out, qr/redis\s+ok/, 'check: redis ok');

($rc, $out, $err) = zt('setup', '-c', $conf);
is($rc, 0, 'setup exits 0') or diag($out, $err);
like($out, qr/^dataset zt-proj\.zoom_tracker: created$/m, 'dataset created');
for my $t (qw(raw_events daily_reports camera_minutes camera_fetches
              room_names preassigned_rooms)) {
    like($out, qr/^table zt-proj\.zoom_tracker\.$t: created$/m, "$t created");
}
($rc, $out, $err) = zt('setup', '-c', $conf);
is($rc, 0, 'setup again exits 0');
is(scalar(() = $out =~ /: exists$/mg), 7, 'and finds all seven existing');

my $st = $g->state;
my $raw = $st->{tables}{'zoom_tracker.raw_events'};
is_deeply($raw->{partitioning}, { type => 'DAY', field => 'event_date' },
          'raw_events partitioned by event_date');
is_deeply($raw->{clustering}{fields}, [ 'meeting_uuid', 'participant_id' ],
          'and clustered by meeting_uuid, participant_id');

# the API schema and sql/bigquery/setup.sql name the same columns
my $sql = ZtTest::slurp(ZtTest::top_dir() . '/sql/bigquery/setup.sql');
my ($ddl) = $sql =~ /raw_events` \((.*?)\n\)/s;
my @cols = $ddl =~ /^\s+(\w+)\s+[A-Z]/mg;
is_deeply(\@cols, [ map { $_->{name} } @{ $raw->{schema} } ],
          'setup.sql and the API schema agree on raw_events');

($rc, $out, $err) = zt('check', '-c', $conf);
is($rc, 0, 'check after setup: exit 0') or diag($out);
like($out, qr/all checks passed/, 'all checks passed');

# [warehouse] location: setup creates the dataset there (BigQuery's
# default is US), and queries name it as their job location
{
    my $ceu = conf('bqeu', 'warehouse.dataset' => 'zt_eu',
                   'warehouse.location' => 'europe-west2');
    ($rc, $out, $err) = zt('setup', '-c', $ceu);
    is($rc, 0, 'setup with a location: exit 0') or diag($out, $err);
    is($g->state->{dataset_location}{zt_eu}, 'europe-west2',
       'the dataset is created in [warehouse] location');
    is($g->state->{dataset_location}{zoom_tracker}, 'US',
       'and in US by default');
    ($rc, $out, $err) = zt('report', '-c', $ceu, '--date', '2021-07-13');
    is($rc, 0, 'a report from a europe-west2 dataset: exit 0')
        or diag($out, $err);
}

# ------------------------------------------------------------ one drain

my $join = payload('meeting.participant_joined');
my $id1 = 'aaaaaaaa-0000-4000-8000-000000000001';
ZtDrain::push_records($redis->port, [$Q],
    [ ZtDrain::make_record($join, event_id => $id1) ]);
($rc, $out, $err) = zt('drain', '-c', $conf, '--once');
is($rc, 0, 'drain --once exits 0') or diag($err);
my $rows = $g->rows('zoom_tracker.raw_events');
is(scalar(@$rows), 1, 'one row');
my $r = $rows->[0];
is($r->{event_id}, $id1, 'event_id');
is($r->{event_date}, '2021-07-13', 'event_date in the configured zone');
is($r->{event_ts}, 1626230691572, 'event_ts as an integer');
is($r->{person_key}, 'id:iFxeBPYun6SAiWUzBcEkX', 'person_key');
is($r->{gcs_path}, "gs://zt-bucket/raw/2021-07-13/$id1.json",
   'gcs_path is the object URL');
is($r->{raw_payload}, $join, 'raw_payload byte-exact');
is($g->state->{insert_ids}{'zoom_tracker.raw_events'}{$id1}, 1,
   'insertId = event_id');

# ------------------------------------------------------------ batching

my ($recs, $ids) = ZtDrain::make_records(1200, run => 0x610);
ZtDrain::push_records($redis->port, [$Q], $recs);
my $c2 = conf('bq2', 'drain.batch_size' => 1200);
my $n0 = $g->counts->{insertAll};
($rc, $out, $err) = zt('drain', '-c', $c2, '--once');
is($rc, 0, '1200 records: exit 0') or diag($err);
is($g->counts->{insertAll} - $n0, 3, 'in three insertAll requests (<= 500 rows each)');
is(scalar(@{ $g->rows('zoom_tracker.raw_events', 'event_id') }), 1201, '1201 rows');

# ------------------------------------------------------------ partial failures

sub rows_ok {
    my ($want, $what) = @_;
    my $rows = $g->rows('zoom_tracker.raw_events', 'event_id');
    my %seen;
    my $dups = grep { $seen{$_->{event_id}}++ } @$rows;
    is($dups, 0, "$what: no duplicate rows");
    is(scalar(keys %seen), $want, "$what: $want distinct events");
}

my $dlog = "$tmp/live.log";
my $pid = ZtDrain::start_drain($c2, $dlog);

$g->faults([ { on => 'insertAll', type => 'partial', count => 2 } ]);
($recs) = ZtDrain::make_records(50, run => 0x611);
ZtDrain::push_records($redis->port, [$Q], $recs);
ok(ZtTest::wait_until(sub { @{ $g->rows('zoom_tracker.raw_events', 'event_id') } >= 1251 }, 30, 'partial'),
   'a partial failure (backendError + stopped rows) ends stored');
rows_ok(1251, 'partial');

$g->faults([ { on => 'insertAll', type => 'invalid', count => 1 } ]);
($recs, $ids) = ZtDrain::make_records(10, run => 0x612);
ZtDrain::push_records($redis->port, [$Q], $recs);
ok(ZtTest::wait_until(sub { $redis->llen("$Q:dead") == 1 }, 30, 'dead'),
   'the invalid row is dead-lettered');
ok(ZtTest::wait_until(sub { @{ $g->rows('zoom_tracker.raw_events', 'event_id') } >= 1260 }, 30, 'stopped rows'),
   'the stopped rows are stored');
my ($dead) = ZtDrain::dead_entries($redis, $Q);
like($dead->{reason}, qr/^bigquery rejected the row: invalid: injected: no such field: x\.$/,
     "with BigQuery's reason");
rows_ok(1260, 'invalid');

# an impossible insertErrors (a row named twice, a row not sent) says
# nothing about any row: the request is retried, nothing dead-lettered
# or taken as stored
$g->faults([ { on => 'insertAll', type => 'dupindex', count => 1 },
             { on => 'insertAll', type => 'badindex', count => 1 } ]);
($recs) = ZtDrain::make_records(1, run => 0x616);
ZtDrain::push_records($redis->port, [$Q], $recs);
ok(ZtTest::wait_until(sub { @{ $g->rows('zoom_tracker.raw_events', 'event_id') } >= 1261 }, 30, 'impossible'),
   'after impossible insertErrors answers the row is stored');
is($redis->llen("$Q:dead"), 1, 'and not dead-lettered');
rows_ok(1261, 'impossible');

# a row too big for an insertAll request of its own (over the sink's
# 9 MB; BigQuery refuses requests over 10 MB) is dead-lettered saying
# why, the rest of its batch stored; the sink does not pause on it
$g->faults([]);
my $huge = payload('meeting.participant_joined');
$huge =~ s/"user_name": "[^"]*"/'"user_name": "' . ('x' x (10_500_000)) . '"'/e;
($recs) = ZtDrain::make_records(2, run => 0x617);
ZtDrain::push_records($redis->port, [$Q], [ @$recs, ZtDrain::make_record($huge,
    event_id => 'dddddddd-0000-4000-8000-000000000001') ]);
ok(ZtTest::wait_until(sub { $redis->llen("$Q:dead") == 2 }, 30, 'huge'),
   'a row too big for a request is dead-lettered');
($dead) = grep { $_->{reason} =~ /too big/ } ZtDrain::dead_entries($redis, $Q);
like($dead && $dead->{reason}, qr/^row too big for BigQuery: an insertAll request of it alone is over 9 MB$/,
     'saying why');
ok(ZtTest::wait_until(sub { @{ $g->rows('zoom_tracker.raw_events', 'event_id') } >= 1263 }, 30, 'beside huge'),
   'the rest of its batch is stored');
rows_ok(1263, 'too big');

$g->faults([ { on => 'insertAll', type => '500', count => 2 },
             { on => 'insertAll', type => '429', count => 2 } ]);
($recs) = ZtDrain::make_records(10, run => 0x613);
ZtDrain::push_records($redis->port, [$Q], $recs);
ok(ZtTest::wait_until(sub { @{ $g->rows('zoom_tracker.raw_events', 'event_id') } >= 1273 }, 30, '500/429'),
   '500 and 429 are retried');

my $tok = $g->counts->{token};
$g->control({ expire => 1 });
($recs) = ZtDrain::make_records(10, run => 0x614);
ZtDrain::push_records($redis->port, [$Q], $recs);
ok(ZtTest::wait_until(sub { @{ $g->rows('zoom_tracker.raw_events', 'event_id') } >= 1283 }, 30, '401'),
   'after a 401 the rows are stored');
is($g->counts->{token}, $tok + 1, 'with one new token');
rows_ok(1283, 'faults');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'drain exits 0');
my $log = ZtTest::slurp($dlog);

# ------------------------------------------------------------ missing table

my $c3 = conf('bq3', 'warehouse.dataset' => 'nope');
ZtDrain::push_records($redis->port, [$Q], [ ZtDrain::make_record($join,
    event_id => 'cccccccc-0000-4000-8000-000000000001') ]);
$pid = ZtDrain::start_drain($c3, "$tmp/nope.log");
ok(ZtTest::wait_until(sub { (ZtTest::slurp("$tmp/nope.log") // '') =~ /raw_events refused: HTTP 404 notFound "Not found: Table nope\.raw_events"; the dataset or table does not exist: run `zoomtrack setup -c FILE`; paused/ }, 20, '404'),
   'a missing table: the sink pauses, the log says to run setup');
kill 'TERM', $pid;
ZtDrain::wait_exit($pid, 20);
is($redis->llen($Q) + $redis->llen("$Q:processing:test"), 1,
   'and the record stays queued');
$log .= ZtTest::slurp("$tmp/nope.log");

# ------------------------------------------------------------ metadata server

my $c4 = conf('md', 'google.credentials_file' => '',
              'google.metadata_host' => "127.0.0.1:$gport");
my $m0 = $g->counts->{metadata} // 0;
($rc, $out, $err) = zt('drain', '-c', $c4, '--once');
is($rc, 0, 'metadata server credentials: exit 0') or diag($err);
like($err, qr/metadata server 127\.0\.0\.1:$gport/, 'logs the metadata server');
is($g->counts->{metadata} - $m0, 1, 'one metadata token');
rows_ok(1284, 'metadata');

# the metadata server hands out its cached token until about five minutes
# before it expires: a token with 240 s left is used, not fetched per call
{
    my $port2 = ZtTest::free_port();
    my $g2 = start_google_double(port => $port2, key_n => $key->{n},
                                 expires_in => 240);
    my $c5 = conf('md240', 'google.credentials_file' => '',
                  'google.metadata_host' => "127.0.0.1:$port2",
                  'google.bigquery_endpoint' => $g2->url);
    ($rc, $out, $err) = zt('setup', '-c', $c5);
    is($rc, 0, 'setup with a 240 s metadata token') or diag($out, $err);
    cmp_ok($g2->counts->{bq}, '>=', 10, 'setup made its calls');
    is($g2->counts->{metadata}, 1, 'one metadata request for all of them')
        or diag(explain($g2->counts));
}

# a token is renewed early (here half of its 20 s, at 10 s) so that an
# outage of the token endpoint does not stop the inserts: while the
# renewal fails, the current token is used until shortly before it
# expires
{
    my $port3 = ZtTest::free_port();
    my $g3 = start_google_double(port => $port3, key_n => $key->{n},
                                 expires_in => 20);
    my $c6 = conf('early', 'google.bigquery_endpoint' => $g3->url,
                  'google.token_uri' => $g3->url('/token'));
    ($rc, $out, $err) = zt('setup', '-c', $c6);
    is($rc, 0, 'setup with a 20 s token') or diag($out, $err);
    my $pid6 = ZtDrain::start_drain($c6, "$tmp/early.log");
    my $n = 0;
    my $push = sub {
        ZtDrain::push_records($redis->port, [$Q], [ ZtDrain::make_record(
            $join, event_id => sprintf('eeeeeeee-0000-4000-8000-%012d',
                                       ++$n)) ]);
    };
    my $stored = sub {
        my %have = map { $_->{event_id} => 1 }
                   @{ $g3->rows('zoom_tracker.raw_events', 'event_id') };
        return $have{sprintf('eeeeeeee-0000-4000-8000-%012d', $_[0])};
    };
    $push->();
    ok(ZtTest::wait_until(sub { $stored->(1) }, 20, 'first row'),
       'a row stored with the first token');
    my $t0 = $g3->counts->{token};
    $g3->faults([ { on => 'token', type => '503', count => -1 } ]);
    # rows keep coming until the drainer tries to renew (and fails)
    ok(ZtTest::wait_until(sub { $push->() if $stored->($n);
                                $g3->counts->{token} > $t0 }, 20,
                          'a renewal'),
       'the renewal is tried before the token expires');
    $push->();
    my $last = $n;
    ok(ZtTest::wait_until(sub { $stored->($last) }, 4, 'stored meanwhile'),
       'while the token endpoint fails, rows are stored with the token '
       . 'that still holds');
    ok(ZtTest::wait_until(sub { (ZtTest::slurp("$tmp/early.log") // '')
           =~ /could not renew the access token \(token endpoint answered 503.*the current one holds for \d+ s more/ },
           5, 'log'), 'the failed renewal is logged');
    $g3->faults([]);
    kill 'TERM', $pid6;
    ZtDrain::wait_exit($pid6, 20);
    $log .= ZtTest::slurp("$tmp/early.log") // '';
}

# a table made by an older version lacks a column: insertAll would call
# every row naming it invalid (dead-lettered), so check and setup say so
$g->control({ drop_column => { 'zoom_tracker.raw_events' => 'source' } });
($rc, $out, $err) = zt('check', '-c', $conf);
is($rc, 1, 'check with a column missing: exit 1');
like($out, qr/warehouse\s+FAILED\s+table raw_events lacks column\(s\) source STRING/,
     'check names the missing column') or diag($out);
($rc, $out, $err) = zt('setup', '-c', $conf);
is($rc, 1, 'setup with a column missing: exit 1');
like($out, qr/table zt-proj\.zoom_tracker\.raw_events: FAILED: exists without column\(s\) source STRING/,
     'setup names it') or diag($out);

my $hr = ZtTest::http(5)->get($g->url('/computeMetadata/v1/instance/service-accounts/default/token'));
is($hr->{status}, 403, 'the metadata double refuses a request without Metadata-Flavor');

$log .= $err;
my $pem_line = (grep { length > 40 } split /\n/, $key->{pem})[1];
unlike($log, qr/\Q$pem_line\E|ya29\.|eyJ[A-Za-z0-9_-]{10,}|Bearer/,
       'no key, token, JWT or header in the logs');

done_testing();
