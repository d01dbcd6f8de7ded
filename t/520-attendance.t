#!/usr/bin/perl

# zoomtrack attendance over several days against a roster (BOM,
# semicolons): per person sessions held and attended, minutes, share of
# meeting time, times late and left early, equal to rows computed by hand;
# a guest; a roster person who came under two identities; two people with
# one name told apart by email; a malformed roster row refused by line;
# csv, json and html (names as text).

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

# two sessions of one course, Monday and Tuesday, 60 minutes each
my $ev = <<'EV';
tz Europe/Berlin
date 2026-11-23
meeting M1 uuid=att-mon== id=85033334444
meeting M2 uuid=att-tue== id=85033334444
person ana id=uA email=ana@example.org name="Ana Lima"
person bo id=uB email=bo@example.org name="Bo Chen"
person bophone name="Bo Chen (Guest)"
person kim1 id=uK1 email=kim1@example.org name="Kim Park"
person kim2 id=uK2 email=kim2@example.org name="Kim Park"
person eve name="<img src=x onerror=alert(1)>"
at 2026-11-23T09:00:00Z M1 start
at 2026-11-23T09:00:00Z M1 join ana
at 2026-11-23T09:12:00Z M1 join bo
at 2026-11-23T09:00:00Z M1 join kim1
at 2026-11-23T09:00:00Z M1 join kim2
at 2026-11-23T09:20:00Z M1 join eve
at 2026-11-23T09:30:00Z M1 leave eve
at 2026-11-23T09:40:00Z M1 leave kim2
at 2026-11-23T10:00:00Z M1 leave ana
at 2026-11-23T10:00:00Z M1 leave bo
at 2026-11-23T10:00:00Z M1 leave kim1
at 2026-11-23T10:00:00Z M1 end
at 2026-11-24T09:00:00Z M2 start
at 2026-11-24T09:00:00Z M2 join ana
at 2026-11-24T09:30:00Z M2 leave ana
at 2026-11-24T09:01:00Z M2 join bo
at 2026-11-24T09:20:00Z M2 leave bo
at 2026-11-24T09:20:00Z M2 join bophone
at 2026-11-24T10:00:00Z M2 leave bophone
at 2026-11-24T09:00:00Z M2 join kim1
at 2026-11-24T10:00:00Z M2 leave kim1
at 2026-11-24T10:00:00Z M2 end
EV

my $dir = tmp_dir() . '/att';
load_warehouse(parse_fixture($ev), $dir, $top);
spit("$dir/roster.csv", "\xEF\xBB\xBFname;email;group\r\n"
     . "Ana Lima;ana\@example.org;A\r\n"
     . "Bo Chen;;B\r\n"
     . "Kim Park;kim1\@example.org;A\r\n"
     . "Kim Park;kim2\@example.org;B\r\n"
     . "Dee Absent;dee\@example.org;B\r\n");
my %env = (ZOOMTRACK_DATA_DIR => $dir, ZOOMTRACK_TIMEZONE => 'Europe/Berlin',
           ZOOMTRACK_ROSTER_FILE => "$dir/roster.csv");

my ($rc, $out, $err) = run_zoomtrack(
    ['attendance', '--from', '2026-11-23', '--to', '2026-11-24',
     '--format', 'json', '--out', "$dir/a.json"], env => \%env);
is($rc, 0, 'attendance exits 0') or diag($err);
like($out, qr/2 session\(s\), 6 people/, 'two sessions, six people')
    or diag($out);
my $rows = decode_json(slurp("$dir/a.json"));
my %by = map { ("$_->{participant_name}|$_->{participant_email}" => $_) }
         @$rows;

# hand-computed: minutes, share of 120 min (or of the sessions held)
my @want = (
  # name, email, group, held, attended, minutes, pct, late, early
  [ 'Ana Lima', 'ana@example.org', 'A', 2, 2, '90.0', '75.0', 0, 1 ],
  # Bo: Mon 09:12-10:00 (late), Tue 09:01-09:20 + phone 09:20-10:00
  [ 'Bo Chen', '', 'B', 2, 2, '107.0', '89.2', 1, 0 ],
  [ 'Kim Park', 'kim1@example.org', 'A', 2, 2, '120.0', '100.0', 0, 0 ],
  [ 'Kim Park', 'kim2@example.org', 'B', 2, 1, '40.0', '33.3', 0, 1 ],
  [ 'Dee Absent', 'dee@example.org', 'B', 2, 0, '0.0', '0.0', 0, 0 ],
  [ '<img src=x onerror=alert(1)>', '', '', 1, 1, '10.0', '16.7', 1, 1 ],
);
for my $w (@want) {
    my $r = $by{"$w->[0]|$w->[1]"};
    ok($r, "row for $w->[0] $w->[1]") or next;
    is_deeply([ @$r{qw(group sessions_held sessions_attended total_minutes
                       attendance_pct times_late times_left_early)} ],
              [ @$w[2 .. 8] ], "$w->[0] $w->[1]: the hand-computed row");
}
is(scalar @$rows, 6, 'no other rows');

