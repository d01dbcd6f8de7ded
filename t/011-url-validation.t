# endpoint.url_validation: answered 200 with plainToken and its HMAC under
# the secret that verified the request (two secrets configured, rotation),
# never queued; unsigned or malformed challenges are refused.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Digest::SHA qw(hmac_sha256_hex);
use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

my ($redis, $ng) = setup(secrets => [SECRET, SECRET2]);

my $body = payload('endpoint.url_validation');
my $token = json_decode_ok($body)->{payload}{plainToken};

for my $case ([ 'first secret', SECRET ], [ 'rotated secret', SECRET2 ]) {
    my ($name, $secret) = @$case;
    my $r = post_signed($ng, $body, secret => $secret);
    is($r->{status}, 200, "$name: 200");
    like($r->{headers}{'content-type'}, qr{^application/json}, "$name: json");
    my $a = json_decode_ok($r->{content});
    is_deeply($a, { plainToken => $token,
                    encryptedToken => hmac_sha256_hex($token, $secret) },
              "$name: encryptedToken under the verifying secret");
}

# a token that needs JSON escaping survives the round trip
my $odd = '{"event":"endpoint.url_validation","payload":'
        . '{"plainToken":"a\"b\\\\c"},"event_ts":1654503849680}';
my $r = post_signed($ng, $odd, secret => SECRET2);
is($r->{status}, 200, 'escaped token: 200');
is(json_decode_ok($r->{content})->{plainToken}, 'a"b\\c',
   'escaped token: returned intact');

my @bad = (
    [ 'unsigned', 401, $body, drop => ['x-zm-signature'] ],
    [ 'wrong secret', 401, $body, secret => 'not-the-secret' ],
    [ 'no plainToken', 400,
      '{"event":"endpoint.url_validation","payload":{},"event_ts":1}' ],
    [ 'empty plainToken', 400,
      '{"event":"endpoint.url_validation","payload":{"plainToken":""}}' ],
);
for my $c (@bad) {
    my ($name, $status, $b, %o) = @$c;
    my $r = post_signed($ng, $b, %o);
    is($r->{status}, $status, "$name: $status");
    unlike($r->{content}, qr/encryptedToken/, "$name: no token");
}

is($redis->llen($_), 0, "$_: url_validation never queued") for qw(zt:a zt:b);

my $log = $ng->error_log;
like($log, qr/\[info\].*zoomtrack: rejected: /, 'rejections logged at info');
ok(index($log, SECRET) < 0 && index($log, SECRET2) < 0, 'no secret in log');
unlike($log, qr/\[(error|crit|alert)\]/, 'no [error]');

done_testing();
