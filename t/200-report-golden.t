#!/usr/bin/perl

# Golden daily reports: every t/data/report/NAME.ev scenario is loaded into
# a fresh SQLite warehouse and `zoomtrack report --date D` must write
# exactly t/data/report/NAME.D.csv, cell by cell; NAME.roster.csv, when
# there, is the roster ([roster] file).  ZT_REGEN=1 rewrites the expected
# files (review the diff before committing): the run then warns loudly and
# fails, so a regenerated run can never pass as a check.

use strict;
use warnings;

use File::Basename qw(basename);
use Test::More;

use lib 't/lib', 't/data/report';
use ZtTest;
use Fixture qw(parse_fixture load_warehouse);

my $top = top_dir();
chdir $top or die;
BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my @scenarios = sort glob("$top/t/data/report/*.ev");
my $n = 0;

for my $ev (@scenarios) {
    my $name = basename($ev, '.ev');
    my @expect = sort glob("$top/t/data/report/$name.*.csv");
    next unless @expect;

    my $f = parse_fixture(slurp($ev));
    my $dir = tmp_dir() . "/$name";
    load_warehouse($f, $dir, $top);

    for my $exp (@expect) {
        my ($date, $meeting) = basename($exp) =~
            /^\Q$name\E\.(\d{4}-\d\d-\d\d)(?:\.meeting-(.+))?\.csv$/
            or next;
        $n++;
        my $out = "$dir/$date" . ($meeting ? ".$meeting" : '') . '.csv';
        my ($rc, $stdout, $stderr) = run_zoomtrack(
            ['report', '--date', $date, '--out', $out,
             $meeting ? ('--meeting', $meeting) : ()],
            env => { ZOOMTRACK_DATA_DIR => $dir,
                     ZOOMTRACK_TIMEZONE => $f->{tz},
                     -f "$top/t/data/report/$name.roster.csv"
                     ? (ZOOMTRACK_ROSTER_FILE =>
                        "$top/t/data/report/$name.roster.csv") : () });
        is($rc, 0, "$name $date: exit 0") or diag($stderr);
        my $got = slurp($out) // '';
        if ($ENV{ZT_REGEN}) {
            spit($exp, $got);
            diag("*** ZT_REGEN: REWROTE " . basename($exp) . " -- review "
                 . "the diff, then run again without ZT_REGEN ***");
            fail("$name $date: expected file regenerated, not checked");
        }
        my $want = slurp($exp);
        is_deeply([ split /\n/, $got, -1 ], [ split /\n/, $want, -1 ],
                  "$name $date: report matches " . basename($exp));
    }
}

ok($n > 0, 'scenarios found');
done_testing();

