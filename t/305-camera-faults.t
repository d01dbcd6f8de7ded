#!/usr/bin/perl
# zoomtrack camera when the API misbehaves: a 500, a body that is not JSON,
# a body cut short (the connection dropped, also on the token endpoint) and
# an answer slower than zoom.timeout_ms are each retried and the run
# succeeds; an answer that trickles in for longer than timeout_ms without
# stalling is taken; a 500 that does not go away, or an API nobody
# listens on, ends the run with exit 1 after max_retries, leaving earlier
# data intact and the failed meeting not marked 'ok'.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z
my $M = 'Faulty+Meeting==';

my $zd = start_zoom_double(meetings => { $M => { participants => [
    map { { participant_uuid => "PU-$_", user_name => "F$_", email => '',
            user_id => '', camera => '10' } } 1 .. 15 ] } });
my $wh = $zd->warehouse;
make_warehouse($wh,
    raw_event(event_type => 'meeting.started', event_ts => $T0,
              meeting_id => '4242', meeting_uuid => $M),
    raw_event(event_type => 'meeting.ended', event_ts => $T0 + 60000,
              meeting_id => '4242', meeting_uuid => $M));
my $conf = $zd->camera_conf(zoom => { timeout_ms => 700, max_retries => 2 });

sub run_camera {
    my ($c) = @_;
    $zd->clear_log;
    ZtTest::spit($zd->dir . '/zoomtrack.log', '');
    return run_zoomtrack([ 'camera', '-c', $c // $conf, '--date',
                           '2026-11-20' ], env => camera_env());
}

my %faults = (
    '500 once'       => { on => 'qos', type => '500', skip => 1 },
    'bad JSON once'  => { on => 'qos', type => 'badjson', skip => 1 },
    'slow once'      => { on => 'qos', type => 'slow', delay => 2, skip => 1 },
    'truncated once' => { on => 'qos', type => 'truncated', skip => 1 },
    'truncated token' => { on => 'token', type => 'truncated' },
    '500 on settings' => { on => 'meeting', type => '500' },
    '500 on token'   => { on => 'token', type => '500' },
);

for my $what (sort keys %faults) {
    $zd->control(faults => [ $faults{$what} ]);
    my ($rc, $out, $err) = run_camera();
    is($rc, 0, "$what: exit 0") or diag($err);
    is(sql_value($wh, 'SELECT status FROM camera_fetches'), 'ok',
       "$what: fetch ok");
    is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 30,
       "$what: every minute stored");
    like($zd->log_text, qr/retry 1\/2 in \d+ ms/, "$what: retry logged");
}

like(do { $zd->control(faults => [ { on => 'qos', type => 'slow',
                                     delay => 2 } ]);
          run_camera(); $zd->log_text },
     qr/Timeout was reached|timed out/i, 'a timeout names itself');

# ------------------------------------------ a big answer on a slow link

# every QOS answer takes ~2.4 s, over timeout_ms (700), but a byte comes
# every 0.3 s: timeout_ms bounds a stall, not the transfer
$zd->control(faults => [ { on => 'qos', type => 'trickle', chunks => 8,
                           gap => 0.3, count => 99 } ]);
{
    my ($rc, $out, $err) = run_camera();
    is($rc, 0, 'slow transfer that never stalls: exit 0') or diag($err);
    is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 30,
       'slow transfer: every minute stored');
    unlike($zd->log_text, qr/retry 1\//, 'slow transfer: not retried');
}

# ---------------------------------------------------- a 500 that stays

$zd->control(faults => [ { on => 'qos', type => '500', skip => 1,
                           count => 99 } ]);
ZoomDouble::run_sql($wh, "UPDATE camera_fetches SET detail = 'earlier'");
my ($rc, $out, $err) = run_camera();
is($rc, 1, 'persistent 500: exit 1');
is(scalar(@{ $zd->qos_requests }), 4, 'first page, then 1 + 2 retries');
like($zd->log_text, qr/giving up after 3 attempts/, 'giving up logged');
is(sql_value($wh, 'SELECT detail FROM camera_fetches'), 'earlier',
   'the earlier fetch row is untouched');
is(sql_value($wh, 'SELECT count(*) FROM camera_minutes'), 30,
   'the earlier minutes are untouched');
like($out, qr/stopped early/, 'summary says the run stopped early');

# ------------------------------------------------------- nobody listens

my $down = 'http://127.0.0.1:' . ZtTest::free_port();
my $dconf = $zd->camera_conf(zoom => { api_base => "$down/v2",
                                       max_retries => 1 });
($rc, $out, $err) = run_camera($dconf);
is($rc, 1, 'API unreachable: exit 1');
like($zd->log_text, qr/QOS not fetched: .*(connect|refused)/i,
     'unreachable API logged');

done_testing();
