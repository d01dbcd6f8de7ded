#!/usr/bin/perl

# zoomtrack report stores its rows in the warehouse's daily_reports table:
# the same cells as the CSV (empty cells NULL), a full-day run replaces the
# day's rows, a --meeting run only that meeting's rows of the day, both
# idempotent; the example queries (sql/sqlite/queries/) run on it.

use strict;
use warnings;

use Test::More;

use lib 't/lib', 't/data/report';
use ZtTest;
use Fixture qw(parse_fixture load_warehouse);

my $top = top_dir();
chdir $top or die;
BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $dir = tmp_dir() . '/wh';
my $f = parse_fixture(slurp("$top/t/data/report/camera.ev"));
load_warehouse($f, $dir, $top);
my $db = "$dir/zoomtrack.db";
my %env = (ZOOMTRACK_DATA_DIR => $dir, ZOOMTRACK_TIMEZONE => 'UTC');

sub report { run_zoomtrack(['report', @_], env => \%env) }
sub sql {
    my ($q) = @_;
    open(my $fh, '-|', 'sqlite3', '-csv', $db, $q) or die "sqlite3: $!";
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

my ($rc, $out, $err) = report('--date', '2026-02-03', '--out',
                              "$dir/r.csv");
is($rc, 0, 'report: exit 0') or diag($err);

# the table holds the CSV, cell by cell (NULL for an empty cell)
my $csv = slurp("$dir/r.csv");
my @cols = split /,/, (split /\n/, $csv)[0];
s/"//g for @cols;
my $dump = sql('SELECT ' . join(', ', map { "COALESCE(\"$_\", '')" } @cols)
               . ' FROM daily_reports ORDER BY rowid');
my @want = map { my $l = $_; $l =~ s/"//g; $l }
           grep { !/^"report_date"/ } split /\n/, $csv;
my @got = map { my $l = $_; $l =~ s/"//g; $l } split /\n/, $dump;
is_deeply(\@got, \@want, 'daily_reports holds the CSV rows');
is(sql("SELECT count(*) FROM daily_reports WHERE room_number IS NULL"),
   "2\n", 'rows without a room: room cells NULL');

# idempotent: a second full-day run replaces, never duplicates
($rc, $out, $err) = report('--date', '2026-02-03', '--out', "$dir/r2.csv");
is($rc, 0, 'second run: exit 0') or diag($err);
is(sql('SELECT count(*) FROM daily_reports'), scalar(@want) . "\n",
   'second run: same number of rows');

# another day's rows are kept; a --meeting run replaces only that meeting
sql("INSERT INTO daily_reports (report_date, meeting_uuid) "
    . "VALUES ('2026-02-02', 'other==')");
sql("UPDATE daily_reports SET camera_status = 'stale' "
    . "WHERE meeting_uuid = 'cam-c=='");
($rc, $out, $err) = report('--date', '2026-02-03', '--meeting',
                           '87777777778', '--out', "$dir/b.csv");
is($rc, 0, '--meeting run: exit 0') or diag($err);
is(sql("SELECT count(*) FROM daily_reports WHERE report_date = "
       . "'2026-02-02'"), "1\n", 'other days are kept');
is(sql("SELECT count(*) FROM daily_reports WHERE camera_status = 'stale'"),
   "1\n", '--meeting run leaves the other meetings alone');
is(sql("SELECT count(*) FROM daily_reports WHERE meeting_uuid = 'cam-b=='"),
   "1\n", '--meeting run replaces that meeting\'s rows once');
is(sql('SELECT count(*) FROM daily_reports WHERE report_date = '
       . "'2026-02-03'"), scalar(@want) . "\n",
   '--meeting run: the day still has its rows once');

# the example queries run on the warehouse
my $j = `sqlite3 -csv $db < sql/sqlite/queries/participant_journey.sql`;
is($j, "2026-02-03,\"Jane Doe\",jane\@example.com,1,Room-1,"
       . "\"2026-02-03 09:10:00\",\"2026-02-03 09:30:00\",20.00,60.0,ok,"
       . "\"Main room\"\n"
       . "2026-02-03,\"Jane Doe\",jane\@example.com,1,Room-1,"
       . "\"2026-02-03 11:05:00\",\"2026-02-03 11:15:00\",10.00,,pending,"
       . "\"Main room\"\n",
   'participant journey on daily_reports');
my $s = `sqlite3 -csv $db < sql/sqlite/queries/room_activity_summary.sql`;
is($s, "Room-1,1,2,15.0,60.0\n", 'room summary on daily_reports');

done_testing();
