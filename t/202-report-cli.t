#!/usr/bin/perl

# zoomtrack report: arguments, default output path, summary line,
# --meeting (a file of its own; none without events), --format json,
# --out -, an empty day.

use strict;
use warnings;

use JSON::PP;
use Test::More;

use lib 't/lib', 't/data/report';
use ZtTest;
use Fixture qw(parse_fixture load_warehouse);

my $top = top_dir();
chdir $top or die;
BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $dir = tmp_dir() . '/cli';
my $f = parse_fixture(slurp("$top/t/data/report/camera.ev"));
load_warehouse($f, $dir, $top);
my %env = (ZOOMTRACK_DATA_DIR => $dir, ZOOMTRACK_TIMEZONE => 'UTC');
my $golden = slurp("$top/t/data/report/camera.2026-02-03.csv");
my @golden = split /\n/, $golden;

sub report { run_zoomtrack(['report', @_], env => \%env) }

# arguments
my ($rc, $out, $err) = report('--help');
is($rc, 0, '--help exits 0');
like($out, qr/--date YYYY-MM-DD/, '--help describes --date');

($rc, $out, $err) = report();
is($rc, 2, 'no --date: usage error');
like($err, qr/--date YYYY-MM-DD is required/, 'no --date: message');

($rc, $out, $err) = report('--date', '2026-02-30');
is($rc, 2, 'impossible date: usage error');
like($err, qr/bad date "2026-02-30"/, 'impossible date: message');

($rc, $out, $err) = report('--date', '2026-02-03', '--format', 'xml');
is($rc, 2, 'unknown format: usage error');

($rc, $out, $err) = report('--date', '2026-02-03', '--bogus');
is($rc, 2, 'unknown option: usage error');

($rc, $out, $err) = run_zoomtrack(['report', '--date', '2026-02-03'],
    env => { %env, ZOOMTRACK_TIMEZONE => 'Mars/Olympus' });
is($rc, 2, 'unknown time zone: usage error');

# default path and summary (rooms count per meeting instance: c-room-1
# in meetings A and B is two rooms)
($rc, $out, $err) = report('--date', '2026-02-03');
is($rc, 0, 'default path: exit 0') or diag($err);
my $path = "$dir/reports/DAILY_REPORT_2026-02-03.csv";
is(slurp($path), $golden, "writes $path");
my $summary = 'report 2026-02-03 (UTC): 2 people, 2 rooms, 3 meetings, '
    . "4 rows -> $path";
like($out, qr/^\Q$summary\E$/m,
     'summary line: people, rooms, meetings, rows');
ok(!-e "$path.tmp", 'no temporary file left');

# report.dir
($rc, $out, $err) = run_zoomtrack(['report', '--date', '2026-02-03'],
    env => { %env, ZOOMTRACK_REPORT_DIR => "$dir/elsewhere/deep" });
is($rc, 0, 'report.dir: exit 0');
ok(-f "$dir/elsewhere/deep/DAILY_REPORT_2026-02-03.csv",
   'report.dir is created and used');

# --meeting by id and by uuid
($rc, $out, $err) = report('--date', '2026-02-03', '--meeting', 'cam-b==',
                           '--out', "$dir/b.csv");
is($rc, 0, '--meeting uuid: exit 0');
is(slurp("$dir/b.csv"), "$golden[0]\n$golden[3]\n",
   '--meeting uuid: one meeting');
($rc, $out, $err) = report('--date', '2026-02-03', '--meeting', '87777777779',
                           '--out', "$dir/c.csv");
is(slurp("$dir/c.csv"), "$golden[0]\n$golden[4]\n",
   '--meeting id: one meeting');
like($out, qr/1 people, 0 rooms, 1 meetings, 1 rows/, '--meeting: summary');

# --meeting without --out: a file of its own (the uuid made a file name),
# never the day's file
($rc, $out, $err) = report('--date', '2026-02-03', '--meeting', 'cam-b==');
is($rc, 0, '--meeting, default path: exit 0') or diag($err);
my $mpath = "$dir/reports/DAILY_REPORT_2026-02-03_cam-b__.csv";
is(slurp($mpath), "$golden[0]\n$golden[3]\n",
   "--meeting, default path: $mpath");
