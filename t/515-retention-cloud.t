#!/usr/bin/perl

# zoomtrack prune and forget with the archive on GCS (Google's Storage
# emulator behind the strict front, Bearer checked, list pages of three)
# and the warehouse on
# BigQuery (the strict double, DML recognised by "-- zoomtrack:ret_*"):
# prune deletes the date folders before the cutoff object by object and
# the warehouse rows by date, a dry run counts the same and changes
# nothing, a rerun deletes nothing more; forget finds the person's
# identities in BigQuery and deletes their bodies and rows only; rows
# still in BigQuery's streaming buffer are reported per table with "run
# again later" (exit 1) and go on a later run.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(strftime);
use Test::More;
use JSON::PP;
use ZtTest;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
plan skip_all => "$bin not built (make zoomtrack)" unless -x $bin;

my $emu = start_gcs_emulator()
    or plan skip_all => 'GCS emulator not installable (npm registry?)';

my $tmp = tmp_dir();
my $redis = start_redis();
my $B = 'zt-bucket';
my $DS = 'zoom_tracker';
# the double's streaming buffer, seconds: long enough for the run that
# must meet it (valgrind is slow), short enough to wait out
my $BUF = $ENV{ZT_VALGRIND} ? 40 : 10;
my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            gcs_upstream => $emu->url, gcs_auth => 1,
                            streaming_buffer_s => $BUF,
                            gcs_max_results => 3);
my %ENVX = (GOOGLE_APPLICATION_CREDENTIALS => '', STORAGE_EMULATOR_HOST => '');

my $conf = ZtDrain::write_conf("$tmp/z.conf", data_dir => "$tmp/data",
    redis => $redis->address, timezone => 'UTC',
    'archive.backend' => 'gcs', 'archive.bucket' => $B,
    'archive.prefix' => 'raw', 'status.enabled' => 'no',
    'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
    'google.credentials_file' => $key->{file},
    'google.storage_endpoint' => $g->url,
    'google.bigquery_endpoint' => $g->url,
    'retention.raw_days' => 10, 'retention.warehouse_days' => 30,
    'retention.reports_days' => 9);

sub zt { run_zoomtrack([@_], env => \%ENVX, timeout => 60) }

my ($rc, $out, $err) = zt('setup', '-c', $conf);
is($rc, 0, 'setup creates the BigQuery tables') or diag($out, $err);

my $day = 86400;
my @dates = map { strftime('%Y-%m-%d', gmtime(time - $_ * $day)) }
            (0, 5, 11, 40);                     # ages in days

# --------------------------------------------------------------- fixtures

my %who = (
    ann => { email => 'ann@example.com', name => 'Ann A', id => 'pA' },
    bob => { email => 'bob@example.com', name => 'Bob B', id => 'pB' },
);

sub body {
    my ($p) = @_;
    my $b = ZtTest::payload('meeting.participant_joined');
    $b =~ s/jchill\@example\.com/$p->{email}/;
    $b =~ s/Jill Chill/$p->{name}/;
    $b =~ s/iFxeBPYun6SAiWUzBcEkX/$p->{id}/g;
    $b =~ s/abcdefghij0-klmnopq23456/reg-$p->{id}/;
    return $b;
}

sub upload {
    my ($name, $body) = @_;
    my $r = ZtTest::http(20)->post(
        $emu->url("/upload/storage/v1/b/$B/o?uploadType=media&name="
                  . ZtGoogle::Emulator::_enc($name)),
        { headers => { 'Content-Type' => 'application/json' },
          content => $body });
    die "upload $name: $r->{status} $r->{content}" unless $r->{success};
}

# two bodies per date (Ann's and Bob's), plus objects prune must not touch
for my $d (@dates) {
    upload("raw/$d/$_.json", body($who{$_})) for qw(ann bob);
}
upload('raw/not-a-date/keep.json', body($who{ann}));
upload("other/$dates[3]/keep.json", body($who{ann}));

sub seed {
    my ($rows, $streamed) = @_;
    $g->control({ seed => $rows, streamed => $streamed ? 1 : 0 });
}

