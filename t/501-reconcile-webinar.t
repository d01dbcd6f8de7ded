#!/usr/bin/perl
# zoomtrack reconcile and webinars: a webinar instance's sessions come
# from Zoom's webinar report (GET /report/webinars/{uuid}/participants);
# the meetings report does not know a webinar (404 code 3001, which would
# leave it 'pending' run after run).  What it adds are webinar.* events,
# as Zoom would have sent, so that `zoomtrack camera` still takes the
# instance for a webinar.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z
my $W = '/Web+Inar//Uuid==';

sub session {
    my ($id, $name, $from, $to) = @_;
    return { id => $id, participant_user_id => $id, user_id => "16$id",
             name => $name, user_email => "$id\@example.org",
             registrant_id => '', join_time => "2026-11-20T$from:00Z",
             leave_time => "2026-11-20T$to:00Z", duration => 60,
             status => 'in_meeting' };
}

my $zd = start_zoom_double(webinar_reports => { $W => { participants => [
    session('uA', 'Ana Lima', '10:00', '11:00'),
    session('uB', 'Bo Chen', '10:05', '10:50') ] } });
my $wh = $zd->warehouse;
my %w = (meeting_id => '93300011122', meeting_uuid => $W,
         event_date => '2026-11-20');
make_warehouse($wh,
    raw_event(%w, event_type => 'webinar.started', event_ts => $T0),
    raw_event(%w, event_type => 'webinar.participant_joined',
              event_ts => $T0, participant_id => 'uA',
              participant_user_id => '16uA', person_key => 'id:uA',
              participant_name => 'Ana Lima', action => 'JOIN'),
    raw_event(%w, event_type => 'webinar.participant_left',
              event_ts => $T0 + 3600000, participant_id => 'uA',
              participant_user_id => '16uA', person_key => 'id:uA',
              participant_name => 'Ana Lima', action => 'LEAVE'),
    raw_event(%w, event_type => 'webinar.ended',
              event_ts => $T0 + 3600000));
my $conf = $zd->camera_conf;

my ($rc, $out, $err) = run_zoomtrack([ 'reconcile', '-c', $conf, '--date',
                                       '2026-11-20' ], env => camera_env());
is($rc, 0, 'exit 0') or diag($err);
like($out, qr/1 reconciled, 0 pending, 0 unavailable; 2 session\(s\) from Zoom, 1 already known, 1 join\(s\) and 1 leave\(s\) added/,
     'Ana is known, Bo\'s lost join and leave are added') or diag($out);

my @rep = grep { $_->{path} =~ m{^/v2/report/} } @{ $zd->requests };
is(scalar(@rep), 1, 'one Report API call');
is($rep[0]{path},
   '/v2/report/webinars/%252FWeb%252BInar%252F%252FUuid%253D%253D/participants',
   'the webinar report, the uuid double-encoded');

is_deeply(ZoomDouble::sql_rows($wh, "SELECT event_type, person_key FROM "
              . "raw_events WHERE source = 'report_api' ORDER BY event_ts"),
          [ [ 'webinar.participant_joined', 'id:uB' ],
            [ 'webinar.participant_left', 'id:uB' ] ],
          'stored as the webinar events Zoom would have sent');

($rc, $out, $err) = run_zoomtrack([ 'reconcile', '-c', $conf, '--date',
                                    '2026-11-20' ], env => camera_env());
like($out, qr/0 join\(s\) and 0 leave\(s\) added/, 'a rerun adds nothing')
    or diag($out);

# camera still takes the instance for a webinar, not for a meeting
$zd->clear_log;
($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                    '2026-11-20' ], env => camera_env());
is($rc, 0, 'camera: exit 0') or diag($err);
is_deeply([ map { $_->{path} =~ m{^/v2/metrics/(\w+)/} ? $1 : () }
            @{ $zd->requests } ], [ 'webinars' ],
          'camera: the webinar QOS asked, once') or diag($out);

done_testing();
