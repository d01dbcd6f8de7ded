#!/usr/bin/perl
# zoomtrack camera on BigQuery: the same events drained into SQLite and
# into the BigQuery double, the same Zoom QOS answers, give the same
# camera_minutes, camera states and pre-assigned rooms, and the report's
# CSV the same bytes (camera cells included).  The day's meetings come
# from one parameterised jobs.query; minutes are replaced by DML (a rerun
# leaves the same rows); a pending meeting becomes ok once it ended; an
# ok one is not downgraded when Zoom later has no data; a webinar is
# fetched from the webinar QOS endpoint; no secret or token in any output
# or log.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use ZtTest;
use ZtGoogle;
use ZoomDouble;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
plan skip_all => "$bin not built (make zoomtrack)" unless -x $bin;

my $M1 = '/pfVhQWoSQmUs6ZOwFD4kw==';
my $M2 = '4M3a//Yk+Tq2Rr5Ww0aLm3Q==';
my $ID1 = '93201235621';
my $ID2 = '93201235622';
my $W3 = '/Web+Inar//Q==';                   # a webinar instance
my $ID3 = '93301235623';
my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z
my $DAY = '2026-11-20';
my $Q = 'zoomtrack:warehouse';

my $tmp = tmp_dir();
my $redis = start_redis();
my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            page_size => 7);

my %P = (
    alice => { user_id => '16778240', user_name => 'Alice A',
               id => 'alice-id', participant_uuid => 'PU-ALICE',
               email => 'alice@example.com' },
    bob   => { user_id => '16779000', user_name => 'Bob B',
               id => 'bob-id', participant_uuid => 'PU-BOB' },
    carol => { user_id => '16780000', user_name => 'Carol C',
               id => 'carol-id', participant_uuid => 'PU-CAROL',
               email => 'carol@example.com' },
    eve   => { user_name => 'Eve Guest', participant_uuid => 'PU-EVE' },
    mia   => { user_name => 'Mia', participant_uuid => 'PU-MIA',
               id => 'mia-id' },
);

my $zd = start_zoom_double(
    meetings => {
        $M1 => { participants => [
            { participant_uuid => 'PU-ALICE', user_id => '', email => '',
              user_name => 'alice-qos', camera => '1111011110' },
            # Alice rejoined: overlapping minutes merge, on wins
            { participant_uuid => 'PU-ALICE', user_id => '', email => '',
              user_name => 'alice-qos', camera => '1111',
              start => '2026-11-20T10:04:00Z' },
            { participant_uuid => '', user_id => '16779000', email => '',
              user_name => '', camera => '0000110' },
            { participant_uuid => '', user_id => '', user_name => 'x',
              email => 'CAROL@Example.com', camera => '1-10' },
            { participant_uuid => '', user_id => '', email => '',
              user_name => 'Eve Guest', camera => '101' },
            { participant_uuid => '', user_id => '', email => '',
              user_name => 'Ghost', camera => '1' },
            map { { participant_uuid => "PU-S$_", user_id => '',
                    email => '', user_name => "Student $_",
                    camera => substr('1101001110', 0, 2 + $_) } } 1 .. 8,
        ] },
        $M2 => { participants => [
            { participant_uuid => 'PU-MIA', user_name => 'Mia', email => '',
              user_id => '', camera => '110',
              start => '2026-11-20T12:00:00Z' } ] },
    },
    webinars => {
        $W3 => { participants => [
            { participant_uuid => 'PU-BOB', user_name => 'Bob B',
              email => '', user_id => '', camera => '1101',
              start => '2026-11-20T11:00:00Z' } ] },
    },
    settings => {
        $ID1 => { id => $ID1, settings => { breakout_room => {
            enable => JSON::PP::true, rooms => [
                { name => 'Room A', participants =>
                    [ 'Alice@Example.com', 'carol@example.com',
                      'alice@example.com' ] },
                { name => 'Room B', participants => [ 'bob@example.com' ] },
            ] } } },
    },
);

