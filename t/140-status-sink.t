# The status sink through the real drainer: records LPUSHed straight into
# the status queue, `zoomtrack drain --once` runs.  The CSV content is
# compared byte for byte (Lookout's quoted columns plus Room and Meeting,
# Europe/Istanbul times, newest first, formula injection neutralised); the
# state carries over a drainer restart; an unchanged CSV is not rewritten
# (same inode) even when the same records are delivered again; the
# allowlist filters rows and no email ever reaches the file; a room join
# whose main join was lost shows the person online in that room.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $T0 = 1626230691000;                 # 2021-07-14 05:44:51 Istanbul
my $n = 0;

# a queue record for a Zoom-shaped event; %a: type, t (seconds after T0),
# id, reg, email, name, room; base (ms, instead of T0)
sub ev {
    my (%a) = @_;
    my $ts = ($a{base} // $T0) + 1000 * $a{t};
    my $obj = { id => '1234567890', uuid => 'mtg/uuid+A==',
                host_id => 'host', topic => 'Status test', type => 2 };
    $obj->{breakout_room_uuid} = $a{room} if $a{room};
    if (defined $a{name}) {
        $obj->{participant} = {
            user_id => '1600' . $n, user_name => $a{name},
            id => $a{id} // '', email => $a{email} // '',
            participant_uuid => 'pu-' . ($a{id} // $a{name}),
            ($a{reg} ? (registrant_id => $a{reg}) : ()),
            ($a{why} ? (leave_reason => $a{why}) : ()),
        };
    }
    my $body = JSON::PP->new->canonical->encode({
        event => $a{type}, event_ts => $ts,
        payload => { account_id => 'acct', object => $obj } });
    return ZtDrain::make_record($body,
                                event_id => ZtDrain::event_id(140, ++$n));
}

sub join_ev  { ev(type => 'meeting.participant_joined', @_) }
sub left_ev  { ev(type => 'meeting.participant_left', @_) }
sub rjoin_ev { ev(type => 'meeting.participant_joined_breakout_room', @_) }

my @alice = (id => 'zoomA', email => 'alice@example.com', name => 'Alice');
my @bob = (name => 'Bob');
my @carol = (email => 'Carol@X.org', name => 'Carol');
my @evil = (name => q{=cmd|' /C calc'!A0});

my @run1 = (
    join_ev(t => 0, @alice),
    join_ev(t => 5, @bob),
    join_ev(t => 10, @evil),
    left_ev(t => 20, @evil),
    # Carol's leave is delivered before her join
    left_ev(t => 40, @carol),
    join_ev(t => 30, @carol),
    # Alice moves into a room: the main left/joined pair plus the room join
    left_ev(t => 60, @alice),
    join_ev(t => 60, @alice),
    rjoin_ev(t => 60, @alice, room => 'room-1'),
    # Zoom's participant_left for one who gave up in the waiting room: she
    # was never in the meeting (no row, before and after the restart that
    # replays the journal)
    left_ev(t => 70, name => 'Wendy',
            why => 'Wendy left the meeting.<br>Reason: Leave waiting room.'),
);

my $data = "$tmp/data";
my $conf = conf("$tmp/status.conf", $data, '');
my $csv = "$data/_data/zoom-room-dashboard.csv";
my $state = "$data/status-state.json";

sub conf {
    my ($path, $dir, $allow) = @_;
    ZtDrain::write_conf($path, data_dir => $dir, redis => $redis->address,
                        timezone => 'Europe/Istanbul',
                        'archive.enabled' => 'no',
                        'warehouse.enabled' => 'no',
                        'status.enabled' => 'yes',
                        # the meeting ended in 2021: kept for this test
                        'status.keep_hours' => 100000);
    my $c = slurp($path);
    spit($path, "status_interval_ms = 100\nstatus_allowlist = $allow\n$c");
    return $path;
}

sub drain_once {
    my ($c, $what) = @_;
    my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $c, '--once'],
                                         timeout => 60);
    is($rc, 0, "$what: drain --once exits 0") or diag($err);
    unlike($err, qr/\[error\]/, "$what: no [error] in the log")
        or diag($err);
    is($redis->llen('zoomtrack:status'), 0, "$what: queue drained");
}

