#!/usr/bin/perl
# zoomtrack camera and Server-to-Server OAuth tokens: one token serves every
# call of a run; a token about to expire (expires_in 61 s leaves 1 s before
# the 60 s margin) is renewed before it is used, never sent stale; a token
# the API rejects (401 code 124) is renewed once and the call repeated;
# refused credentials end the run with exit 1 and no secret in any output.
# A token without the API's scope (401 code 4700) is not renewed, as a new
# one has the same scopes: the run stops, naming the scope to add.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z
my @M = ('Tok+One==', 'Tok+Two==', 'Tok+Three==');

my %meetings = map { my $m = $_; ($m => { participants => [
    map { { participant_uuid => "PU-$m-$_", user_name => "N$_", email => '',
            user_id => '', camera => '1' } } 1 .. 12 ] }) } @M;

my $zd = start_zoom_double(meetings => \%meetings);
my $wh = $zd->warehouse;
make_warehouse($wh, map {
    (raw_event(event_type => 'meeting.started', event_ts => $T0,
               meeting_id => '777', meeting_uuid => $_),
     raw_event(event_type => 'meeting.ended', event_ts => $T0 + 60000,
               meeting_id => '777', meeting_uuid => $_)) } @M);
my $conf = $zd->camera_conf;

sub run_camera {
    my (%o) = @_;
    $zd->clear_log;
    return run_zoomtrack([ 'camera', '-c', $o{conf} // $conf, '--date',
                           '2026-11-20' ], env => camera_env(%{ $o{env}
                                                              || {} }));
}

sub api_calls { [ grep { $_->{path} ne '/oauth/token' }
                  @{ $_[0]->requests } ] }

# -------------------------------------------------------- one token per run

my ($rc, $out, $err) = run_camera();
is($rc, 0, 'exit 0') or diag($err);
is(scalar(@{ api_calls($zd) }), 7, '6 QOS pages and 1 settings call');
is(scalar(@{ $zd->token_requests }), 1, 'one token for all of them');

# ------------------------------------------- expiry: renewed before it is used

$zd->control(expires_in => 61,
             faults => [ { on => 'qos', type => '429', skip => 2,
                           retry_after => 'seconds', seconds => 2 } ]);
($rc, $out, $err) = run_camera();
is($rc, 0, 'short-lived token: exit 0') or diag($err);
my @tok = @{ $zd->token_requests };
cmp_ok(scalar(@tok), '>=', 2, 'a new token after the first one expired');
my @calls = @{ api_calls($zd) };
ok(!(grep { $_->{status} == 401 } @calls), 'no call sent with a stale token');
my %bearer = map { ($_->{headers}{authorization} => 1) } @calls;
is(scalar(keys %bearer), scalar(@tok), 'each token was used');
my ($first_429) = grep { $_->{status} == 429 } @calls;
cmp_ok($tok[1]{t}, '>', $first_429->{t},
       'the renewal happened after the wait');

# --------------------------------------------- revoked token: renewed once

$zd->control(expires_in => 3600,
             faults => [ { on => 'qos', type => '401', skip => 1 } ]);
($rc, $out, $err) = run_camera();
is($rc, 0, 'token rejected once: exit 0') or diag($err);
is(scalar(@{ $zd->token_requests }), 2, 'renewed after the 401');
is(sql_value($wh, "SELECT group_concat(status) FROM camera_fetches"),
   'ok,ok,ok', 'all meetings ok');
like($zd->log_text, qr/401, renewing the access token/, 'renewal logged');

# ------------------------------------------ token rejected twice: exit 1

$zd->control(faults => [ { on => 'qos', type => '401', count => 2 } ]);
($rc, $out, $err) = run_camera();
is($rc, 1, 'token rejected twice: exit 1');
like($zd->log_text, qr/authentication failed/, 'auth failure logged');

# ------------------------------------- the app lacks the scope: not renewed

$zd->control(faults => [ { on => 'qos', type => 'scope', count => 9 } ]);
($rc, $out, $err) = run_camera();
is($rc, 1, 'token without the scope: exit 1');
is(scalar(@{ $zd->token_requests }), 1, 'token without the scope: '
   . 'not renewed');
is(scalar(@{ $zd->qos_requests }), 1, 'token without the scope: '
   . 'asked once, the run stops');
like($zd->log_text, qr/lacks the scope dashboard_meetings:read:admin .*Scopes/,
     'the missing scope and the fix are logged');

# --------------------------------------------------- wrong secret: exit 1

$zd->control(faults => []);
my $bad = $zd->dir . '/bad_secret';
ZtTest::spit($bad, "Wr0ng-Secret-Value-77\n");
my $badconf = $zd->camera_conf(zoom => { client_secret_file => $bad });
ZtTest::spit($zd->dir . '/zoomtrack.log', '');
($rc, $out, $err) = run_camera(conf => $badconf);
is($rc, 1, 'refused credentials: exit 1');
like($zd->log_text,
     qr/access token request failed: Invalid client_id or client_secret/,
     'the refusal is explained');
is(scalar(@{ api_calls($zd) }), 0, 'no API call without a token');
for my $text ($out, $err, $zd->log_text) {
    unlike($text, qr/Wr0ng-Secret|\Q$ZoomDouble::CRED{client_secret}\E/,
           'no secret in output/log');
    unlike($text, qr/Basic |Bearer /, 'no Authorization header');
}

# ---------------------------------- secret from the environment, not a file

($rc, $out, $err) = run_camera(
    conf => $zd->camera_conf(zoom => { client_secret_file => undef }),
    env => { ZOOMTRACK_ZOOM_CLIENT_SECRET =>
             $ZoomDouble::CRED{client_secret} });
is($rc, 0, 'secret from ZOOMTRACK_ZOOM_CLIENT_SECRET: exit 0') or diag($err);
is(scalar(@{ $zd->token_requests }), 1, '... and a token was issued');
unlike($out . $err . $zd->log_text,
       qr/\Q$ZoomDouble::CRED{client_secret}\E/, 'no secret in output/log');

# ------------------------------------------ token endpoint down: exit 1

my $downconf = $zd->camera_conf(zoom => {
    oauth_url => 'http://127.0.0.1:' . ZtTest::free_port() . '/oauth/token',
    max_retries => 1 });
($rc, $out, $err) = run_camera(conf => $downconf);
is($rc, 1, 'token endpoint unreachable: exit 1');
like($zd->log_text, qr/access token request failed: no answer/,
     'unreachable token endpoint logged');

done_testing();