# ------------------------------------------------------------------ events

my $N = 0;
sub rec {
    my ($type, $ts, $uuid, $mid, $who, %o) = @_;
    my %obj = (id => $mid, uuid => $uuid, host_id => 'host-1',
               topic => 'Class', type => 2);
    $obj{participant} = { %{ $P{$who} } } if $who;
    $obj{breakout_room_uuid} = $o{room} if $o{room};
    my $body = JSON::PP->new->canonical->encode({ event => $type,
        event_ts => $ts, payload => { account_id => 'acc-1',
                                      object => \%obj } });
    return ZtDrain::make_record($body,
                                event_id => ZtDrain::event_id(0x645, ++$N));
}

my $J = 'meeting.participant_joined';
my $L = 'meeting.participant_left';
my @day = (
    rec('meeting.started', $T0 - 60000, $M1, $ID1),
    (map { rec($J, $T0 + $_->[1], $M1, $ID1, $_->[0]) }
         [ alice => 0 ], [ bob => 1000 ], [ carol => 2000 ],
         [ eve => 3000 ]),
    rec('meeting.participant_joined_breakout_room', $T0 + 120000, $M1,
        $ID1, 'alice', room => 'ROOM-UUID-A'),
    rec('meeting.participant_joined_breakout_room', $T0 + 121000, $M1,
        $ID1, 'carol', room => 'ROOM-UUID-A'),
    rec('meeting.participant_left_breakout_room', $T0 + 480000, $M1,
        $ID1, 'alice', room => 'ROOM-UUID-A'),
    rec('meeting.participant_left_breakout_room', $T0 + 481000, $M1,
        $ID1, 'carol', room => 'ROOM-UUID-A'),
    (map { rec($L, $T0 + 600000 + $_->[1], $M1, $ID1, $_->[0]) }
         [ alice => 0 ], [ bob => 1000 ], [ carol => 2000 ],
         [ eve => 3000 ]),
    rec('meeting.ended', $T0 + 660000, $M1, $ID1),
    rec('webinar.started', $T0 + 3600000, $W3, $ID3),
    rec('webinar.participant_joined', $T0 + 3601000, $W3, $ID3, 'bob'),
    rec('webinar.participant_left', $T0 + 3840000, $W3, $ID3, 'bob'),
    rec('webinar.ended', $T0 + 3850000, $W3, $ID3),
    rec('meeting.started', $T0 + 7200000, $M2, $ID2),
    rec($J, $T0 + 7201000, $M2, $ID2, 'mia'),
);

my $secret = "$tmp/client_secret";
ZtTest::spit($secret, "$ZoomDouble::CRED{client_secret}\n");
chmod 0600, $secret;

sub conf {
    my ($name, $zoom, %wh) = @_;
    # the day lies in the past: only meeting.ended ends a meeting here
    return zoom_conf(dir => "$tmp/$name", name => $name, redis => $redis,
                     zoom => $zoom, secret => $secret, key => $key,
                     camera => { ended_after_mins => 0 },
                     google => $g, timezone => 'UTC', log_level => 'debug',
                     warehouse => \%wh);
}

my $sq = conf('sq', $zd);
my $bq = conf('bq', $zd, backend => 'bigquery', project => 'zt-proj');
my %ENVX = (GOOGLE_APPLICATION_CREDENTIALS => '');
delete $ENV{$_} for grep { /^ZOOMTRACK_/ } keys %ENV;

my @outputs;
sub zt {
    my @r = run_zoomtrack([@_], env => \%ENVX, timeout => 120);
    push @outputs, $r[1], $r[2];
    return @r;
}

sub drain_both {
    my ($recs) = @_;
    for my $c ($sq, $bq) {
        ZtDrain::push_records($redis->port, [$Q], $recs);
        my ($rc, $out, $err) = zt('drain', '-c', $c, '--once');
        is($rc, 0, 'drain into ' . ($c eq $sq ? 'SQLite' : 'BigQuery'))
            or diag($err);
    }
}

