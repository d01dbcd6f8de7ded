#!/usr/bin/perl
# zoomtrack camera and webinars: a webinar instance (webinar.* events) is
# fetched like a meeting, but from the webinar QOS endpoint (GET
# /metrics/webinars/{uuid}/participants/qos; the meetings one does not
# know a webinar), its end is its webinar.ended, and it has no
# pre-assigned rooms to ask for.  The report then shows its camera
# minutes, not a 'pending' that no run would ever change.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z
my $W = '/Web+Cam//Uuid==';

my $zd = start_zoom_double(webinars => { $W => { participants => [
    { participant_uuid => 'PU-A', user_id => '16uA', email => '',
      user_name => 'Ana Lima', camera => '1101', start =>
      '2026-11-20T10:00:00Z' } ] } });
my $wh = $zd->warehouse;
my %w = (meeting_id => '93300011122', meeting_uuid => $W,
         event_date => '2026-11-20');
make_warehouse($wh,
    raw_event(%w, event_type => 'webinar.started', event_ts => $T0),
    raw_event(%w, event_type => 'webinar.participant_joined',
              event_ts => $T0, participant_id => 'uA',
              participant_uuid => 'PU-A', participant_user_id => '16uA',
              person_key => 'id:uA', participant_name => 'Ana Lima',
              action => 'JOIN'),
    raw_event(%w, event_type => 'webinar.participant_left',
              event_ts => $T0 + 240000, participant_id => 'uA',
              participant_uuid => 'PU-A', participant_user_id => '16uA',
              person_key => 'id:uA', participant_name => 'Ana Lima',
              action => 'LEAVE'),
    raw_event(%w, event_type => 'webinar.ended', event_ts => $T0 + 240000));
my $conf = $zd->camera_conf(camera => { ended_after_mins => 0 });

my ($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                       '2026-11-20' ], env => camera_env());
is($rc, 0, 'exit 0') or diag($err);
like($out, qr/meetings 1 \(ok 1, pending 0, unavailable 0\), participants 1, minutes 4 \(camera on 3\)/,
     'the webinar fetched') or diag($out);
my @q = @{ $zd->qos_requests };
is(scalar(@q), 1, 'one QOS call');
is($q[0]{path}, '/v2/metrics/webinars/%252FWeb%252BCam%252F%252FUuid%253D%253D/participants/qos',
   'the webinar QOS, the uuid double-encoded');
ok(!(grep { $_->{path} =~ m{^/v2/meetings/} } @{ $zd->requests }),
   'no pre-assigned rooms asked for a webinar');
is_deeply(ZoomDouble::sql_rows($wh, 'SELECT person_key, count(*), '
              . 'sum(camera_on) FROM camera_minutes GROUP BY person_key'),
          [ [ 'id:uA', 4, 3 ] ], 'its minutes, under the webinar identity');

($rc, $out, $err) = run_zoomtrack([ 'report', '-c', $conf, '--date',
    '2026-11-20', '--out', $zd->dir . '/r.csv' ], env => camera_env());
is($rc, 0, 'report: exit 0') or diag($err);
like(ZtTest::slurp($zd->dir . '/r.csv') // '',
     qr/"Ana Lima",.*"3\.00","1\.00","75\.0",.*"ok"/,
     'the report shows them, ok');

# a webinar whose webinar.ended has not come is not ended
ZoomDouble::run_sql($wh, "DELETE FROM raw_events WHERE event_type = "
                         . "'webinar.ended'; DELETE FROM camera_fetches; "
                         . "DELETE FROM camera_minutes;");
$zd->clear_log;
($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                    '2026-11-20' ], env => camera_env());
like($out, qr/meetings 1 \(ok 0, pending 1/, 'no webinar.ended: pending')
    or diag($out);
is(scalar(@{ $zd->qos_requests }), 0, 'and not asked');
is(sql_value($wh, 'SELECT detail FROM camera_fetches'),
   'meeting has not ended: no webinar.ended yet (camera.ended_after_mins = '
   . '0: none is presumed)', 'the detail names the webinar.ended');

done_testing();
