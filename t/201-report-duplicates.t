#!/usr/bin/perl

# Duplicated and out-of-order events change no cell: the three-room
# scenario loaded with every event three times (same event_id, as Zoom's
# redeliveries; and distinct event_ids, as from two subscriptions) and in
# shuffled arrival orders gives exactly the golden CSV of the clean load.

use strict;
use warnings;

use Test::More;

use lib 't/lib', 't/data/report';
use ZtTest;
use Fixture qw(parse_fixture load_warehouse);

my $top = top_dir();
chdir $top or die;
BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $date = '2026-02-03';
my $want = slurp("$top/t/data/report/three_rooms.$date.csv");
my $ev = slurp("$top/t/data/report/three_rooms.ev");

my @variants = (
    [ 'shuffled arrival',            1, 'sameid', 7 ],
    [ 'x3 same event_id',            3, 'sameid', undef ],
    [ 'x3 same event_id, shuffled',  3, 'sameid', 42 ],
    [ 'x3 new event_ids',            3, 'newid', undef ],
    [ 'x3 new event_ids, shuffled',  3, 'newid', 1 ],
    [ 'x3 new event_ids, reshuffled', 3, 'newid', 2026 ],
);

my $i = 0;
for my $v (@variants) {
    my ($what, $copies, $idmode, $seed) = @$v;
    my $f = parse_fixture($ev);
    $f->{copies} = $copies;
    $f->{idmode} = $idmode;
    $f->{shuffle} = $seed;
    my $dir = tmp_dir() . '/dup' . ++$i;
    load_warehouse($f, $dir, $top);

    my ($rc, $out, $err) = run_zoomtrack(
        ['report', '--date', $date, '--out', "$dir/r.csv"],
        env => { ZOOMTRACK_DATA_DIR => $dir, ZOOMTRACK_TIMEZONE => 'UTC' });
    is($rc, 0, "$what: exit 0") or diag($err);
    is(slurp("$dir/r.csv"), $want, "$what: same CSV as the clean load");
}

done_testing();