my ($rc, $out, $err) = zt('setup', '-c', $bq);
is($rc, 0, 'setup') or diag($out, $err);
drain_both(\@day);

# ------------------------------------------------------------ the stores

my $whpath = "$tmp/sq/zoomtrack.db";
ok(-f $whpath, 'the SQLite warehouse exists');

sub sq_minutes {
    [ map { join('|', @$_) } @{ ZoomDouble::sql_rows($whpath,
        'SELECT meeting_uuid, person_key, minute_ts, camera_on FROM '
        . 'camera_minutes ORDER BY 1, 2, 3') } ]
}

sub bq_minutes {
    [ sort map { join('|', $_->{meeting_uuid}, $_->{person_key},
                       $_->{minute_ts}, $_->{camera_on}) }
      @{ $g->rows('zoom_tracker.camera_minutes') } ]
}

sub sq_status {
    +{ map { ($_->[0] => "$_->[1]|$_->[2]") } @{ ZoomDouble::sql_rows(
        $whpath, 'SELECT meeting_uuid, status, detail FROM camera_fetches') } }
}

# the latest row per meeting, as the report reads it
sub bq_status {
    my %s;
    for my $r (sort { $a->{fetched_at} cmp $b->{fetched_at} }
               @{ $g->rows('zoom_tracker.camera_fetches') }) {
        $s{$r->{meeting_uuid}} = "$r->{status}|$r->{detail}";
    }
    return \%s;
}

sub sq_rooms {
    [ map { join('|', @$_) } @{ ZoomDouble::sql_rows($whpath,
        'SELECT meeting_id, room_name, email FROM preassigned_rooms '
        . 'ORDER BY 1, 2, 3') } ]
}

sub bq_rooms {
    [ sort map { join('|', @{$_}{qw(meeting_id room_name email)}) }
      @{ $g->rows('zoom_tracker.preassigned_rooms') } ]
}

sub camera_both {
    my ($what, @args) = @_;
    my %sum;
    for my $c ($sq, $bq) {
        my $b = $c eq $sq ? 'SQLite' : 'BigQuery';
        my ($rc, $out, $err) = zt('camera', '-c', $c, '--date', $DAY, @args);
        is($rc, 0, "$what: camera on $b exits 0") or diag($out, $err);
        ($sum{$b}) = $out =~ /^(camera .*)$/m;
    }
    ok(defined $sum{SQLite}, "$what: a summary line");
    is($sum{BigQuery}, $sum{SQLite}, "$what: the same summary on both");
    is_deeply(bq_minutes(), sq_minutes(), "$what: the same camera_minutes");
    is_deeply(bq_status(), sq_status(), "$what: the same camera states");
    is_deeply(bq_rooms(), sq_rooms(), "$what: the same pre-assigned rooms");
    return $sum{SQLite};
}

sub csv_both {
    my ($what) = @_;
    for my $c ($sq, $bq) {
        my ($rc, $out, $err) = zt('report', '-c', $c, '--date', $DAY);
        is($rc, 0, "$what: report on " . ($c eq $sq ? 'SQLite' : 'BigQuery'))
            or diag($err);
    }
    my $a = ZtTest::slurp("$tmp/sq/reports/DAILY_REPORT_$DAY.csv") // '';
    my $b = ZtTest::slurp("$tmp/bq/reports/DAILY_REPORT_$DAY.csv") // '';
    is($b, $a, "$what: the CSV on BigQuery = the CSV on SQLite");
    return $a;
}