my $H = qq{"Username","Status","Last Join","Last Left","Room","Meeting"\n};

# ------------------------------------------------------------ first run

ZtDrain::push_records($redis->port, ['zoomtrack:status'], \@run1);
drain_once($conf, 'run 1');

is(slurp($csv), $H
   . qq{"Carol","offline","2021-07-14 05:45:21","2021-07-14 05:45:31","","1234567890"\n}
   . qq{"'=cmd|' /C calc'!A0","offline","2021-07-14 05:45:01","2021-07-14 05:45:11","","1234567890"\n}
   . qq{"Bob","online","2021-07-14 05:44:56","","","1234567890"\n}
   . qq{"Alice","online","2021-07-14 05:44:51","","Room-1","1234567890"\n},
   'run 1: CSV exact (room move is no departure, late leave harmless)');

ok(-s "$state.journal", 'state journal written');
is((stat "$state.journal")[2] & 0777, 0600, 'state journal is private');
ok(!-e $state, 'no snapshot for a small journal');
is((stat $csv)[2] & 0777, 0600,
   'CSV is owner-only by default ([drain] file_mode widens it)');
is(scalar(grep { /\.tmp\./ } glob("$data/_data/* $data/*")), 0,
   'no temp files left');
my $ino = (stat $csv)[1];

# ------------------------------------------------------------ no change

drain_once($conf, 'idle restart');
is((stat $csv)[1], $ino, 'idle restart: CSV not rewritten');

ZtDrain::push_records($redis->port, ['zoomtrack:status'], [@run1, @run1]);
drain_once($conf, 'redelivery');
is((stat $csv)[1], $ino, 'redelivery x2: CSV not rewritten');

# ------------------------------------------------------------ restart

my @run2 = (
    left_ev(t => 100, @bob),
    ev(type => 'meeting.ended', t => 200),
    # a duplicate and a waiting-room event: no effect
    join_ev(t => 30, @carol),
    ev(type => 'meeting.participant_joined_waiting_room', t => 300, @bob),
);
ZtDrain::push_records($redis->port, ['zoomtrack:status'], \@run2);
drain_once($conf, 'run 2');

is(slurp($csv), $H
   . qq{"Alice","offline","2021-07-14 05:44:51","2021-07-14 05:48:11","","1234567890"\n}
   . qq{"Bob","offline","2021-07-14 05:44:56","2021-07-14 05:46:31","","1234567890"\n}
   . qq{"Carol","offline","2021-07-14 05:45:21","2021-07-14 05:45:31","","1234567890"\n}
   . qq{"'=cmd|' /C calc'!A0","offline","2021-07-14 05:45:01","2021-07-14 05:45:11","","1234567890"\n},
   'run 2: state survived the restart; meeting.ended took everyone offline');
isnt((stat $csv)[1], $ino, 'run 2: CSV replaced');

# ------------------------------------------------------------ allowlist

my $data2 = "$tmp/data2";
my $conf2 = conf("$tmp/allow.conf", $data2, ' alice@EXAMPLE.com , carol');
ZtDrain::push_records($redis->port, ['zoomtrack:status'], \@run1);
drain_once($conf2, 'allowlist');
my $c2 = slurp("$data2/_data/zoom-room-dashboard.csv");
is($c2, $H
   . qq{"Carol","offline","2021-07-14 05:45:21","2021-07-14 05:45:31","","1234567890"\n}
   . qq{"Alice","online","2021-07-14 05:44:51","","Room-1","1234567890"\n},
   'allowlist: by email or name, case-insensitive');
unlike(slurp($csv) . $c2, qr/@/, 'no email in any status CSV');

# ------------------------------------------------------------ torn journal

