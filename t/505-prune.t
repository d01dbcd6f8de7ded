#!/usr/bin/perl

# zoomtrack prune: with [retention] raw_days, warehouse_days and
# reports_days, a populated data dir loses exactly the dates before today
# minus N days (archive day folders, raw_events, camera minutes,
# daily_reports, report files), keeps the rest, counts the same in a dry
# run, and deletes nothing more when run again.  Empty keys keep all.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use POSIX qw(strftime);
use Test::More;
use ZtTest;
use ZoomDouble qw(make_warehouse sql_value raw_event);

BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $tmp = tmp_dir();
my $data = "$tmp/data";
my $day = 86400;
my @dates = map { strftime('%Y-%m-%d', gmtime(time - $_ * $day)) }
            (0, 5, 9, 10, 11, 40);            # ages in days

# archive: one day folder per date with two bodies each
for my $d (@dates) {
    mkdir "$data" unless -d $data;
    mkdir "$data/raw" unless -d "$data/raw";
    mkdir "$data/raw/$d";
    spit("$data/raw/$d/$_.json", '{}') for qw(a b);
}
mkdir "$data/raw/not-a-date";
spit("$data/raw/not-a-date/keep.json", '{}');

# warehouse: one event per date, camera minutes at each date's noon
my @rows = map { raw_event(event_date => $_, event_ts => 1000,
                           meeting_uuid => "m-$_") } @dates;
make_warehouse("$data/zoomtrack.db", @rows);
my $sql = "BEGIN;\n";
for my $d (@dates) {
    my ($y, $m, $dd) = split /-/, $d;
    my $noon = (POSIX::mktime(0, 0, 12, $dd, $m - 1, $y - 1900) // 0);
    $sql .= "INSERT INTO camera_minutes VALUES ('m-$d', 'k', "
          . ($noon * 1000) . ", 1);\n"
          . "INSERT INTO camera_fetches VALUES ('m-$d', 'ok', '', 'x');\n"
          . "INSERT INTO daily_reports (report_date, participant_name) "
          . "VALUES ('$d', 'P');\n";
}
ZoomDouble::run_sql("$data/zoomtrack.db", "$sql COMMIT;\n");

mkdir "$data/reports";
spit("$data/reports/DAILY_REPORT_$_.csv", "x\n") for @dates;
spit("$data/reports/notes.txt", "keep\n");

my $conf = "$tmp/z.conf";
spit($conf, "data_dir = $data\ntimezone = UTC\n\n[retention]\n"
     . "raw_days = 10\nwarehouse_days = 30\nreports_days = 9\n");

my $count = sub {
    my ($what) = @_;
    return scalar(() = glob($what));
};
my $snapshot = sub {
    return join(',', $count->("$data/raw/*/*.json"),
                sql_value("$data/zoomtrack.db",
                          'SELECT count(*) FROM raw_events'),
                sql_value("$data/zoomtrack.db",
                          'SELECT count(*) FROM camera_minutes'),
                sql_value("$data/zoomtrack.db",
                          'SELECT count(*) FROM daily_reports'),
                $count->("$data/reports/*"));
};

my $before = $snapshot->();
my ($rc, $out, $err) = run_zoomtrack(['prune', '-c', $conf, '--dry-run']);
is($rc, 0, 'dry run exits 0') or diag($err);
like($out, qr/archive before \Q$dates[3]\E: 4 file\(s\) in 2 day\(s\)/,
     'dry run counts the archive days older than 10 days') or diag($out);
is($snapshot->(), $before, 'dry run deletes nothing');

($rc, $out, $err) = run_zoomtrack(['prune', '-c', $conf]);
is($rc, 0, 'prune exits 0') or diag($err);
like($out, qr/archive before \Q$dates[3]\E: 4 file\(s\) in 2 day\(s\); warehouse before \S+: 3 row\(s\); reports before \Q$dates[2]\E: 3 file\(s\), 3 row\(s\)/,
     'summary') or diag($out);

is_deeply([ sort map { m{/raw/([^/]+)$} } glob("$data/raw/*") ],
          [ sort(@dates[0 .. 3], 'not-a-date') ],
          'archive: the folders of the last 10 days stay (and others)');
is(sql_value("$data/zoomtrack.db",
             'SELECT group_concat(event_date) FROM raw_events '
             . 'ORDER BY event_date'),
   join(',', sort @dates[0 .. 4]), 'raw_events: the 40-day-old row went');
is(sql_value("$data/zoomtrack.db", 'SELECT count(*) FROM camera_minutes'),
   5, 'camera_minutes: likewise');
is(sql_value("$data/zoomtrack.db", 'SELECT count(*) FROM camera_fetches'),
   5, 'camera_fetches of a meeting with nothing left went');
is(sql_value("$data/zoomtrack.db",
             'SELECT count(*) FROM daily_reports'), 3,
   'daily_reports: 9 days kept');
is_deeply([ sort map { m{/([^/]+)$} } glob("$data/reports/*") ],
          [ sort((map { "DAILY_REPORT_$_.csv" } @dates[0 .. 2]),
                 'notes.txt') ], 'report files: 9 days kept');

my $after = $snapshot->();
($rc, $out, $err) = run_zoomtrack(['prune', '-c', $conf]);
is($rc, 0, 'second run exits 0');
is($snapshot->(), $after, 'and deletes nothing more');
like($out, qr/0 file\(s\) in 0 day\(s\).*0 row\(s\)/, 'it says so');

spit($conf, "data_dir = $data\n");
($rc, $out, $err) = run_zoomtrack(['prune', '-c', $conf]);
is($rc, 0, 'no [retention]: exit 0');
is($snapshot->(), $after, 'and everything is kept');
is($out, "prune: archive kept (raw_days empty); warehouse kept "
   . "(warehouse_days empty); reports kept (reports_days empty)\n",
   'and says so, key by key');

# a --meeting report's file, DAILY_REPORT_<D>_<meeting>, goes by its date
spit("$data/reports/DAILY_REPORT_$dates[5]_85012345678.csv", "x\n");
spit("$data/reports/DAILY_REPORT_$dates[0]_85012345678.csv", "x\n");
spit($conf, "data_dir = $data\ntimezone = UTC\n[retention]\n"
     . "reports_days = 9\n");
($rc, $out, $err) = run_zoomtrack(['prune', '-c', $conf]);
is($rc, 0, 'meeting report files: exit 0') or diag($err);
ok(!-e "$data/reports/DAILY_REPORT_$dates[5]_85012345678.csv",
   'an old meeting report file goes');
ok(-e "$data/reports/DAILY_REPORT_$dates[0]_85012345678.csv",
   'a recent one stays');

spit($conf, "data_dir = $data\n[retention]\nraw_days = ten\n");
($rc, $out, $err) = run_zoomtrack(['prune', '-c', $conf]);
is($rc, 2, 'raw_days = ten: exit 2');
like($err, qr/number of days/, 'and says what it takes');
like($err, qr/^zoomtrack prune: retention\.raw_days "ten" must be 1\.\.100000 /m,
     'naming the key at fault and its value') or diag($err);

spit($conf, "data_dir = $data\n[retention]\nraw_days = 5\n"
     . "reports_days = 0\n");
($rc, $out, $err) = run_zoomtrack(['prune', '-c', $conf]);
is($rc, 2, 'reports_days = 0: exit 2');
like($err, qr/retention\.reports_days "0" must be /, 'that key, not all three')
    or diag($err);
unlike($err, qr/timezone|raw_days/, 'and nothing that is not at fault');

done_testing();