# no roster (the newcomer's first run): the same minutes, share, late and
# left early per identity, nobody absent, no status
{
    my %nr = %env;
    delete $nr{ZOOMTRACK_ROSTER_FILE};
    ($rc, $out, $err) = run_zoomtrack(
        ['attendance', '--from', '2026-11-23', '--to', '2026-11-24',
         '--format', 'json', '--out', "$dir/nr.json"], env => \%nr);
    is($rc, 0, 'no roster: exit 0') or diag($err);
    my %nb = map { ("$_->{participant_name}|$_->{participant_email}" => $_) }
             @{ decode_json(slurp("$dir/nr.json")) };
    # Ana as above; Bo's phone is a person of its own without the roster
    for my $w ([ 'Ana Lima', 'ana@example.org', 2, 2, '90.0', '75.0', 0, 1 ],
               [ 'Bo Chen', 'bo@example.org', 2, 2, '67.0', '55.8', 1, 1 ],
               [ 'Bo Chen (Guest)', '', 1, 1, '40.0', '66.7', 1, 0 ],
               [ 'Kim Park', 'kim2@example.org', 1, 1, '40.0', '66.7', 0,
                 1 ]) {
        my $r = $nb{"$w->[0]|$w->[1]"};
        ok($r, "no roster: row for $w->[0] $w->[1]") or next;
        is_deeply([ @$r{qw(sessions_held sessions_attended total_minutes
                           attendance_pct times_late times_left_early)} ],
                  [ @$w[2 .. 7] ], "no roster: $w->[0] $w->[1]");
    }
    ok(!exists $nb{'Dee Absent|dee@example.org'}, 'no roster: nobody absent');
}

($rc, $out, $err) = run_zoomtrack(
    ['attendance', '--from', '2026-11-23', '--to', '2026-11-23',
     '--out', "$dir/mon.csv"], env => \%env);
is($rc, 0, 'one day, csv');
my $csv = slurp("$dir/mon.csv");
like($csv, qr/^"participant_name","participant_email","group",/,
     'csv header');
like($csv, qr/"Dee Absent","dee\@example.org","B","1","0"/,
     'Dee absent on Monday');

($rc, $out, $err) = run_zoomtrack(
    ['attendance', '--from', '2026-11-23', '--to', '2026-11-24',
     '--format', 'html', '--out', "$dir/a.html"], env => \%env);
is($rc, 0, 'html');
my $html = slurp("$dir/a.html");
like($html, qr/&lt;img src=x onerror=alert\(1\)&gt;/, 'names as text');
unlike($html, qr/<img/, 'no markup from a name');
like($html, qr/class="s A" title="absent">A</, 'absent cells coloured');

($rc, $out, $err) = run_zoomtrack(
    ['attendance', '--from', '2026-11-23', '--to', '2026-11-24', '--out',
     "$dir/no-such-dir/a.csv"], env => \%env);
is($rc, 1, 'an --out that cannot be written: exit 1');
like($err, qr/cannot write ".*no-such-dir\/a\.csv": No such file/,
     'and why');

