# x-zm-signature / x-zm-request-timestamp: the happy paths (both secrets
# of a rotation, a retry an hour late under the default 2h skew, a clock
# a little ahead) and one 401 per way of getting it wrong (a timestamp more
# than 5 minutes ahead too), each with its reason in error.log.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use Time::HiRes qw(time);
use ZtTest;
use ZtWebhook;

my ($redis, $ng) = setup(secrets => [SECRET, SECRET2]);

my $body = payload('meeting.participant_left');
my $now = int(time);

# name, status, reason logged, post_webhook options
my @cases = (
    [ 'first secret', 200 ],
    [ 'rotated secret', 200, undef, secret => SECRET2 ],
    [ 'one hour old (a retry)', 200, undef, ts => $now - 3600 ],
    [ 'missing signature', 401, 'missing x-zm-signature',
      drop => ['x-zm-signature'] ],
    [ 'missing timestamp', 401, 'missing x-zm-request-timestamp',
      drop => ['x-zm-request-timestamp'] ],
    [ 'empty signature', 401, 'missing x-zm-signature',
      headers => { 'x-zm-signature' => '' } ],
    [ 'wrong secret', 401, 'signature mismatch', secret => 'wrong-secret' ],
    [ 'signature over other bytes', 401, 'signature mismatch',
      headers => { 'x-zm-signature' =>
                   sign_zoom(SECRET, $now, $body . ' ') } ],
    [ 'signature not hex', 401, 'malformed x-zm-signature',
      headers => { 'x-zm-signature' => 'v0=' . ('zz' x 32) } ],
    [ 'signature without v0=', 401, 'malformed x-zm-signature',
      headers => { 'x-zm-signature' => 'v1=' . ('ab' x 32) } ],
    [ 'signature too short', 401, 'malformed x-zm-signature',
      headers => { 'x-zm-signature' => 'v0=abcd' } ],
    [ 'non-numeric timestamp', 401, 'invalid x-zm-request-timestamp',
      ts => '16589x0994' ],
    [ 'timestamp in ms', 401, 'invalid x-zm-request-timestamp',
      ts => $now * 1000 ],
    [ 'stale: 3 hours old', 401, 'older than the allowed skew',
      ts => $now - 3 * 3600 ],
    [ 'from the future: +3 hours', 401, 'ahead of this server',
      ts => $now + 3 * 3600 ],
    [ 'from the future: +10 minutes', 401, 'ahead of this server',
      ts => $now + 600 ],
    [ 'slightly ahead: +2 minutes (clock drift)', 200, undef,
      ts => $now + 120 ],
);

my $accepted = 0;
for my $c (@cases) {
    my ($name, $status, $reason, %o) = @$c;
    my $before = length $ng->error_log;
    my $r = post_signed($ng, $body, %o);
    is($r->{status}, $status, "$name: $status") or diag($r->{content});
    if ($status == 200) {
        $accepted++;
        next;
    }
    like($r->{content}, qr/^\{"error":"[a-z_]+"\}$/, "$name: json error");
    my $log = substr($ng->error_log, $before);
    like($log, qr/\[info\] .*zoomtrack: rejected: .*\Q$reason\E/,
         "$name: reason logged at info");
}

is($redis->llen('zt:a'), $accepted, 'only verified events queued');

my $log = $ng->error_log;
ok(index($log, SECRET) < 0 && index($log, SECRET2) < 0, 'no secret in log');
unlike($log, qr/v0=[0-9a-f]{64}/, 'no signature in log');
unlike($log, qr/Jill|participant_left|"event"/, 'no body in log');
unlike($log, qr/\[(error|crit|alert)\]/, 'no [error]');

# a configured window: zoomtrack_max_skew 5m
my ($redis2, $ng2) = setup(max_skew => '5m');
my $r = post_signed($ng2, $body, ts => $now - 400);
is($r->{status}, 401, 'max_skew 5m: 400 s old is stale');
$r = post_signed($ng2, $body, ts => $now - 200);
is($r->{status}, 200, 'max_skew 5m: 200 s old is fine');

done_testing();
