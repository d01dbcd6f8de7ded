# What is not a Zoom event: 400 for bodies that are not a JSON object with
# an "event" string, 405 (Allow: POST) for other methods, 413 past
# client_max_body_size (nginx itself), and a signed body larger than
# client_body_buffer_size (read from nginx's temp file) accepted intact.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

my ($redis, $ng) = setup();

my @bad = (
    [ 'empty body', '' ],
    [ 'not JSON', 'event=meeting.started' ],
    [ 'truncated JSON', '{"event":"meeting.started",' ],
    [ 'array', '[{"event":"meeting.started"}]' ],
    [ 'string', '"meeting.started"' ],
    [ 'no event', '{"payload":{},"event_ts":1}' ],
    [ 'event not a string', '{"event":42,"payload":{}}' ],
);
for my $c (@bad) {
    my ($name, $b) = @$c;
    my $before = length $ng->error_log;
    my $r = post_signed($ng, $b);
    is($r->{status}, 400, "$name: 400");
    is($r->{content}, '{"error":"bad_json"}', "$name: error body");
    like(substr($ng->error_log, $before),
         qr/\[info\] .*zoomtrack: rejected: body /, "$name: reason logged");
}

for my $m (qw(GET PUT DELETE PATCH)) {
    my $before = length $ng->error_log;
    my $r = post_signed($ng, '{"event":"x"}', method => $m);
    is($r->{status}, 405, "$m: 405");
    is($r->{headers}{allow}, 'POST', "$m: Allow: POST");
    like(substr($ng->error_log, $before),
         qr/zoomtrack: rejected: method not allowed/, "$m: logged");
}

# 413: nginx refuses before the module sees the body
my $huge = '{"event":"meeting.started","pad":"' . ('x' x (1100 * 1024)) . '"}';
my $r = post_signed($ng, $huge);
is($r->{status}, 413, 'body over client_max_body_size: 413');

# 600 KB, past the 16k client_body_buffer_size: read from the temp file
my $d = json_decode_ok(payload('meeting.participant_joined'));
$d->{pad} = join('', map { chr(65 + $_ % 26) } 1 .. 600 * 1024);
my $big = JSON::PP->new->canonical->encode($d);
$r = post_signed($ng, $big);
is($r->{status}, 200, 'large body (temp file): 200') or diag($r->{content});
my $recs = records_of($redis, 'zt:b');
is(scalar @$recs, 1, 'large body queued once');
ok($recs->[0]{raw_payload} eq $big, 'large body byte-exact in the record');
is($recs->[0]{participant_name}, 'Jill Chill', 'large body parsed');

# chunked transfer encoding, signed over the de-chunked bytes
my $small = payload('meeting.started');
my $port = $ng->port;
my $ts = time;
my $sig = sign_zoom(SECRET, $ts, $small);
my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:$port") or die $!;
my $half = int(length($small) / 2);
print $s "POST /webhook HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
    . "Transfer-Encoding: chunked\r\nx-zm-request-timestamp: $ts\r\n"
    . "x-zm-signature: $sig\r\n\r\n"
    . sprintf("%x\r\n%s\r\n", $half, substr($small, 0, $half))
    . sprintf("%x\r\n%s\r\n", length($small) - $half, substr($small, $half))
    . "0\r\n\r\n";
my $resp = do { local $/; <$s> };
like($resp, qr{^HTTP/1.1 200 }, 'chunked body: 200');
is($redis->llen('zt:a'), 2, 'chunked body queued');

my $log = $ng->error_log;
my @err = grep { /\[(error|crit|alert)\]/ && !/too large body/ }
          split /\n/, $log;
ok(!@err, 'no [error] but nginx\'s own 413 line') or diag(join "\n", @err);
ok(index($log, SECRET) < 0, 'no secret in log');

done_testing();
