#!/usr/bin/perl
# zoomtrack camera when meeting.ended lies (README "camera"; zoom-api.md
# §5.3, §5.6): a meeting whose meeting.ended never came is presumed ended
# [camera] ended_after_mins after its last event and its past QOS fetched;
# Zoom's 404 code 3001 for one still running keeps it 'pending' (not
# 'unavailable') and it is asked again; a meeting fetched after it ended
# is not fetched again, and a late real meeting.ended changes nothing; a
# meeting that went on after an early meeting.ended (a lone host left) is
# pending until it ends again, then fetched again, its minutes replaced.
# camera_fetches.detail and the log say why a meeting is pending.  The day
# is yesterday (UTC), so its events are hours old.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use POSIX qw(strftime);
use Test::More;
use Time::Local qw(timegm);
use ZtTest;
use ZoomDouble;

my $DAY = strftime('%Y-%m-%d', gmtime(time - 86400));
my $T0 = do { my ($y, $m, $d) = split /-/, $DAY;
              1000 * timegm(0, 0, 10, $d, $m - 1, $y) };   # 10:00 UTC
my $START = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($T0 / 1000));
sub iso { strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($_[0] / 1000)) }
sub rx { my $s = shift; qr/$s/ }

my $LOST = 'Lost+End==';          # meeting.ended never sent
my $LIVE = 'Still+Live==';        # no meeting.ended, Zoom: not ended yet
my $ON   = 'Went+On==';           # lone host left, the meeting went on

sub part { my ($pu, $cam) = @_;
           { participant_uuid => $pu, user_name => $pu, email => '',
             user_id => '', camera => $cam, start => $START } }

my $zd = start_zoom_double(meetings => {
    $LOST => { participants => [ part('PU-L', '1' x 30) ] },
    $LIVE => { live => JSON::PP::true(),
               participants => [ part('PU-V', '1' x 20) ] },
    $ON   => { participants => [ part('PU-O', '1' x 20) ] },
});
my $wh = $zd->warehouse;

sub ev { my ($type, $ms, $uuid, $pu) = @_;
         raw_event(event_type => $type, event_ts => $T0 + $ms,
                   event_date => $DAY, meeting_id => '77',
                   meeting_uuid => $uuid,
                   $pu ? (participant_uuid => $pu, participant_name => $pu,
                          person_key => "name:$pu") : ()) }

my $MIN = 60000;
make_warehouse($wh,
    ev('meeting.started', 0, $LOST),
    ev('meeting.participant_joined', 1000, $LOST, 'PU-L'),
    ev('meeting.participant_left', 30 * $MIN, $LOST, 'PU-L'),
    ev('meeting.started', 0, $LIVE),
    ev('meeting.participant_joined', 1000, $LIVE, 'PU-V'),
    ev('meeting.started', 0, $ON),
    ev('meeting.participant_joined', 1000, $ON, 'PU-O'),
    ev('meeting.participant_left', 20 * $MIN, $ON, 'PU-O'),
    ev('meeting.ended', 20 * $MIN, $ON));

# the default [camera] ended_after_mins (180)
my $conf = $zd->camera_conf;

# --new-only: what each run fetches shows when a meeting counts as ended
# (without it every run fetches every ended meeting again)
sub camera {
    my ($c, @more) = @_;
    $zd->clear_log;
    my ($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $c, '--date',
                                           $DAY, '--new-only', @more ],
                                         env => camera_env());
    is($rc, 0, "camera exits 0") or diag($err);
    return $out;
}

sub state {
    +{ map { ($_->[0] => [ $_->[1], $_->[2] ]) } @{ sql_rows($wh,
        'SELECT meeting_uuid, status, detail FROM camera_fetches') } }
}

sub minutes {
    sql_value($wh, 'SELECT count(*) FROM camera_minutes WHERE meeting_uuid'
                   . " = '$_[0]'")
}

sub asked {
    my %n;
    for my $r (@{ $zd->qos_requests }) {
        for my $u ($LOST, $LIVE, $ON) {
            my $e = $u =~ s{([^A-Za-z0-9_.~-])}{sprintf('%%%02X', ord $1)}ger;
            $n{$u}++ if $r->{path} eq "/v2/metrics/meetings/$e/participants/qos";
        }
    }
    return \%n;
}

# ------------------------------------------------ run 1: presumed ended

my $out = camera($conf);
like($out, qr/meetings 3 \(ok 2, pending 1, unavailable 0\)/,
     'run 1: the meeting without meeting.ended is fetched; the live one '
     . 'is pending');
is_deeply(asked(), { $LOST => 1, $LIVE => 1, $ON => 1 },
          'run 1: type=past asked once for each');
my $st = state();
is($st->{$LOST}[0], 'ok', 'lost meeting.ended: ok');
is(minutes($LOST), 30, '... with its 30 minutes');
is($st->{$LIVE}[0], 'pending', 'still running (404 3001): pending, not '
   . 'unavailable');
like($st->{$LIVE}[1], rx(qr/^HTTP 404 code 3001: .*has not ended yet \(no /
     . qr/meeting\.ended: presumed ended at its last event, /
     . quotemeta(iso($T0 + 1000))
     . qr/, \d+ min ago \(camera\.ended_after_mins /
     . qr/180\); still running, or its data is not ready yet\)$/),
     '... and camera_fetches.detail says why');
