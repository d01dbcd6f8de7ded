#!/usr/bin/perl
# zoomtrack camera and Zoom's rate limits: a 429 with Retry-After as delta
# seconds, as an HTTP-date and as an ISO 8601 date (Zoom's documented form)
# is honoured (the next request arrives no earlier than it allows); a 429
# without Retry-After backs off; a Retry-After a day away (a daily limit),
# or a daily-limit 429 without one, ends the run with exit 1 instead of
# sleeping or retrying.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Time::Local qw(timegm);
use ZtTest;
use ZoomDouble;

my $M = 'RateLimit+Meeting/Uuid==';
my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z

my @parts = map { { participant_uuid => "PU-$_", user_id => '',
                    email => '', user_name => "P$_", camera => '101' } }
            1 .. 25;

my $zd = start_zoom_double(meetings => { $M => { participants => \@parts } });
my $wh = $zd->warehouse;
make_warehouse($wh,
    raw_event(event_type => 'meeting.started', event_ts => $T0,
              meeting_id => '555', meeting_uuid => $M),
    raw_event(event_type => 'meeting.ended', event_ts => $T0 + 3600000,
              meeting_id => '555', meeting_uuid => $M));
my $conf = $zd->camera_conf;

my %MON = (Jan => 0, Feb => 1, Mar => 2, Apr => 3, May => 4, Jun => 5,
           Jul => 6, Aug => 7, Sep => 8, Oct => 9, Nov => 10, Dec => 11);

sub date_epoch {
    my ($v) = @_;
    return timegm($6, $5, $4, $1, $MON{$2}, $3)
        if $v =~ /^\w{3}, (\d\d) (\w{3}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT$/;
    return timegm($6, $5, $4, $3, $2 - 1, $1)
        if $v =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)Z$/;
    return undef;
}

sub run_camera {
    $zd->clear_log;
    ZtTest::spit($zd->dir . "/zoomtrack.log", "");
    return run_zoomtrack([ 'camera', '-c', $conf, '--date', '2026-11-20' ],
                         env => camera_env());
}

for my $kind (qw(seconds http-date iso)) {
    $zd->control(faults => [ { on => 'qos', type => '429', skip => 1,
                               retry_after => $kind, seconds => 2 } ]);
    my ($rc, $out, $err) = run_camera();
    is($rc, 0, "$kind: exit 0") or diag($err);

    my @q = @{ $zd->qos_requests };
    is(scalar(@q), 4, "$kind: 3 pages + 1 rate-limited request");
    is($q[1]{status}, 429, "$kind: second QOS request got the 429");
    my $ra = $q[1]{retry_after};
    is($q[2]{query}, $q[1]{query}, "$kind: the same page was asked again");

    if ($kind eq 'seconds') {
        is($ra, '2', 'Retry-After: 2');
        cmp_ok($q[2]{t} - $q[1]{t}, '>=', 2.0,
               'seconds: next request >= 2 s after the 429');
    } else {
        my $at = date_epoch($ra);
        ok(defined $at, "$kind: Retry-After \"$ra\" is a date");
        cmp_ok($q[2]{t}, '>=', $at,
               "$kind: next request not before the Retry-After date");
        cmp_ok($q[2]{t} - $q[1]{t}, '<', 6, "$kind: and not much later");
    }
    is(sql_value($wh, 'SELECT status FROM camera_fetches'), 'ok',
       "$kind: fetch ok");
    is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 75,
       "$kind: all minutes stored");
    like($zd->log_text, qr/status 429, retry 1\/3 in \d+ ms/,
         "$kind: the wait is logged");
    is(scalar(@{ $zd->token_requests }), 1, "$kind: one token");
}

# no Retry-After: capped exponential backoff (first delay 250..500 ms)
$zd->control(faults => [ { on => 'qos', type => '429', skip => 0,
                           retry_after => 'none', count => 2 } ]);
my ($rc, $out, $err) = run_camera();
is($rc, 0, 'no Retry-After: exit 0') or diag($err);
my @q = @{ $zd->qos_requests };
is(scalar(@q), 5, 'two 429s then three pages');
cmp_ok($q[1]{t} - $q[0]{t}, '>=', 0.24, 'first backoff >= 250 ms');
cmp_ok($q[2]{t} - $q[1]{t}, '>=', 0.49, 'second backoff >= 500 ms');

# a daily limit: Retry-After tomorrow is not waited for
$zd->control(faults => [ { on => 'qos', type => '429', skip => 0,
                           retry_after => 'iso', seconds => 86400 } ]);
make_warehouse($wh);
ZoomDouble::run_sql($wh, 'DELETE FROM camera_minutes; '
                         . 'DELETE FROM camera_fetches;');
my $t = time;
($rc, $out, $err) = run_camera();
is($rc, 1, 'daily limit: exit 1');
cmp_ok(time - $t, '<', 10, 'daily limit: no long sleep');
like($zd->log_text, qr/Retry-After "[^"]+" is too far away/,
     'daily limit: logged');
is(scalar(@{ $zd->qos_requests }), 1, 'daily limit: one request only');
is(sql_value($wh, 'SELECT count(*) FROM camera_fetches'), 0,
   'daily limit: the meeting is not marked');
like($out, qr/stopped early/, 'daily limit: summary says stopped early');

# a daily limit without Retry-After (Zoom leaves it out at times): its
# body says so, and retrying only adds rejected calls until tomorrow
$zd->control(faults => [ { on => 'qos', type => '429', limit => 'daily',
                           retry_after => 'none', count => 99 } ]);
$t = time;
($rc, $out, $err) = run_camera();
is($rc, 1, 'daily limit, no Retry-After: exit 1');
is(scalar(@{ $zd->qos_requests }), 1,
   'daily limit, no Retry-After: not retried');
cmp_ok(time - $t, '<', 5, 'daily limit, no Retry-After: no backoff');
like($zd->log_text, qr/daily rate limit/,
     'daily limit, no Retry-After: logged');
is(sql_value($wh, 'SELECT count(*) FROM camera_fetches'), 0,
   'daily limit, no Retry-After: the meeting is not marked');

done_testing();
