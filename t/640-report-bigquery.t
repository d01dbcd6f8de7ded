# zoomtrack report on BigQuery: the same events drained into SQLite and
# into the BigQuery double (stored twice there, as after insertId's
# window) give the same CSV byte for byte; the event source is a
# parameterised jobs.query polled until complete and paged; the day's
# daily_reports rows are replaced, not added to; with [report] bucket the
# CSV is uploaded to gs://BUCKET/reports/DAILY_REPORT_<D>.csv, same bytes.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
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
                            no_dedup => 1, page_size => 37);
my $emu = start_gcs_emulator()
    or BAIL_OUT("GCS emulator: $ZtGoogle::EMU_ERROR");
my %ENVX = (GOOGLE_APPLICATION_CREDENTIALS => '',
            STORAGE_EMULATOR_HOST => '127.0.0.1:' . $emu->port);
my $Q = 'zoomtrack:warehouse';
my $TZ = 'Europe/Istanbul';

my %common = (redis => $redis->address, timezone => $TZ,
              'archive.enabled' => 'no', 'status.enabled' => 'no');
my $sq = ZtDrain::write_conf("$tmp/sq.conf", data_dir => "$tmp/sq", %common);
my $bq = ZtDrain::write_conf("$tmp/bq.conf", data_dir => "$tmp/bq", %common,
    'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
    'google.credentials_file' => $key->{file},
    'google.bigquery_endpoint' => $g->url,
    'report.bucket' => 'zt-reports');

sub zt { run_zoomtrack([@_], env => \%ENVX, timeout => 120) }

my ($rc, $out, $err) = zt('setup', '-c', $bq);
is($rc, 0, 'setup') or diag($out);

# one meeting's worth of joins, leaves and room moves over a day boundary
# in Istanbul, some delivered twice
my ($recs) = ZtDrain::make_records(240, run => 0x640,
                                   ts => 1626209000000);
my @twice = (@$recs, @{$recs}[0 .. 59]);
for my $c ($sq, $bq) {
    ZtDrain::push_records($redis->port, [$Q], \@twice);
    ($rc, $out, $err) = zt('drain', '-c', $c, '--once');
    is($rc, 0, "drain into " . ($c eq $sq ? 'SQLite' : 'BigQuery'))
        or diag($err);
}
cmp_ok(scalar(@{ $g->rows('zoom_tracker.raw_events', 'event_id') }), '>', 240,
   'BigQuery holds duplicates (no insertId dedup in this double)');