my $log = $zd->log_text;
like($log, rx(qr/meeting "\Q$LOST\E": no meeting\.ended: presumed ended at /
     . qr/its last event, \Q@{[ iso($T0 + 30 * $MIN) ]}\E, \d+ min ago /
     . qr/\(camera\.ended_after_mins 180\): fetching its past QOS/),
     'the log says the meeting was presumed ended');
like($log, qr/\[info\] camera: meeting "\Q$LIVE\E": pending \(HTTP 404 /,
     'the log says why it is pending');
is($st->{$ON}[0], 'ok', 'meeting.ended seen: ok');
is(minutes($ON), 20, '... with its 20 minutes');

# ------------------------------------------- run 2: done is done

$out = camera($conf);
like($out, qr/meetings 3 \(ok 2, pending 1, unavailable 0\)/,
     'run 2: the same states');
is_deeply(asked(), { $LIVE => 1 },
          'run 2: only the pending meeting is asked again');
like($zd->log_text, rx(qr/meeting "\Q$LOST\E": ok, not fetched again: no /
     . qr/meeting\.ended: presumed ended .*; fetched at \S+, after that/),
     '... the log says why the others are not');

# ----------------------------------- the live one ended as far as Zoom is

$zd->control(meetings => { $LIVE => {
    participants => [ part('PU-V', '1' x 20) ] } });
$out = camera($conf);
like($out, qr/meetings 3 \(ok 3, pending 0, unavailable 0\)/,
     'run 3: the pending meeting became ok');
is(minutes($LIVE), 20, '... with its minutes');

# ------------------------ a late real meeting.ended: nothing is refetched

make_warehouse($wh, ev('meeting.ended', 30 * $MIN + 5000, $LOST),
               ev('meeting.ended', 90 * $MIN, $LIVE));
$out = camera($conf);
like($out, qr/meetings 3 \(ok 3, pending 0, unavailable 0\)/,
     'late meeting.ended: all ok');
is_deeply(asked(), {}, '... and none fetched again');
is(minutes($LOST), 30, '... its minutes kept');

# ------------- the meeting went on after its meeting.ended (host alone)

# its QOS was fetched at 10:25, between the host's meeting.ended at 10:20
# and the rejoin at 10:40
ZoomDouble::run_sql($wh, "UPDATE camera_fetches SET fetched_at = '"
        . iso($T0 + 25 * $MIN) =~ s/Z$/.000Z/r
        . "' WHERE meeting_uuid = '$ON';");
make_warehouse($wh,
    ev('meeting.participant_joined', 40 * $MIN, $ON, 'PU-O'),
    ev('meeting.participant_left', 60 * $MIN, $ON, 'PU-O'));
$zd->control(meetings => { $ON => {
    participants => [ part('PU-O', '1' x 60) ] } });

# not ended yet as far as we know: ended_after_mins a week
my $week = $zd->camera_conf(camera => { ended_after_mins => 10080 });
$out = camera($week);
like($out, qr/meetings 3 \(ok 2, pending 1, unavailable 0\)/,
     'went on: pending');
is_deeply(asked(), {}, '... not fetched while it may still run');
like($zd->log_text, rx(qr/meeting "\Q$ON\E": pending: meeting has not ended: /
     . qr/it went on after its meeting\.ended at \Q@{[ iso($T0 + 20 * $MIN)
     ]}\E; presumed ended at \S+, 10080 min after its last event, unless /
     . qr/more come; its QOS fetched at \Q@{[ iso($T0 + 25 * $MIN) ]}\E is /
     . qr/fetched again then/), '... the log says why');
is(state()->{$ON}[0], 'ok', '... its ok is not downgraded');
is(minutes($ON), 20, '... its early minutes are kept meanwhile');

$out = camera($conf);
like($out, qr/meetings 3 \(ok 3, pending 0, unavailable 0\)/,
     'went on, then quiet: ok');
is_deeply(asked(), { $ON => 1 }, '... fetched again');
is(minutes($ON), 60, '... its minutes replaced by the whole meeting\'s');
like($zd->log_text, rx(qr/meeting "\Q$ON\E": no meeting\.ended after its /
     . qr/last join: presumed ended .*; its QOS fetched at \S+, before /
     . qr/that, is fetched again: fetching its past QOS/), '... and says so');

# the final meeting.ended arrives: already fetched after it
make_warehouse($wh, ev('meeting.ended', 60 * $MIN + 2000, $ON));
$out = camera($conf);
is_deeply(asked(), {}, 'its final meeting.ended: not fetched again');
is(minutes($ON), 60, '... minutes kept');

# --------------------------------------------------- a bad setting

ZtTest::spit("$week.bad", ZtTest::slurp($week)
                          =~ s/ended_after_mins = \d+/ended_after_mins = -1/r);
my ($rc, $o2, $err) = run_zoomtrack([ 'camera', '-c', "$week.bad", '--date',
                                      $DAY ], env => camera_env());
is($rc, 2, 'ended_after_mins -1: exit 2');
like($err, qr/camera\.ended_after_mins "-1" must be 0\.\.10080/,
     '... and says why');

unlike($zd->log_text, qr/\[error\]/, 'no error logged');

done_testing();
