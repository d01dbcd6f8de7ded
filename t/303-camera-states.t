#!/usr/bin/perl
# zoomtrack camera fetch states: Zoom's 404 code 3001 (not ended / no data
# yet) is 'pending'; plan and permission answers (400/403 code 200 "No
# permission." / "Only available for Paid account", 400 code 4711 missing
# scopes, 400 code 12702 a year ago) are 'unavailable'; both exit 0.  An
# 'ok' meeting keeps its minutes and state when Zoom later says otherwise.
# The day is the configured time zone's day.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z

sub err { my ($st, $code, $msg) = @_;
          { error => { status => $st, body => { code => $code,
                                                message => $msg } } } }

my %meetings = (
    'St+Pending==' => err(404, 3001, "This meeting's detail info is not "
                          . 'available. The meeting ID is not valid or the '
                          . 'meeting has not ended yet'),
    'St+NoPerm=='  => err(400, 200, 'No permission.'),
    'St+Paid=='    => err(403, 200, 'Only available for Paid account.'),
    'St+Scopes=='  => err(400, 4711, 'Invalid access token, does not '
                          . 'contain scopes:[dashboard_meetings:read:admin]'),
    'St+OldOne=='  => err(400, 12702, 'Can not access a meeting a year ago.'),
    'St+Ok=='      => { participants => [ { participant_uuid => 'PU-1',
                        user_name => 'Una', email => '', user_id => '',
                        camera => '1100' } ] },
);

my @uuids = sort keys %meetings;

my $zd = start_zoom_double(meetings => \%meetings);
my $wh = $zd->warehouse;
make_warehouse($wh, map {
    (raw_event(event_type => 'meeting.started', event_ts => $T0,
               meeting_id => '888', meeting_uuid => $_),
     raw_event(event_type => 'meeting.ended', event_ts => $T0 + 60000,
               meeting_id => '888', meeting_uuid => $_)) } @uuids);
my $conf = $zd->camera_conf;

my ($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                       '2026-11-20' ], env => camera_env());
is($rc, 0, 'pending and unavailable meetings are states: exit 0')
    or diag($err);
like($out, qr/meetings 6 \(ok 1, pending 1, unavailable 4\)/, 'summary');

my %st = map { ($_->[0] => [ $_->[1], $_->[2] ]) }
         @{ sql_rows($wh, 'SELECT meeting_uuid, status, detail FROM '
                          . 'camera_fetches') };
is($st{'St+Pending=='}[0], 'pending', '404 3001: pending');
like($st{'St+Pending=='}[1], qr/^HTTP 404 code 3001: This meeting/,
     '... with the reason');
is($st{'St+NoPerm=='}[0], 'unavailable', '400 200 No permission: unavailable');
is($st{'St+NoPerm=='}[1], 'HTTP 400 code 200: No permission.', '... detail');
is($st{'St+Paid=='}[0], 'unavailable', '403 200 paid only: unavailable');
is($st{'St+Scopes=='}[0], 'unavailable', '400 4711 scopes: unavailable');
like($st{'St+Scopes=='}[1], qr/lacks the scope dashboard_meetings:read:admin/,
     '... the detail names the scope to add');
is($st{'St+OldOne=='}[0], 'unavailable', '400 12702: unavailable');
is($st{'St+Ok=='}[0], 'ok', 'the good one: ok');
is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 4,
   'minutes only for the ok meeting');

# each final 4xx was asked once, not retried
my %n;
$n{$_->{path}}++ for @{ $zd->qos_requests };
ok(!(grep { $_ != 1 } values %n), 'no final 4xx was retried')
    or diag(explain(\%n));

# ---------------------------------------- later: Zoom no longer has the data

$zd->stop;
my $zd2 = start_zoom_double(meetings => {
    map { ($_ => err(404, 3001, 'Meeting does not exist.')) } @uuids });
my $conf2 = $zd2->camera_conf(zoom => {});
# the second double shares the first one's warehouse
my $txt = ZtTest::slurp($conf2);
$txt =~ s{^path = .*$}{path = $wh}m;
ZtTest::spit($conf2, $txt);

($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf2, '--date',
                                    '2026-11-20' ], env => camera_env());
is($rc, 0, 'second run exits 0') or diag($err);
is(sql_value($wh, "SELECT status FROM camera_fetches WHERE meeting_uuid = "
             . "'St+Ok=='"), 'ok', 'ok is not downgraded');
is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 4,
   'its minutes are kept');
is(sql_value($wh, "SELECT status FROM camera_fetches WHERE meeting_uuid = "
             . "'St+NoPerm=='"), 'pending', 'other states follow Zoom');

# ------------------------------------------------ the configured time zone

# 2026-11-20T22:30Z is already 2026-11-21 in Istanbul (UTC+3)
make_warehouse($wh,
    raw_event(event_type => 'meeting.ended', event_ts => $T0 + 45000000,
              meeting_id => '999', meeting_uuid => 'Late+Night=='));
my $tzconf = $zd2->camera_conf(timezone => 'Europe/Istanbul');
$txt = ZtTest::slurp($tzconf);
$txt =~ s{^path = .*$}{path = $wh}m;
ZtTest::spit($tzconf, $txt);
($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $tzconf, '--date',
                                    '2026-11-21' ], env => camera_env());
is($rc, 0, 'Istanbul day: exit 0') or diag($err);
like($out, qr/meetings 1 \(ok 0, pending 1, unavailable 0\)/,
     'the late UTC meeting belongs to the next Istanbul day');

done_testing();
