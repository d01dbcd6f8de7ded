# The module loads, a signed event lands in every configured queue and the
# request is answered 200 with its event_id; a plain location still works.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

my ($redis, $ng) = setup();

my $r = http()->get($ng->url('/ok'));
is($r->{status}, 204, 'return 204 location');

my $body = payload('meeting.participant_joined');
$r = post_signed($ng, $body);
is($r->{status}, 200, 'signed event: 200') or diag($r->{content});
like($r->{headers}{'content-type'}, qr{^application/json}, 'json answer');
my $ans = json_decode_ok($r->{content});
like($ans->{event_id} // '', qr/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-/,
     'answer has the event_id');

for my $q (qw(zt:a zt:b)) {
    my $recs = records_of($redis, $q);
    is(scalar @$recs, 1, "$q: one record");
    is($recs->[0]{event_id}, $ans->{event_id}, "$q: same event_id");
    is($recs->[0]{raw_payload}, $body, "$q: raw payload byte-exact");
}

error_log_clean($ng, 'sanity');

done_testing();