my (@raw, @cam, @fetch, @rep, @pre);
for my $i (0 .. $#dates) {
    my $d = $dates[$i];
    my ($y, $m, $dd) = split /-/, $d;
    my $noon = POSIX::mktime(0, 0, 12, $dd, $m - 1, $y - 1900) * 1000;
    for my $p (qw(ann bob)) {
        push @raw, { event_id => "e-$p-$d", event_date => $d,
                     meeting_uuid => "m-$d",
                     person_key => "id:$who{$p}{id}",
                     participant_uuid => "pu-$p",
                     participant_id => $who{$p}{id},
                     participant_email => $who{$p}{email},
                     participant_name => $who{$p}{name} };
        push @cam, { meeting_uuid => "m-$d",
                     person_key => "id:$who{$p}{id}",
                     minute_ts => "$noon", camera_on => '1' };
        push @rep, { report_date => $d,
                     participant_email => $who{$p}{email},
                     participant_name => $who{$p}{name} };
    }
    push @fetch, { meeting_uuid => "m-$d", status => 'ok' };
}
push @rep, { report_date => $dates[0], participant_email => '',
             participant_name => 'Ann A' };
push @pre, map { { meeting_id => '1', room_name => 'R',
                   email => $who{$_}{email} } } qw(ann bob);
seed({ "$DS.raw_events" => \@raw, "$DS.camera_minutes" => \@cam,
       "$DS.camera_fetches" => \@fetch, "$DS.daily_reports" => \@rep,
       "$DS.preassigned_rooms" => \@pre });

sub nrows { scalar @{ $g->rows("$DS.$_[0]") } }

sub snapshot {
    return join(',', scalar($emu->list($B, '')),
                map { nrows($_) } qw(raw_events camera_minutes
                                     camera_fetches daily_reports
                                     preassigned_rooms));
}

# ------------------------------------------------------------------ prune

my $before = snapshot();
is($before, '10,8,8,4,9,2', 'fixtures in place');

($rc, $out, $err) = zt('prune', '-c', $conf, '--dry-run');
is($rc, 0, 'prune --dry-run exits 0') or diag($out, $err);
like($out, qr/^prune \(dry run\): archive before \S+: 4 file\(s\) in 2 day\(s\)/m,
     'dry run: four objects in two date folders') or diag($out);
like($out, qr/warehouse before \S+: 5 row\(s\)/,
     'dry run: 2 raw_events + 2 camera minutes + 1 fetch they orphan')
    or diag($out);
like($out, qr/reports before \S+: 0 file\(s\), 4 row\(s\)/,
     'dry run: four daily_reports rows') or diag($out);
is(snapshot(), $before, 'dry run changed nothing');

# Cloud Storage's IAM: deleting needs storage.objects.delete, which
# Storage Object Creator and Viewer (enough for the archive sink) lack
{
    my $p2 = ZtTest::free_port();
    my $g2 = start_google_double(port => $p2, key_n => $key->{n},
                                 gcs_upstream => $emu->url, gcs_auth => 1,
                                 gcs_roles => 'objectCreator,objectViewer');
    my $c2 = ZtDrain::write_conf("$tmp/roles.conf",
        data_dir => "$tmp/roles", redis => $redis->address,
        timezone => 'UTC', 'archive.backend' => 'gcs',
        'archive.bucket' => $B, 'archive.prefix' => 'raw',
        'status.enabled' => 'no', 'google.credentials_file' => $key->{file},
        'google.token_uri' => $g2->url('/token'),
        'google.storage_endpoint' => $g2->url,
        'retention.raw_days' => 10);
    ($rc, $out, $err) = zt('prune', '-c', $c2);
    is($rc, 1, 'prune without storage.objects.delete: exit 1');
    like($err, qr/cannot delete gs:\/\/$B\/raw\/.*status 403 .*grant the service account Storage Object User on the bucket/,
         'and says which role deleting needs') or diag($err);
    is(snapshot(), $before, 'nothing deleted');
    $g2->stop;
}

