#!/usr/bin/perl

# The report agrees with `zoomtrack simulate`: meetings played through
# nginx, redis and `zoomtrack drain` into the SQLite warehouse, with
# duplicate deliveries, shuffled order and lost breakout leaves, give per
# person exactly the presence intervals and room visits simulate says
# happened (its JSON), clipped to each reported day.  The second meeting
# crosses local midnight in Europe/Istanbul.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use POSIX qw(strftime);
use Test::More;
use ZtTest;
use ZtWebhook;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
my $so = build_dir() . '/ngx_http_zoomtrack_module.so';
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;
BAIL_OUT("$so not built (make module)") unless -f $so;

my $TZ = 'Europe/Istanbul';
my $tmp = tmp_dir();
my ($redis, $ng) = setup(queues => ['zoomtrack:warehouse']);
spit("$tmp/secret", SECRET . "\n");

my $data = "$tmp/data";
my $conf = ZtDrain::write_conf("$tmp/r.conf", data_dir => $data,
                               redis => $redis->address, timezone => $TZ,
                               'archive.enabled' => 'no',
                               'status.enabled' => 'no');
my $db = "$data/zoomtrack.db";
my $drain = ZtDrain::start_drain($conf, "$tmp/drain.log");

my @runs = (
    [ '--participants', 16, '--rooms', 3, '--minutes', 60, '--seed', 7,
      '--duplicates', 0.2, '--shuffle', 16, '--missing', 0.3 ],
    [ '--participants', 10, '--rooms', 4, '--minutes', 90, '--seed', 11,
      '--start', '2026-02-03T20:15:00Z', '--duplicates', 0.3,
      '--shuffle', 8 ],
);

my (@sims, $unique);
for my $args (@runs) {
    my ($rc, $out, $err) = run_zoomtrack(
        ['simulate', '-c', $conf, '--url', $ng->url('/webhook'),
         '--secret-file', "$tmp/secret", @$args], timeout => 120);
    is($rc, 0, "simulate @$args[0 .. 5]: exit 0") or diag($err);
    my $r = json_decode_ok($out) or BAIL_OUT("simulate printed no JSON");
    push @sims, $r;
    $unique += $r->{unique_events};
}

ok(wait_until(sub { ZtDrain::db_count($db) == $unique }, 60,
              "$unique warehouse rows"), 'warehouse holds every event')
    or diag(ZtDrain::db_count($db));

kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 30), 0, 'drain exits 0');

for my $sim (@sims) {
    my %dates;
    for my $ms ($sim->{start_ms}, $sim->{end_ms}) {
        $dates{ local_time($ms, '%Y-%m-%d') } = 1;
    }
    for my $date (sort keys %dates) {
        check_day($sim, $date);
    }
}

done_testing();


sub local_time {
    my ($ms, $fmt) = @_;
    local $ENV{TZ} = $TZ;
    POSIX::tzset();
    return strftime($fmt, localtime(int($ms / 1000)));
}

sub day_bounds {
    my ($date) = @_;
    my ($y, $m, $d) = split /-/, $date;
    local $ENV{TZ} = $TZ;
    POSIX::tzset();
    my $s = POSIX::mktime(0, 0, 0, $d, $m - 1, $y - 1900, 0, 0, -1);
    my $e = POSIX::mktime(0, 0, 0, $d + 1, $m - 1, $y - 1900, 0, 0, -1);
    return ($s * 1000, $e * 1000);
}

sub mins { sprintf('%.2f', int(($_[0] * 100 + 30000) / 60000) / 100) }

# the rows simulate's truth implies for one person on one day
sub expected_rows {
    my ($sim, $p, $ds, $de) = @_;
    my $mend = $sim->{end_ms};
    my (@iv, $dur);
    for my $i (@{ $p->{intervals} }) {
        my ($s, $e) = ($i->[0], $i->[1] // $mend);
        next unless $s < $de && $e > $ds;
        ($s, $e) = ($s < $ds ? $ds : $s, $e > $de ? $de : $e);
        push @iv, [$s, $e];
        $dur += $e - $s;
    }
    return () unless @iv;

    my @head = ($p->{name}, $p->{email}, local_time($iv[0][0], '%F %T'),
                local_time($iv[-1][1], '%F %T'), mins($dur));
    my @v = @{ $p->{visits} };
    my @rows;
    for my $k (0 .. $#v) {
        my ($s, $e) = ($v[$k]{join_ms}, $v[$k]{leave_ms} // $mend);
        next unless $s < $de && $e > $ds;
        my $next = $v[$k]{next_room};
        ($s, $e) = ($s < $ds ? $ds : $s, $e > $de ? $de : $e);
        push @rows, join('|', @head, scalar(@rows) + 1, $v[$k]{room_name},
                         $v[$k]{room_uuid}, local_time($s, '%F %T'),
                         local_time($e, '%F %T'), mins($e - $s), $next,
                         'true');
    }
    push @rows, join('|', @head, ('') x 7, 'true') unless @rows;
    return @rows;
}

sub check_day {
    my ($sim, $date) = @_;
    my ($ds, $de) = day_bounds($date);
    my ($rc, $out, $err) = run_zoomtrack(
        ['report', '-c', $conf, '--date', $date, '--format', 'json',
         '--meeting', $sim->{meeting_uuid}, '--out', '-']);
    is($rc, 0, "report $sim->{seed} $date: exit 0") or diag($err);
    my $rows = json_decode_ok($out) || [];

    my @got = sort map {
        my $r = $_;
        join('|', map { my $v = $r->{$_}; !defined $v ? ''
                        : JSON::PP::is_bool($v) ? ($v ? 'true' : 'false')
                        : /_mins$/ ? sprintf('%.2f', $v) : $v }
             qw(participant_name participant_email meeting_join_time
                meeting_leave_time meeting_duration_mins room_number
                room_name room_uuid room_join_time room_leave_time
                room_duration_mins next_room join_time_known));
    } @$rows;
    my @want = sort map { expected_rows($sim, $_, $ds, $de) }
                    @{ $sim->{participants} };
    utf8::encode($_) for @want;
    utf8::encode($_) for @got;

    ok(@want > 0, "seed $sim->{seed} $date: people present");
    is_deeply(\@got, \@want,
              "seed $sim->{seed} $date: report = simulate's visits")
        or diag(join("\n", 'got:', @got, 'want:', @want));
}
