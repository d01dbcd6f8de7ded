#!/usr/bin/perl
# Zoom's next_page_token lives 15 minutes; one asked for after that (here:
# after a Retry-After wait longer than the double's page_token_ttl) gets
# HTTP 400 (or 300, as Zoom's reference lists it) code 300 "The next page
# token is invalid or expired.".  That is no verdict on the meeting:
# `zoomtrack camera` and `zoomtrack reconcile` start the meeting's pages
# again from the first, once, and store each participant once; a token
# that expires again stops the run (exit 1) instead of calling the meeting
# unavailable.  A page whose next_page_token is the one just used (a
# paginator going round) stops the run at once instead of asking again up
# to max_pages times.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z
my $M = 'Page+Token/Meeting==';

my @qos = map { { participant_uuid => "PU-$_", user_id => '', email => '',
                  user_name => "P$_", camera => '101' } } 1 .. 25;
my @sessions = map { { id => "u$_", participant_user_id => "u$_",
                       user_id => "16$_", name => "Person $_",
                       user_email => "p$_\@example.org", registrant_id => '',
                       join_time => '2026-11-20T10:01:00Z',
                       leave_time => '2026-11-20T10:30:00Z', duration => 1740,
                       status => 'in_meeting' } } 1 .. 301;

my $zd = start_zoom_double(page_token_ttl => 3,
                           meetings => { $M => { participants => \@qos } },
                           reports => { $M => { participants => \@sessions } });
my $wh = $zd->warehouse;
make_warehouse($wh,
    raw_event(event_type => 'meeting.started', event_ts => $T0,
              meeting_id => '5550', meeting_uuid => $M),
    raw_event(event_type => 'meeting.ended', event_ts => $T0 + 3600000,
              meeting_id => '5550', meeting_uuid => $M));
my $conf = $zd->camera_conf;

sub run_cmd {
    my ($cmd) = @_;
    $zd->clear_log;
    ZtTest::spit($zd->dir . '/zoomtrack.log', '');
    return run_zoomtrack([ $cmd, '-c', $conf, '--date', '2026-11-20' ],
                         env => camera_env());
}

# the 429 on the second page makes its token outlive page_token_ttl
my $late = { on => 'qos', type => '429', skip => 1, retry_after => 'seconds',
             seconds => 4 };

# ---------------------------------------------------------------- camera

$zd->control(faults => [ $late ]);
my ($rc, $out, $err) = run_cmd('camera');
is($rc, 0, 'camera: exit 0') or diag($err);
my @q = @{ $zd->qos_requests };
is_deeply([ map { $_->{status} } @q ], [ 200, 429, 400, 200, 200, 200 ],
          'page 2 limited, its token expired, then pages 1..3 again')
    or diag(explain(\@q));
unlike($q[3]{query}, qr/next_page_token/, 'the restart asks the first page');
is(sql_value($wh, 'SELECT status FROM camera_fetches'), 'ok', 'fetch ok');
is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 75,
   'every minute once');
is(sql_value($wh, 'SELECT count(DISTINCT person_key) FROM camera_minutes'),
   25, 'every participant once');
like($out, qr/participants 25, minutes 75 \(camera on 50\)/,
     'the summary counts each participant once') or diag($out);
like($zd->log_text, qr/next_page_token expired, starting over/,
     'the restart is logged');

# the same answered with HTTP 300, as Zoom's reference lists it: final,
# not retried like a 5xx
ZoomDouble::run_sql($wh, 'DELETE FROM camera_minutes; '
                         . 'DELETE FROM camera_fetches;');
$zd->control(faults => [ $late ], page_token_status => 300);
($rc, $out, $err) = run_cmd('camera');
is($rc, 0, 'camera, HTTP 300: exit 0') or diag($err);
is_deeply([ map { $_->{status} } @{ $zd->qos_requests } ],
          [ 200, 429, 300, 200, 200, 200 ],
          'camera, HTTP 300: not retried, pages 1..3 again');
is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 75,
   'camera, HTTP 300: every minute once');
$zd->control(page_token_status => 400);

# the token expires again after the restart: a failure, not 'unavailable'
ZoomDouble::run_sql($wh, 'DELETE FROM camera_minutes; '
                         . 'DELETE FROM camera_fetches;');
# (a later fault counts the requests the earlier lets through)
$zd->control(faults => [ $late, { %$late, skip => 3 } ]);
($rc, $out, $err) = run_cmd('camera');
is($rc, 1, 'camera: expired twice: exit 1');
is(sql_value($wh, 'SELECT count(*) FROM camera_fetches'), 0,
   'camera: expired twice: the meeting is not marked unavailable');
like($zd->log_text, qr/QOS not fetched: .*next_page_token expired/,
     'camera: expired twice: logged');

# the next page is the same token again: stop, do not go round
ZoomDouble::run_sql($wh, 'DELETE FROM camera_minutes; '
                         . 'DELETE FROM camera_fetches;');
$zd->control(faults => [ { on => 'qos', type => 'repeat_token',
                           count => 99 } ]);
($rc, $out, $err) = run_cmd('camera');
is($rc, 1, 'camera: the same token again: exit 1');
is(scalar(@{ $zd->qos_requests }), 2, 'camera: the same token asked once');
like($zd->log_text, qr/QOS not fetched: .*same next_page_token again/,
     'camera: the same token again: logged');
is(sql_value($wh, 'SELECT count(*) FROM camera_fetches'), 0,
   'camera: the same token again: nothing stored');
$zd->control(faults => []);

# ------------------------------------------------------------- reconcile

$zd->control(faults => [ { %$late, on => 'report', skip => 1 } ]);
($rc, $out, $err) = run_cmd('reconcile');
is($rc, 0, 'reconcile: exit 0') or diag($err);
my @r = grep { $_->{path} =~ m{^/v2/report/} } @{ $zd->requests };
is_deeply([ map { $_->{status} } @r ], [ 200, 429, 400, 200, 200 ],
          'reconcile: pages 1..2 again after the expired token');
like($out, qr/1 reconciled, 0 pending, 0 unavailable; 301 session\(s\) from Zoom, 0 already known, 301 join\(s\) and 301 leave\(s\) added/,
     'reconcile: every session once') or diag($out);
is(sql_value($wh, "SELECT count(*) FROM raw_events WHERE source = "
                  . "'report_api'"), 602, 'reconcile: 602 events stored');

done_testing();
