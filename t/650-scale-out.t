# Scale-out on one machine: two nginx instances → one Redis → three
# drainers (two splitting the archive and warehouse queues into GCS and
# BigQuery, one holding the status CSV), a simulated meeting posted
# through both nginx alternately, one of the splitting drainers killed -9
# mid-run and restarted: every event is exactly once in GCS and in
# BigQuery, and the daily report on BigQuery is the same CSV as the one
# built from the archive (backfilled from GCS into SQLite).
#
# Written for today's engine: a killed drainer's records are redelivered
# when it restarts under its consumer name.  The status holder's standby
# (leases) is not covered here.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
my $so = build_dir() . '/ngx_http_zoomtrack_module.so';
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;
BAIL_OUT("$so not built (make module)") unless -f $so;
my $emu = start_gcs_emulator()
    or BAIL_OUT("GCS emulator: $ZtGoogle::EMU_ERROR");

my $tmp = tmp_dir();
my @queues = map { "zoomtrack:$_" } qw(archive warehouse status);
my ($redis, $nga) = setup(queues => \@queues);
my (undef, $ngb) = setup(queues => \@queues, redis_obj => $redis);
spit("$tmp/secret", SECRET . "\n");

my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            gcs_upstream => $emu->url, gcs_auth => 1);
local $ENV{GOOGLE_APPLICATION_CREDENTIALS} = '';
local $ENV{STORAGE_EMULATOR_HOST} = '';
my $TZ = 'Europe/Istanbul';

sub conf {
    my ($name, %o) = @_;
    return ZtDrain::write_conf("$tmp/$name.conf", data_dir => "$tmp/$name",
        redis => $redis->address, timezone => $TZ, consumer => $name,
        'archive.backend' => 'gcs', 'archive.bucket' => 'zt-bucket',
        'archive.uploads_in_flight' => 8,
        'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
        'google.credentials_file' => $key->{file},
        'google.storage_endpoint' => $g->url,
        'google.bigquery_endpoint' => $g->url, 'google.timeout_ms' => 10000,
        %o);
}

my $ca = conf('split-a', 'status.enabled' => 'no');
my $cb = conf('split-b', 'status.enabled' => 'no');
my $cs = conf('status', 'archive.enabled' => 'no',
              'warehouse.enabled' => 'no',
              'status.enabled' => 'yes');
my ($rc, $out, $err) = run_zoomtrack(['setup', '-c', $ca]);
is($rc, 0, 'setup') or diag($out);

# the meeting: bodies from simulate, posted by us to both nginx in turn
($rc, $out, $err) = run_zoomtrack(['simulate', '-c', $ca, '--dump',
    "$tmp/bodies", '--participants', 12, '--rooms', 3, '--minutes', 40,
    '--seed', 11, '--duplicates', 0.1, '--shuffle', 4]);
is($rc, 0, 'simulate --dump') or diag($err);
my $sim = decode_json($out);
my @bodies = grep { length } split /\n/, slurp("$tmp/bodies");
my $unique = $sim->{unique_events};
ok(@bodies > $unique, scalar(@bodies) . " bodies, $unique distinct events");

my %pid = (a => ZtDrain::start_drain($ca, "$tmp/a.log"),
           b => ZtDrain::start_drain($cb, "$tmp/b.log"),
           s => ZtDrain::start_drain($cs, "$tmp/s.log"));

# records split-b has taken and not yet acked
sub held_by_b {
    my $held = 0;
    $held += $redis->llen("$_:processing:split-b") for @queues[0, 1];
    return $held;
}

# kill -9 split-b while it holds a batch, which the restart must deliver:
# a drainer killed at a fixed point of the run may hold nothing yet (on a
# loaded machine it was still starting).  Stopped first, so that it cannot
# ack between the look and the kill; let go on when its hands are empty.
sub kill_b_holding {
    kill 'STOP', $pid{b};
    my $held = held_by_b();
    if (!$held) {
        kill 'CONT', $pid{b};
        return 0;
    }
    kill 'KILL', $pid{b};
    ZtDrain::wait_exit($pid{b}, 10);
    return $held;
}