# camera cells of the CSV: "uuid|name|on|off|pct|status" per row
sub camera_cells {
    my ($csv) = @_;
    my @l = split /\r?\n/, $csv;
    # no cell of this scenario holds a comma
    my @h = map { s/^"|"$//gr } split /,/, shift @l;
    my %i = map { ($h[$_] => $_) } 0 .. $#h;
    my @c = grep { defined $i{$_} } qw(meeting_uuid camera_on_mins
        camera_off_mins camera_percentage camera_status);
    return [ map { my @f = map { s/^"|"$//gr } split /,/, $_, -1;
                   join('|', @f[@i{@c}]) } @l ];
}

# ----------------------------------------------------------------- run 1

my $sum = camera_both('run 1');
like($sum, qr/meetings 3 \(ok 2, pending 1, unavailable 0\)/,
     'run 1: M1 and the webinar ok, M2 pending');
like(bq_status()->{$W3}, qr/^ok\|1 participants, 4 samples$/,
     'run 1: the webinar\'s QOS, from the webinar endpoint');
my $m1 = grep { /^\Q$M1\E\|/ } @{ bq_minutes() };
cmp_ok($m1, '>', 20, "run 1: M1 has $m1 minutes on BigQuery");
is(scalar(grep { /\|1$/ } @{ bq_minutes() }) > 0, 1, 'some minutes are on');
my %seen;
ok(!(grep { $seen{join '|', (split /\|/)[0 .. 2]}++ } @{ bq_minutes() }),
   'one row per person and minute (rejoin merged)');
like(bq_status()->{$M2}, qr/^pending\|meeting has not ended: no meeting\.ended/,
     'M2 pending');
is_deeply(bq_rooms(), [ "$ID1|Room A|alice\@example.com",
                        "$ID1|Room A|carol\@example.com",
                        "$ID1|Room B|bob\@example.com" ],
          'pre-assigned seats, lower-cased, once each');

my $csv1 = csv_both("run 1");
my @cells = @{ camera_cells($csv1) };
ok(scalar(grep { /\|ok$/ && /\|\d+(\.\d)?\|ok$/ } @cells),
   'run 1: the CSV has camera cells for M1') or diag(explain(\@cells));
ok(scalar(grep { /^\Q$M2\E\|\|\|\|pending$/ } @cells),
   'run 1: M2 is pending with empty camera cells') or diag(explain(\@cells));
like($csv1, qr/Room A/, 'the pre-assigned room name reaches the CSV');

# --------------------------------------------------- rerun: same rows

my $fetches = scalar(@{ $g->rows('zoom_tracker.camera_fetches') });
my $before = bq_minutes();
$sum = camera_both('rerun, nothing new', '--new-only');
like($sum, qr/meetings 3 \(ok 2, pending 1, unavailable 0\), participants 0,/,
     'rerun: M1 and the webinar, fetched after they ended, are not fetched '
     . 'again');
is(scalar(@{ $g->rows('zoom_tracker.camera_fetches') }), $fetches + 1,
   'rerun: only the pending M2 gets a camera_fetches row');
$fetches += 1;
camera_both('rerun');
is_deeply(bq_minutes(), $before, 'rerun: BigQuery minutes replaced, not added');
is(scalar(@{ $g->rows('zoom_tracker.camera_fetches') }), $fetches + 3,
   'rerun: one camera_fetches row appended per meeting');
is(csv_both('rerun'), $csv1, 'rerun: the same CSV');

# ------------------------------------------------ M2 ends: pending -> ok

drain_both([ rec($L, $T0 + 7380000, $M2, $ID2, 'mia'),
             rec('meeting.ended', $T0 + 7400000, $M2, $ID2) ]);
$sum = camera_both('M2 ended', '--meeting', $M2);
like($sum, qr/meetings 1 \(ok 1, pending 0, unavailable 0\)/,
     '--meeting: only M2, now ok');
like(bq_status()->{$M2}, qr/^ok\|1 participants, 3 samples$/,
     'M2: pending became ok on BigQuery');
my $csv2 = csv_both('M2 ended');
ok(scalar(grep { /^\Q$M2\E\|[\d.]+\|[\d.]+\|[\d.]+\|ok$/ }
          @{ camera_cells($csv2) }), 'M2 has camera cells now')
    or diag(explain(camera_cells($csv2)));

# ------------------------------ Zoom has no data any more: ok stays ok

my $zd2 = start_zoom_double(meetings => { map { ($_ => { error => {
    status => 404, body => { code => 3001,
                             message => 'Meeting does not exist.' } } }) }
    $M1, $M2 });
sub point_at {
    my ($zoom, @confs) = @_;
    for my $c (@confs) {
        my $t = ZtTest::slurp($c);
        my $u = $zoom->url('');
        $t =~ s{http://127\.0\.0\.1:\d+(/oauth/token|/v2)}{$u$1}g;
        ZtTest::spit($c, $t);
    }
}
point_at($zd2, $sq, $bq);
$before = bq_minutes();
camera_both('no data later');
is(bq_status()->{$M1} =~ /^ok\|/ ? 1 : 0, 1, 'M1: ok is not downgraded');
is_deeply(bq_minutes(), $before, 'its minutes are kept');
is(csv_both('no data later'), $csv2, 'the same CSV as before');

# -------------------------------------------- strictness and secrets

my @bad = grep { $_->{status} >= 400 && $_->{path} =~ m{/queries} }
          @{ $g->requests };
is(scalar(@bad), 0, 'no BigQuery query was refused by the double')
    or diag(explain(\@bad));
ok(($g->counts->{camera_replace} // 0) >= 3,
   'minutes were replaced by the transaction statement');
is(scalar(grep { m{/camera_minutes/insertAll} } map { $_->{path} }
          @{ $g->requests }), 0, 'no streaming insert into camera_minutes');

# ------------------------------------------------- BigQuery refuses

$g->faults([ { on => 'query', type => '403', count => 1 } ]);
($rc, $out, $err) = zt('camera', '-c', $bq, '--date', $DAY);
is($rc, 1, 'meetings query refused: exit 1');
like(ZtTest::slurp("$tmp/bq/zoomtrack.log") // '',
     qr/camera: BigQuery: reading meetings: status 403 /,
     '... logged with the step and the status');

# the third statement of a run is M1's replace (meetings, M1's
# identities, replace): nothing half-written
point_at($zd, $bq);
$before = bq_minutes();
$fetches = scalar(@{ $g->rows('zoom_tracker.camera_fetches') });
$g->faults([ { on => 'query', type => '403', count => 1, skip => 2 } ]);
($rc, $out, $err) = zt('camera', '-c', $bq, '--date', $DAY);
is($rc, 1, 'replace refused: exit 1');
like($out, qr/stopped early/, '... the summary says it stopped early');
like(ZtTest::slurp("$tmp/bq/zoomtrack.log") // '',
     qr/camera: BigQuery: storing camera minutes: status 403 /,
     '... logged');
is_deeply(bq_minutes(), $before, '... the minutes are as they were');
is(scalar(@{ $g->rows('zoom_tracker.camera_fetches') }), $fetches,
   '... and no fetch state was added');
$g->faults([]);

my $pem = ZtTest::slurp("$tmp/key/key.pem") // 'no pem';
my ($pemline) = $pem =~ /\n([A-Za-z0-9+\/]{40,})\n/;
my @leaks = grep { /\Q$ZoomDouble::CRED{client_secret}\E|ya29\.
                     |tok-[0-9a-f]{8}|Bearer\s|Basic\s/x
                   || ($pemline && index($_, $pemline) >= 0) }
            grep { defined } @outputs,
            ZtTest::slurp("$tmp/bq/zoomtrack.log"),
            ZtTest::slurp("$tmp/sq/zoomtrack.log");
is(scalar(@leaks), 0, 'no secret or token in outputs and logs')
    or diag(@leaks);
ok(-s "$tmp/bq/zoomtrack.log", 'the BigQuery run logged');

done_testing();