# a line cut short by a crash was never acked: dropped at load, and the
# journal goes on after the last whole line
my $jsize = -s "$state.journal";
open(my $jf, '>>', "$state.journal") or die $!;
print $jf '{"event_type":"meeting.participant_joi';
close $jf;
ZtDrain::push_records($redis->port, ['zoomtrack:status'],
                      [join_ev(t => 300, name => 'Dave')]);
my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once'],
                                     timeout => 60);
is($rc, 0, 'torn journal: drain --once exits 0') or diag($err);
like($err, qr/dropping a line cut short/, 'torn journal: says so');
like(slurp($csv), qr/"Dave","online"/, 'torn journal: new record folded');
my $j = slurp("$state.journal");
is(scalar(grep { !eval { decode_json($_); 1 } } split /\n/, $j), 0,
   'torn journal: every line whole again');
ok(-s "$state.journal" > $jsize, 'torn journal: appended after the cut');

# ------------------------------------------------------------ bad state

my $data3 = "$tmp/data3";
my $conf3 = conf("$tmp/bad.conf", $data3, '');
spit("$data3/status-state.json", "{not json");
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf3, '--once'],
                                  timeout => 60);
isnt($rc, 0, 'a corrupt state file stops the drainer');
like($err, qr/cannot load state/, 'and says why');

unlink "$data3/status-state.json";
spit("$data3/status-state.json.journal", "{\"event_type\":1}\nnot json\n");
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf3, '--once'],
                                  timeout => 60);
isnt($rc, 0, 'a corrupt journal line stops the drainer');
like($err, qr/corrupt journal .* \(line 2\)/, 'and names the line');

# ------------------------------------------------------------ lost main join

# Erin's meeting.participant_joined is lost, her room join comes: she is
# online in the room (the CSV, and open in the timeline, which shows the
# last 12 hours: the meeting is now) until she leaves from it
my $data4 = "$tmp/data4";
my $conf4 = conf("$tmp/lostjoin.conf", $data4, '');
my $now = 1000 * (time() - 600);
my @erin = (id => 'zoomE', name => 'Erin', base => $now);
ZtDrain::push_records($redis->port, ['zoomtrack:status'],
                      [join_ev(t => 0, @alice, base => $now),
                       rjoin_ev(t => 20, @erin, room => 'room-2')]);
drain_once($conf4, 'lost main join');
my $csv4 = "$data4/_data/zoom-room-dashboard.csv";
like(slurp($csv4), qr/"Erin","online","[0-9 :-]{19}","","Room-1",/,
     'lost main join: online in the room of her room join');
my $tl = decode_json(slurp("$data4/_data/zoom-room-timeline.json"));
my ($erin) = grep { $_->{name} eq 'Erin' } @{ $tl->{meetings}[0]{people} };
ok($erin && $erin->{online} && $erin->{last_join} == $now + 20000
   && !defined $erin->{intervals}[-1]{to}
   && @{ $erin->{visits} } == 1 && !defined $erin->{visits}[0]{to},
   'lost main join: her interval and visit are open in the timeline')
    or diag(explain($erin));

ZtDrain::push_records($redis->port, ['zoomtrack:status'],
                      [ev(type => 'meeting.participant_left_breakout_room',
                          t => 80, @erin, room => 'room-2'),
                       left_ev(t => 80.3, @erin)]);
drain_once($conf4, 'lost main join, left');
like(slurp($csv4), qr/"Erin","offline","[0-9 :-]{19}","[0-9 :-]{19}","",/,
     'lost main join: offline after her leave from the room');
$tl = decode_json(slurp("$data4/_data/zoom-room-timeline.json"));
($erin) = grep { $_->{name} eq 'Erin' } @{ $tl->{meetings}[0]{people} };
ok($erin && !$erin->{online} && $erin->{last_left} == $now + 80300
   && $erin->{intervals}[-1]{from} == $now + 20000
   && $erin->{intervals}[-1]{to} == $now + 80300,
   'lost main join: her interval ends at her leave')
    or diag(explain($erin));

done_testing();