like($out, qr/-> \Q$mpath\E$/m, '--meeting: the summary names it');
is(slurp($path), $golden, '--meeting: the day\'s file is left whole');

# a meeting with no events that day: exit 2, said, nothing written
($rc, $out, $err) = report('--date', '2026-02-03', '--meeting',
                           'no-such-meeting');
is($rc, 2, '--meeting without events: exit 2');
like($err, qr/--meeting "no-such-meeting": no events of that meeting on 2026-02-03/,
     '--meeting without events: says so');
ok(!-e "$dir/reports/DAILY_REPORT_2026-02-03_no-such-meeting.csv",
   '--meeting without events: no file');
is(slurp($path), $golden, '--meeting without events: the day\'s file stays');

# --out - writes the report to stdout, the summary to stderr
($rc, $out, $err) = report('--date', '2026-02-03', '--out', '-');
is($out, $golden, '--out -: report on stdout');
like($err, qr/4 rows -> -/, '--out -: summary on stderr');

# an empty day: header only
($rc, $out, $err) = report('--date', '2026-03-01', '--out', "$dir/empty.csv");
is($rc, 0, 'empty day: exit 0');
is(slurp("$dir/empty.csv"), "$golden[0]\n", 'empty day: header only');

# JSON
($rc, $out, $err) = report('--date', '2026-02-03', '--format', 'json');
is($rc, 0, 'json: exit 0') or diag($err);
my $jpath = "$dir/reports/DAILY_REPORT_2026-02-03.json";
my $rows = eval { decode_json(slurp($jpath)) };
ok(ref $rows eq 'ARRAY', "json: $jpath is an array") or diag($@);
is(scalar @$rows, 4, 'json: 4 rows');
is_deeply([ sort keys %{ $rows->[0] } ],
          [ sort split /,/, ($golden[0] =~ s/"//gr) ], 'json: the CSV columns');
my $j = $rows->[0];
is($j->{participant_name}, 'Jane Doe', 'json: strings');
is($j->{room_number}, 1, 'json: room_number is a number');
is($j->{room_duration_mins}, 20, 'json: durations are numbers');
is($j->{camera_percentage}, 60, 'json: camera_percentage is a number');
ok(JSON::PP::is_bool($j->{join_time_known}) && $j->{join_time_known},
   'json: join_time_known is a boolean');
is($rows->[1]{room_name}, undef, 'json: empty room cells are null');
is($rows->[2]{camera_on_mins}, undef, 'json: pending camera cells are null');
is($rows->[2]{camera_status}, 'pending', 'json: camera_status');

($rc, $out, $err) = report('--date', '2026-03-01', '--format', 'json',
                           '--out', '-');
is($out, "[]\n", 'json: empty day is []');

# --out naming a FIFO (as /dev/null would be): written into, not replaced
# by a renamed temp file, which would leave a regular file in its place
{
    my $fifo = "$dir/out.fifo";
    system('mkfifo', $fifo) == 0 or die "mkfifo: $!";
    my $pid = fork // die;
    if ($pid == 0) {
        alarm 20;               # without a writer the open would wait forever
        open(my $in, '<', $fifo) or exit 1;
        open(my $o, '>', "$dir/fifo.csv") or exit 1;
        print $o $_ while <$in>;
        close $o;
        exit 0;
    }
    ($rc, $out, $err) = report('--date', '2026-02-03', '--out', $fifo);
    waitpid($pid, 0);
    is($rc, 0, '--out FIFO: exit 0') or diag($err);
    ok(-p $fifo, '--out FIFO: still a FIFO');
    is(slurp("$dir/fifo.csv"), $golden, '--out FIFO: the report went through');
    ok(!-e "$fifo.tmp", '--out FIFO: no temp file left');
}

done_testing();
