#!/usr/bin/perl
# zoomtrack camera and a past QOS answer with no sample (no participant,
# or participants whose user_qos arrays are empty): soon after the end
# that is Zoom's data not being ready (zoom-api.md §3.3), so the meeting
# is 'pending' and asked again by the next run, --new-only included, and
# an earlier 'ok' keeps its minutes; 24 h after the end it is 'ok' with
# what there is.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use POSIX qw(strftime);
use Test::More;
use ZtTest;
use ZoomDouble;

my $MIN = 60000;
# two hours ago, in the middle of a minute: start and end on one day
my $END = (int((time - 7200) / 60) * 60 + 30) * 1000;
my $DAY = strftime('%Y-%m-%d', gmtime($END / 1000));
my $START = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($END / 1000 - 60));
my $OLD_END = $END - 3 * 86400 * 1000;
my $OLD_DAY = strftime('%Y-%m-%d', gmtime($OLD_END / 1000));

my $NOBODY = 'No+Participants==';
my $BLANK  = 'Empty+User+Qos==';
my $OLD    = 'Three+Days+Ago==';
my $KEPT   = 'Ok+Before==';

sub part { my ($pu, $cam) = @_;
           { participant_uuid => $pu, user_name => $pu, email => '',
             user_id => '', camera => $cam, start => $START } }

my $zd = start_zoom_double(meetings => {
    $NOBODY => { participants => [] },
    $BLANK  => { participants => [ part('PU-B1', ''), part('PU-B2', '') ] },
    $OLD    => { participants => [] },
    $KEPT   => { participants => [ part('PU-K', '11') ] },
});
my $wh = $zd->warehouse;

sub meeting { my ($uuid, $end, $day) = @_;
              (raw_event(event_type => 'meeting.started',
                         event_ts => $end - 1000, event_date => $day,
                         meeting_id => '31', meeting_uuid => $uuid),
               raw_event(event_type => 'meeting.ended', event_ts => $end,
                         event_date => $day, meeting_id => '31',
                         meeting_uuid => $uuid)) }

make_warehouse($wh, meeting($NOBODY, $END, $DAY), meeting($BLANK, $END, $DAY),
               meeting($KEPT, $END, $DAY), meeting($OLD, $OLD_END, $OLD_DAY));
my $conf = $zd->camera_conf;

sub run_camera {
    my ($day, @opt) = @_;
    $zd->clear_log;
    ZtTest::spit($zd->dir . '/zoomtrack.log', '');
    return run_zoomtrack([ 'camera', '-c', $conf, '--date', $day, @opt ],
                         env => camera_env());
}

sub status {
    sql_value($wh, "SELECT status FROM camera_fetches WHERE meeting_uuid = "
                   . "'$_[0]'") // '(none)'
}

sub asked {
    my ($uuid) = @_;
    (my $enc = $uuid) =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;
    scalar(grep { index($_->{path}, "/$enc/") >= 0 }
           @{ $zd->qos_requests });
}

# ------------------------------------------------ two hours after the end

my ($rc, $out, $err) = run_camera($DAY);
is($rc, 0, 'exit 0') or diag($err);
is(status($NOBODY), 'pending', 'no participant: pending');
is(status($BLANK), 'pending', 'empty user_qos arrays: pending');
like(sql_value($wh, "SELECT detail FROM camera_fetches WHERE meeting_uuid "
                    . "= '$NOBODY'"), qr/no samples yet, 1\d\d min after/,
     'the detail says why');
is(status($KEPT), 'ok', 'a meeting with samples: ok');
like($out, qr/ok 1, pending 2/, 'the summary counts them pending')
    or diag($out);

# Zoom now answers nothing for the one fetched 'ok': its minutes stay
$zd->control(meetings => { $KEPT => { participants => [] } });
($rc, $out, $err) = run_camera($DAY);
is($rc, 0, 'second run: exit 0') or diag($err);
is(status($KEPT), 'ok', 'an ok meeting is not downgraded');
is(sql_value($wh, "SELECT count(*) FROM camera_minutes WHERE meeting_uuid "
                  . "= '$KEPT'"), 2, '... and keeps its minutes');

# --new-only asks the pending ones again; now Zoom has the data
$zd->control(meetings => {
    $NOBODY => { participants => [ part('PU-N', '101') ] },
    $BLANK  => { participants => [ part('PU-B1', '1'), part('PU-B2', '') ] },
});
($rc, $out, $err) = run_camera($DAY, '--new-only');
is($rc, 0, '--new-only: exit 0') or diag($err);
is(asked($NOBODY), 1, '--new-only asks the pending meeting again');
is(status($NOBODY), 'ok', 'its data came: ok');
is(status($BLANK), 'ok', 'the other one too');
is(sql_value($wh, "SELECT count(*) FROM camera_minutes WHERE meeting_uuid "
                  . "= '$NOBODY'"), 3, 'its minutes are stored');

# ------------------------------------------------- over 24 h after the end

($rc, $out, $err) = run_camera($OLD_DAY);
is($rc, 0, 'three days on: exit 0') or diag($err);
is(status($OLD), 'ok', 'nothing 24 h after the end: ok with nothing');
is(sql_value($wh, "SELECT count(*) FROM camera_minutes WHERE meeting_uuid "
                  . "= '$OLD'"), 0, '... and no minutes');

done_testing();