for my $day (qw(2021-07-13 2021-07-14)) {
    ($rc, $out, $err) = zt('report', '-c', $sq, '--date', $day);
    is($rc, 0, "report $day on SQLite") or diag($err);
    my $q0 = $g->counts->{getQueryResults} // 0;
    ($rc, $out, $err) = zt('report', '-c', $bq, '--date', $day);
    is($rc, 0, "report $day on BigQuery") or diag($err);
    ok(($g->counts->{getQueryResults} // 0) - $q0 >= 3,
       'the event source polled and paged');
    my $a = ZtTest::slurp("$tmp/sq/reports/DAILY_REPORT_$day.csv");
    my $b = ZtTest::slurp("$tmp/bq/reports/DAILY_REPORT_$day.csv");
    ok(length($a // '') > 200, "the $day report has rows");
    is($b, $a, "$day: the CSV on BigQuery = the CSV on SQLite, byte for byte");

    my $n = () = $a =~ /\n/g;
    my @rows = grep { $_->{report_date} eq $day }
               @{ $g->rows('zoom_tracker.daily_reports', 'report_date') };
    is(scalar(@rows), $n - 1, "$day: daily_reports holds the CSV's rows");

    ($rc, $out, $err) = zt('report', '-c', $bq, '--date', $day);
    @rows = grep { $_->{report_date} eq $day }
            @{ $g->rows('zoom_tracker.daily_reports', 'report_date') };
    is(scalar(@rows), $n - 1, "$day: a second run replaces them");

    like($err, qr{uploaded gs://zt-reports/reports/DAILY_REPORT_$day\.csv},
         'the CSV is uploaded');
    is($emu->object('zt-reports', "reports/DAILY_REPORT_$day.csv"), $b,
       'the object is the same bytes as the local file');
}

# a query done within timeoutMs: jobs.query answers with the first page,
# the rest comes through getQueryResults and pageToken
{
    my $day = '2021-07-14';
    my $want = ZtTest::slurp("$tmp/sq/reports/DAILY_REPORT_$day.csv");
    $g->control({ complete_in_query => 1 });
    my $q0 = $g->counts->{getQueryResults} // 0;
    ($rc, $out, $err) = zt('report', '-c', $bq, '--date', $day);
    is($rc, 0, 'report with the first page in the jobs.query answer')
        or diag($err);
    ok(($g->counts->{getQueryResults} // 0) - $q0 >= 1,
       'the further pages were read');
    is(ZtTest::slurp("$tmp/bq/reports/DAILY_REPORT_$day.csv"), $want,
       'and the report is the same');
    $g->control({ complete_in_query => 0 });
}

# a --meeting run uploads under its own name, as its local file is named,
# and leaves the day's object alone
{
    my $day = '2021-07-13';
    my $whole = $emu->object('zt-reports', "reports/DAILY_REPORT_$day.csv");
    my ($line) = (split /\n/, $whole)[1];
    my ($m) = $line =~ /^[^,]*,"?([^,"]+)"?,/ or die "no meeting in $line";
    ($rc, $out, $err) = zt('report', '-c', $bq, '--date', $day,
                           '--meeting', $m);
    is($rc, 0, "--meeting $m on BigQuery") or diag($err);
    my $name = "reports/DAILY_REPORT_${day}_$m.csv";
    like($err, qr{uploaded gs://zt-reports/\Q$name\E}, '--meeting: its name');
    is($emu->object('zt-reports', $name),
       ZtTest::slurp("$tmp/bq/reports/DAILY_REPORT_${day}_$m.csv"),
       '--meeting: the object is its local file');
    is($emu->object('zt-reports', "reports/DAILY_REPORT_$day.csv"), $whole,
       '--meeting: the day\'s object is left whole');
}

# replacing the day's object needs storage.objects.delete: with Storage
# Object Creator and Viewer only (enough for the archive sink), the
# upload of a rerun is refused and the report says which role to grant
{
    my $p3 = ZtTest::free_port();
    my $g3 = start_google_double(port => $p3, key_n => $key->{n},
                                 gcs_upstream => $emu->url, gcs_auth => 1,
                                 gcs_roles => 'objectCreator,objectViewer');
    my $c3 = ZtDrain::write_conf("$tmp/roles.conf", data_dir => "$tmp/sq",
        %common, 'report.bucket' => 'zt-reports',
        'google.credentials_file' => $key->{file},
        'google.token_uri' => $g3->url('/token'),
        'google.storage_endpoint' => $g3->url);
    ($rc, $out, $err) = run_zoomtrack(['report', '-c', $c3, '--date',
                                       '2021-07-13'], timeout => 120,
                                      env => { %ENVX,
                                               STORAGE_EMULATOR_HOST => '' });
    is($rc, 1, 'a report whose object exists, without storage.objects.delete: exit 1');
    like($err, qr{upload to gs://zt-reports/reports/DAILY_REPORT_2021-07-13\.csv: status 403 .*grant the service account Storage Object User on the bucket},
         'and says which role replacing needs') or diag($err);
    $g3->stop;
}

# the report's upload answered 429 with Retry-After: 3 is sent again only
# after those 3 seconds
{
    my $p4 = ZtTest::free_port();
    my $g4 = start_google_double(port => $p4, key_n => $key->{n},
                                 gcs_upstream => $emu->url, gcs_auth => 1);
    my $c4 = ZtDrain::write_conf("$tmp/ra.conf", data_dir => "$tmp/sq",
        %common, 'report.bucket' => 'zt-reports',
        'google.credentials_file' => $key->{file},
        'google.token_uri' => $g4->url('/token'),
        'google.storage_endpoint' => $g4->url);
    $g4->faults([ { on => 'gcs', type => '429', retry_after => 3,
                    count => 1 } ]);
    ($rc, $out, $err) = run_zoomtrack(['report', '-c', $c4, '--date',
                                       '2021-07-13'], timeout => 120,
                                      env => { %ENVX,
                                               STORAGE_EMULATOR_HOST => '' });
    is($rc, 0, 'a report upload answered 429 once: exit 0') or diag($err);
    my @up = grep { $_->{path} =~ m{^/upload/} } @{ $g4->requests };
    ok(@up == 2 && $up[0]{status} == 429
       && $up[1]{t} - $up[0]{t} >= 2.9,
       'the upload is sent again after Retry-After') or diag(explain(\@up));
    $g4->stop;
}

# a transient answer to a query (a 503, then a 403 rateLimitExceeded) is
# sent again after a backoff, as Google asks; with google.max_retries = 0
# the same answer ends the report with exit 1
{
    my $day = '2021-07-13';
    my $want = ZtTest::slurp("$tmp/sq/reports/DAILY_REPORT_$day.csv");
    my $q0 = $g->counts->{query} // 0;
    $g->faults([ { on => 'query', type => '503', count => 1 },
                 { on => 'query', type => '403',
                   reason => 'rateLimitExceeded', count => 1 } ]);
    ($rc, $out, $err) = zt('report', '-c', $bq, '--date', $day);
    is($rc, 0, 'report after a 503 and a rate limit: exit 0') or diag($err);
    like($err, qr{bigquery: POST /queries: HTTP 503 backendError, retry 1/5},
         'the retry is logged');
    ok(($g->counts->{query} // 0) - $q0 >= 3, 'the query was sent again');
    is(ZtTest::slurp("$tmp/bq/reports/DAILY_REPORT_$day.csv"), $want,
       'and the report is the same');

    my $once = ZtDrain::write_conf("$tmp/bq0.conf", data_dir => "$tmp/bq0",
        %common, 'warehouse.backend' => 'bigquery',
        'warehouse.project' => 'zt-proj',
        'google.credentials_file' => $key->{file},
        'google.bigquery_endpoint' => $g->url, 'google.max_retries' => 0);
    $g->faults([ { on => 'query', type => '503', count => 1 } ]);
    ($rc, $out, $err) = zt('report', '-c', $once, '--date', $day);
    is($rc, 1, 'with google.max_retries = 0 the 503 is the answer: exit 1');
    like($err, qr/503/, 'and says so') or diag($err);
    $g->faults([]);
}

# a query job that BigQuery ran and that failed for a transient reason
# (DONE with backendError: getQueryResults answers that failure on every
# call, and its requestId gets the same job back) is run again as a new
# job, with a new requestId
{
    my $day = '2021-07-13';
    my $want = ZtTest::slurp("$tmp/sq/reports/DAILY_REPORT_$day.csv");
    my $c0 = $g->counts;
    my $two = ZtDrain::write_conf("$tmp/bq2.conf", data_dir => "$tmp/bq",
        %common, 'warehouse.backend' => 'bigquery',
        'warehouse.project' => 'zt-proj',
        'google.credentials_file' => $key->{file},
        'google.bigquery_endpoint' => $g->url, 'google.max_retries' => 2);
    # the job's own reason comes as a 400: transient all the same
    $g->faults([ { on => 'query', type => 'jobfail', count => 1 },
                 { on => 'query', type => 'jobfail', count => 1,
                   reason => 'jobBackendError' } ]);
    ($rc, $out, $err) = zt('report', '-c', $two, '--date', $day);
    is($rc, 0, 'report after two failed query jobs: exit 0') or diag($err);
    my $c1 = $g->counts;
    is(($c1->{job_failed} // 0) - ($c0->{job_failed} // 0), 2,
       'two jobs failed');
    is(($c1->{query_same_request_id} // 0)
       - ($c0->{query_same_request_id} // 0), 0,
       'the new job has a new requestId');
    like($err, qr/bigquery: query job .*HTTP 500 backendError.*new job/,
         'the new job is logged');
    like($err, qr/bigquery: query job .*HTTP 400 jobBackendError.*new job/,
         'also after the job\'s own reason');
    is(ZtTest::slurp("$tmp/bq/reports/DAILY_REPORT_$day.csv"), $want,
       'and the report is the same');

    # failed within timeoutMs, so jobs.query answers the failure itself,
    # and again for the same requestId: the next one carries a new one
    $c0 = $g->counts;
    $g->faults([ { on => 'query', type => 'jobfail', count => 1,
                   in_query => 1 } ]);
    ($rc, $out, $err) = zt('report', '-c', $two, '--date', $day);
    is($rc, 0, 'report after jobs.query answered a failed job: exit 0')
        or diag($err);
    $c1 = $g->counts;
    is(($c1->{query_same_request_id} // 0)
       - ($c0->{query_same_request_id} // 0), 0,
       'the query was sent again with a new requestId');
    is(ZtTest::slurp("$tmp/bq/reports/DAILY_REPORT_$day.csv"), $want,
       'and the report is the same');
    $g->faults([]);
}

done_testing();
