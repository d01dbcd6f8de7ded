# zoomtrack backfill: archived bodies (a local archive directory, or a
# bucket prefix in Google's Storage emulator) into SQLite and into the
# BigQuery double, through the module's normalisation (the same event_id
# on both warehouses); a body that is not a Zoom event is rejected with
# its reason; a second run inserts nothing and reports them as already
# present.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Path qw(make_path);
use ZtTest;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my %ENVX = (GOOGLE_APPLICATION_CREDENTIALS => '', STORAGE_EMULATOR_HOST => '');

# a local archive: every example event body, plus one that is not JSON
my $arch = "$tmp/archive";
make_path("$arch/2021-07-13", "$arch/2021-07-14");
my @names = qw(meeting.participant_joined meeting.participant_left
    meeting.participant_joined_breakout_room
    meeting.participant_left_breakout_room meeting.started meeting.ended);
my $i = 0;
for my $n (@names) {
    ZtTest::spit(sprintf("$arch/2021-07-1%d/f%02d.json", 3 + ($i % 2), $i++),
                 payload($n));
}
ZtTest::spit("$arch/2021-07-13/junk.json", "not json at all");

my $conf = ZtDrain::write_conf("$tmp/sq.conf", data_dir => "$tmp/sq",
    redis => '127.0.0.1:1', timezone => 'America/Los_Angeles');

my ($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $conf, '--from',
                                      $arch, '--to', 'sqlite'], env => \%ENVX);
is($rc, 0, 'backfill into SQLite: exit 0') or diag($err);
like($out, qr/^read 7, inserted 6, already present 0, rejected 1$/m,
     'summary: read, inserted, present, rejected');
like($out, qr/^  rejected 1: \S.*$/m, 'with the reason');
my $db = "$tmp/sq/zoomtrack.db";
is(ZtDrain::db_count($db), 6, 'six rows');
my $ids_sqlite = ZtDrain::sql($db, 'SELECT group_concat(event_id) FROM '
                              . '(SELECT event_id FROM raw_events ORDER BY 1)');

($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $conf, '--from',
                                   $arch], env => \%ENVX);
is($rc, 0, 'again: exit 0') or diag($err);
like($out, qr/^read 7, inserted 0, already present 6, rejected 1$/m,
     'second run inserts nothing');
is(ZtDrain::db_count($db), 6, 'still six rows');

# one day directory
($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $conf, '--from',
                                   "$arch/2021-07-14"], env => \%ENVX);
like($out, qr/^read 3, inserted 0, already present 3, rejected 0$/m,
     'a day directory is a source too');

($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $conf, '--from',
                                   "$tmp/nope"], env => \%ENVX);
is($rc, 1, 'missing source: exit 1');
like($err, qr/cannot read "\Q$tmp\E\/nope"/, 'and says so');

($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $conf], env => \%ENVX);
is($rc, 2, 'no --from: exit 2');

# ------------------------------------------------------------ GCS -> BigQuery

{
    my $emu = start_gcs_emulator()
        or BAIL_OUT("GCS emulator: $ZtGoogle::EMU_ERROR");

    my $gport = ZtTest::free_port();
    my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
    my $g = start_google_double(port => $gport, key_n => $key->{n},
                                no_dedup => 1, page_size => 2);
    for my $f (glob("$arch/*/*.json")) {
        my ($day, $base) = $f =~ m{/([^/]+)/([^/]+)$};
        my $r = ZtTest::http(10)->post($emu->url(
            "/upload/storage/v1/b/zt-bucket/o?uploadType=media&name=raw%2F$day%2F$base"),
            { content => ZtTest::slurp($f),
              headers => { 'content-type' => 'application/json' } });
        die "upload: $r->{status}" unless $r->{status} == 200;
    }

    my $bq = ZtDrain::write_conf("$tmp/bq.conf", data_dir => "$tmp/bq",
        redis => '127.0.0.1:1', timezone => 'America/Los_Angeles',
        'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
        'google.credentials_file' => $key->{file},
        'google.bigquery_endpoint' => $g->url,
        'google.storage_endpoint' => $emu->url);
    ($rc, $out, $err) = run_zoomtrack(['setup', '-c', $bq], env => \%ENVX);
    is($rc, 0, 'setup') or diag($out);

    ($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $bq, '--from',
                                       'gs://zt-bucket/raw/'], env => \%ENVX);
    is($rc, 0, 'backfill from the bucket into BigQuery: exit 0') or diag($err);
    like($out, qr/^read 7, inserted 6, already present 0, rejected 1$/m,
         'summary') or diag($out, $err);
    my $rows = $g->rows('zoom_tracker.raw_events', 'event_id');
    is(scalar(@$rows), 6, 'six rows');
    is(join(',', sort map { $_->{event_id} } @$rows), $ids_sqlite,
       'the same event_ids as in SQLite');

    ($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $bq, '--from',
                                       'gs://zt-bucket/raw/'], env => \%ENVX);
    is($rc, 0, 'again: exit 0') or diag($err);
    like($out, qr/^read 7, inserted 0, already present 6, rejected 1$/m,
         'second run inserts nothing (the day is read with a paged query)');
    is(scalar(@{ $g->rows('zoom_tracker.raw_events', 'event_id') }), 6, 'still six rows');
    ok($g->counts->{getQueryResults} >= 4,
       'the query was polled and paged');

    # an object deleted between the listing and its read (prune or forget
    # meanwhile) is no longer archived: skipped, not the end of the run
    my $p2 = ZtTest::free_port();
    my $g2 = start_google_double(port => $p2, key_n => $key->{n},
                                 gcs_upstream => $emu->url);
    $g2->faults([ { on => 'gcs', type => '404', skip => 1, count => 1 } ]);
    my $bq2 = ZtDrain::write_conf("$tmp/bq2.conf", data_dir => "$tmp/bq",
        redis => '127.0.0.1:1', timezone => 'America/Los_Angeles',
        'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
        'google.credentials_file' => $key->{file},
        'google.bigquery_endpoint' => $g->url,
        'google.storage_endpoint' => $g2->url);
    ($rc, $out, $err) = run_zoomtrack(['backfill', '-c', $bq2, '--from',
                                       'gs://zt-bucket/raw/'], env => \%ENVX);
    is($rc, 0, 'an object gone since the listing: exit 0') or diag($err);
    like($out, qr/^read 6, /m, 'the other six are read') or diag($out);
    $g2->stop;
}

done_testing();