# --out is written as the report's file is: owner-only, a temp file
# renamed into place (no symlink followed, no old mode kept), a FIFO
# written as it is
{
    my @att = ('attendance', '--from', '2026-11-23', '--to', '2026-11-23');
    my $mode = sub { sprintf('%04o', (stat $_[0])[2] & 07777) };
    umask 022;
    ($rc, $out, $err) = run_zoomtrack([@att, '--out', "$dir/o.csv"],
                                      env => \%env);
    is($rc, 0, '--out: exit 0') or diag($err);
    is($mode->("$dir/o.csv"), '0600', '--out: owner-only under umask 022');
    is(slurp("$dir/o.csv"), $csv, '--out: the table');
    ok(!glob("$dir/o.csv.tmp*"), '--out: no temp file left');

    spit("$dir/old.csv", "old\n");
    chmod 0644, "$dir/old.csv";
    ($rc, $out, $err) = run_zoomtrack([@att, '--out', "$dir/old.csv"],
                                      env => \%env);
    is($mode->("$dir/old.csv"), '0600', '--out: an old file\'s 0644 goes');

    spit("$dir/victim", "keep\n");
    symlink("$dir/victim", "$dir/link.csv") or die $!;
    ($rc, $out, $err) = run_zoomtrack([@att, '--out', "$dir/link.csv"],
                                      env => \%env);
    is($rc, 0, '--out symlink: exit 0') or diag($err);
    is(slurp("$dir/victim"), "keep\n", '--out: a symlink is not followed');
    ok(-f "$dir/link.csv" && !-l "$dir/link.csv",
       '--out: the symlink is replaced by the file');

    my $fifo = "$dir/att.fifo";
    system('mkfifo', $fifo) == 0 or die "mkfifo: $!";
    my $pid = fork // die;
    if ($pid == 0) {
        alarm 20;
        open(my $in, '<', $fifo) or exit 1;
        open(my $o, '>', "$dir/fifo.csv") or exit 1;
        print $o $_ while <$in>;
        close $o;
        exit 0;
    }
    ($rc, $out, $err) = run_zoomtrack([@att, '--out', $fifo], env => \%env);
    waitpid($pid, 0);
    is($rc, 0, '--out FIFO: exit 0') or diag($err);
    ok(-p $fifo, '--out FIFO: still a FIFO');
    is(slurp("$dir/fifo.csv"), $csv, '--out FIFO: the table went through');
}

spit("$dir/bad.csv", "name,email\nAna,ana\@example.org\nBo,bo-at-home\n");
($rc, $out, $err) = run_zoomtrack(
    ['attendance', '--from', '2026-11-23', '--to', '2026-11-24'],
    env => { %env, ZOOMTRACK_ROSTER_FILE => "$dir/bad.csv" });
is($rc, 2, 'a malformed roster: exit 2');
like($err, qr/bad\.csv line 3: "bo-at-home" is not an email address/,
     'named by line');

($rc, $out, $err) = run_zoomtrack(
    ['report', '--date', '2026-11-23', '--out', "$dir/r.csv"],
    env => { %env, ZOOMTRACK_ROSTER_FILE => "$dir/bad.csv" });
is($rc, 2, 'the report with a malformed roster: exit 2');
like($err, qr/bad\.csv line 3/, 'and the line');

# a bad [roster] number: the key at fault and its value, nothing else
($rc, $out, $err) = run_zoomtrack(
    ['attendance', '--from', '2026-11-23', '--to', '2026-11-24'],
    env => { %env, ZOOMTRACK_ROSTER_LATE_AFTER_MINS => 'soon' });
is($rc, 2, 'late_after_mins = soon: exit 2');
like($err, qr/^zoomtrack attendance: roster\.late_after_mins "soon" must be 0\.\.1440$/m,
     'names that key and value') or diag($err);
unlike($err, qr/min_attendance_pct|left_early/, 'and no other key');

($rc, $out, $err) = run_zoomtrack(['attendance', '--from', '2026-11-24',
                                   '--to', '2026-11-23'], env => \%env);
is($rc, 2, 'a period backwards: exit 2');

# one warehouse query per day, at most 1,000 days: a longer period is
# refused, never read only in part
($rc, $out, $err) = run_zoomtrack(['attendance', '--from', '2024-02-28',
                                   '--to', '2026-11-24', '--out', '-'],
                                  env => \%env);
is($rc, 2, '1,001 days: exit 2');
like($err, qr/--from 2024-02-28 --to 2026-11-24 is 1001 days; at most 1000/,
     'and says how long the period is') or diag($err);
($rc, $out, $err) = run_zoomtrack(['attendance', '--from', '2024-02-29',
                                   '--to', '2026-11-24', '--out', '-'],
                                  env => \%env);
is($rc, 0, 'a period of 1,000 days: exit 0') or diag($err);
like($err, qr/2 session\(s\), 6 people/, 'and it reaches its last days');

done_testing();