# an object forget cannot read: Cloud Storage's message is shown with the
# status (the listing is the one request before the reads)
{
    my $p3 = ZtTest::free_port();
    my $g3 = start_google_double(port => $p3, key_n => $key->{n},
                                 gcs_upstream => $emu->url, gcs_auth => 1);
    my $c3 = ZtDrain::write_conf("$tmp/read.conf",
        data_dir => "$tmp/read", redis => $redis->address,
        timezone => 'UTC', 'archive.backend' => 'gcs',
        'archive.bucket' => $B, 'archive.prefix' => 'raw',
        'status.enabled' => 'no', 'google.credentials_file' => $key->{file},
        'google.token_uri' => $g3->url('/token'),
        'google.storage_endpoint' => $g3->url);
    $g3->faults([ { on => 'gcs', type => '403', skip => 1, count => 1 } ]);
    ($rc, $out, $err) = zt('forget', '-c', $c3, '--email',
                           'ann@example.com', '--dry-run');
    is($rc, 1, 'forget with an unreadable object: exit 1');
    like($err, qr{forget: archive: reading gs://$B/raw/\S+: status 403 injected fault 403$}m,
         "with the status and Cloud Storage's message") or diag($err);
    unlike($err, qr/Bearer|ya29\.|eyJ/, 'and no token');
    $g3->stop;
}

my $c0 = $g->counts;
($rc, $out, $err) = zt('prune', '-c', $conf);
is($rc, 0, 'prune exits 0') or diag($out, $err);
like($out, qr/: 4 file\(s\) in 2 day\(s\); warehouse before \S+: 5 row\(s\); reports before \S+: 0 file\(s\), 4 row\(s\)/,
     'prune reports what went') or diag($out);
is(snapshot(), '6,6,6,3,5,2', 'exactly that went');
my %left = map { $_ => 1 } $emu->list($B, '');
ok(!$left{"raw/$dates[2]/ann.json"} && !$left{"raw/$dates[3]/bob.json"},
   'objects of dates before the cutoff deleted');
ok($left{"raw/$dates[1]/ann.json"} && $left{'raw/not-a-date/keep.json'}
   && $left{"other/$dates[3]/keep.json"},
   'newer dates, other names and other prefixes kept');
is(($g->counts->{dml_deleted} // 0) - ($c0->{dml_deleted} // 0), 4,
   'one DML DELETE per table that had rows to go');
is(join(',', sort map { $_->{event_date} } @{ $g->rows("$DS.raw_events") }),
   join(',', sort map { ($_) x 2 } @dates[0 .. 2]),
   'raw_events: only the date older than 30 days went');

($rc, $out, $err) = zt('prune', '-c', $conf);
is($rc, 0, 'prune again exits 0');
like($out, qr/: 0 file\(s\) in 0 day\(s\); warehouse before \S+: 0 row\(s\); reports before \S+: 0 file\(s\), 0 row\(s\)/,
     'rerun deletes nothing more') or diag($out);

# a row still in the streaming buffer: reported per table, run again
my $old = strftime('%Y-%m-%d', gmtime(time - 50 * $day));
seed({ "$DS.raw_events" => [ { event_id => 'e-new', event_date => $old,
                               meeting_uuid => 'm-x',
                               person_key => 'id:pZ' } ] }, 1);
($rc, $out, $err) = zt('prune', '-c', $conf);
is($rc, 1, 'prune with a row in the streaming buffer exits 1');
like($err, qr/raw_events: 1 row\(s\) still in the streaming buffer .*run again later/,
     'says which table and what to do') or diag($err);
like($out, qr/1 warehouse row\(s\) and 0 report row\(s\) still in BigQuery's streaming buffer/,
     'summary counts it') or diag($out);
is(nrows('raw_events'), 7, 'the row is still there');
ZtTest::wait_until(sub {
    ($rc, $out, $err) = zt('prune', '-c', $conf);
    return $rc == 0;
}, $BUF + 30, 'prune after the streaming buffer') or diag($out, $err);
is(nrows('raw_events'), 6, 'a later run deletes it');

# ----------------------------------------------------------------- forget

# one more body of Ann's, listed on the second page of three
upload("raw/$dates[1]/zz-ann.json", body($who{ann}));
# her room event without id or email, linked by her participant_uuid
# (README, presence rule 1); a guest's of another participant_uuid
seed({ "$DS.raw_events" => [ map { { event_id => "e-room-$_->[0]",
                                     event_date => $dates[1],
                                     meeting_uuid => "m-$dates[1]",
                                     person_key => "name:$_->[1]",
                                     participant_uuid => $_->[0],
                                     participant_name => $_->[1] } }
                             ([ 'pu-ann', 'Ann in a room' ],
                              [ 'pu-guest', 'Guest G' ]) ] });
$before = snapshot();
$c0 = $g->counts;
($rc, $out, $err) = zt('forget', '-c', $conf, '--email', 'ANN@example.com',
                       '--dry-run');
is($rc, 0, 'forget --dry-run exits 0') or diag($out, $err);
like($out, qr/2 identities in the warehouse/,
     'BigQuery names two identities: hers and her room key')
    or diag($out);
like($out, qr/warehouse\s+11 found/,
     '3 raw + 1 room + 3 camera + 2 reports (+1 nameless) + 1 preassigned')
    or diag($out);
like($out, qr/archive\s+3 found/, 'three of Ann\'s bodies under raw/')
    or diag($out);
is(($g->counts->{gcs_list} // 0) - ($c0->{gcs_list} // 0), 2,
   'six objects under raw/ listed in two pages (nextPageToken followed)');
is(snapshot(), $before, 'dry run changed nothing');

($rc, $out, $err) = zt('forget', '-c', $conf, '--email', 'ann@example.com');
is($rc, 0, 'forget exits 0') or diag($out, $err);
like($out, qr/warehouse\s+11 found, 11 removed/, 'eleven rows removed')
    or diag($out);
like($out, qr/archive\s+3 found, 3 removed/, 'three objects removed')
    or diag($out);
%left = map { $_ => 1 } $emu->list($B, '');
ok(!grep({ m{^raw/\d{4}-\d\d-\d\d/(zz-)?ann\.json$} } keys %left),
   'no body of Ann\'s left under the date folders');
is(scalar(grep { m{^raw/\d{4}-\d\d-\d\d/bob\.json$} } keys %left), 2,
   'Bob\'s two bodies kept');
ok($left{'raw/not-a-date/keep.json'} && $left{"other/$dates[3]/keep.json"},
   'objects outside the archive layout untouched');
for my $t (qw(raw_events camera_minutes daily_reports preassigned_rooms)) {
    my $rows = encode_json($g->rows("$DS.$t"));
    unlike($rows, qr/ann|id:pA/i, "$t: nothing of Ann's left");
    like($rows, qr/bob|id:pB/i, "$t: Bob's rows kept");
}
like(encode_json($g->rows("$DS.raw_events")), qr/Guest G/,
     'the guest\'s room event kept');

($rc, $out, $err) = zt('forget', '-c', $conf, '--email', 'ann@example.com');
is($rc, 0, 'forget again exits 0');
like($out, qr/warehouse\s+0 found.*\n.*archive\s+0 found/s,
     'rerun finds nothing') or diag($out);

# forget holds rows in the streaming buffer too
seed({ "$DS.raw_events" => [ { event_id => 'e-b2', event_date => $dates[0],
                               meeting_uuid => 'm-y',
                               person_key => 'id:pB',
                               participant_email => 'bob@example.com' } ] },
     1);
($rc, $out, $err) = zt('forget', '-c', $conf, '--email', 'bob@example.com');
is($rc, 1, 'forget with a streamed row exits 1');
like($err, qr/raw_events: 4 row\(s\) still in the streaming buffer/,
     'names the table held') or diag($err);
like($out, qr/4 warehouse row\(s\) still in BigQuery's streaming buffer: run again later/,
     'and says to run again') or diag($out);
like(encode_json($g->rows("$DS.camera_minutes")), qr/^\[\]$/,
     'the other tables were cleaned meanwhile');
is(scalar(grep { m{/bob\.json$} } $emu->list($B, 'raw/')), 0,
   'and Bob\'s bodies deleted');

unlike($err . $out, qr/Bearer|private_key|BEGIN/, 'nothing secret printed');

done_testing();