my $n = 0;
my $bad = 0;
my $killed = 0;
my $held = 0;
for my $body (@bodies) {
    my $r = post_signed($n % 2 ? $ngb : $nga, $body);
    $bad++ unless $r->{status} == 200;
    $n++;
    if (!$killed && $n >= @bodies / 3 && ($held = kill_b_holding())) {
        $killed = 1;
        diag("split-b killed after $n posts, holding $held record(s)");
    }
    if ($killed == 1 && $n >= @bodies / 2) {
        $pid{b} = ZtDrain::start_drain($cb, "$tmp/b.log");
        $killed = 2;
    }
}
is($bad, 0, "all $n webhooks answered 200 by the two nginx");
is($killed, 2, 'split-b was killed holding records, and restarted');

sub n_objects { scalar($emu->list('zt-bucket', 'raw/')) }
sub bq_rows { $g->rows('zoom_tracker.raw_events', 'event_id') }

ok(ZtTest::wait_until(sub { n_objects() >= $unique
                            && @{ bq_rows() } >= $unique }, 120, 'all'),
   'every event reached GCS and BigQuery')
    or diag(n_objects() . ' objects, ' . @{ bq_rows() } . ' rows');

# records still queued or taken and not acked (a record leaves its
# processing list only once stored): none left means no upload or insert
# is still to come, so the counts below are final
sub in_flight {
    my $n = 0;
    $n += $redis->llen($_)
        for @queues, @{ $redis->cmd('KEYS', 'zoomtrack:*:processing:*') || [] };
    return $n;
}
ok(ZtTest::wait_until(sub { in_flight() == 0 }, 60, 'nothing in flight'),
   'every queue and processing list is empty')
    or diag(join ' ', @{ $redis->cmd('KEYS', 'zoomtrack:*') || [] });
is(n_objects(), $unique, "exactly $unique objects");
my %ids;
$ids{$_->{event_id}}++ for @{ bq_rows() };
is(scalar(keys %ids), $unique, "$unique distinct events in BigQuery");
is(scalar(grep { $_ > 1 } values %ids), 0, 'no event twice');
my $a_log = slurp("$tmp/a.log") // '';
my $b_log = slurp("$tmp/b.log") // '';
like($b_log, qr/delivering again \d+ record\(s\) left in "zoomtrack:\w+:processing:split-b"/,
     'the restarted drainer delivered what the killed one held');
for my $q (@queues[0, 1]) {
    is($redis->llen($q) + $redis->llen("$q:processing:split-a")
       + $redis->llen("$q:processing:split-b") + $redis->llen("$q:dead"), 0,
       "$q: drained, nothing dead");
}

kill 'TERM', values %pid;
ZtDrain::wait_exit($_, 30) for values %pid;

# one correct CSV: the report on BigQuery = the report built from the
# archive in GCS, backfilled into SQLite
my $day = $sim->{start} ? substr($sim->{start}, 0, 10) : '';
my ($first) = map { decode_json($_)->{event_ts} } $bodies[0];
$day = POSIX::strftime('%Y-%m-%d', gmtime($first / 1000 + 3 * 3600));
my $sq = ZtDrain::write_conf("$tmp/sq.conf", data_dir => "$tmp/sq",
    redis => $redis->address, timezone => $TZ,
    'google.credentials_file' => $key->{file},
    'google.storage_endpoint' => $g->url);
($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $sq, '--from',
                                   'gs://zt-bucket/raw/', '--to', 'sqlite']);
like($out, qr/inserted $unique, already present 0, rejected 0/,
     'the GCS archive backfills every event once') or diag($out, $err);
($rc, $out, $err) = run_zoomtrack(['report', '-c', $sq, '--date', $day]);
is($rc, 0, "report $day from the archive") or diag($err);
($rc, $out, $err) = run_zoomtrack(['report', '-c', $ca, '--date', $day]);
is($rc, 0, "report $day on BigQuery") or diag($err);
my $x = slurp("$tmp/sq/reports/DAILY_REPORT_$day.csv");
ok(($x // '') =~ tr/\n// > 5, 'the report has rows');
is(slurp("$tmp/split-a/reports/DAILY_REPORT_$day.csv"), $x,
   'one CSV: BigQuery and the archive agree byte for byte');

{
    ok(-s "$tmp/status/_data/zoom-room-dashboard.csv",
       'the status holder wrote the live CSV');
}
error_log_clean($_, 'nginx') for $nga, $ngb;

done_testing();
