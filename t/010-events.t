# Every documented event in t/data/payloads is accepted and lands, as one
# normalised record, in each of the two configured queues.  The fields are
# compared to the payload file; the same body posted twice gets the same
# event_id (deduplication key), and the queues keep FIFO order.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

# event type => expected "action" (anything not listed: "")
my %action = (
    'meeting.participant_joined'               => 'JOIN',
    'meeting.participant_left'                 => 'LEAVE',
    'meeting.participant_admitted'             => 'JOIN',
    'meeting.participant_joined_breakout_room' => 'JOIN',
    'meeting.participant_left_breakout_room'   => 'LEAVE',
    'meeting.participant_joined_waiting_room'  => 'JOIN',
    'meeting.participant_left_waiting_room'    => 'LEAVE',
    'meeting.participant_put_in_waiting_room'  => '',
    'webinar.participant_joined'               => 'JOIN',
    'webinar.participant_left'                 => 'LEAVE',
);

my $dir = top_dir() . '/t/data/payloads';
my @cases;
for my $f (sort glob("$dir/*.json")) {
    (my $name = $f) =~ s{.*/|\.json$}{}g;
    my $d = json_decode_ok(slurp($f));
    next unless ref $d eq 'HASH' && defined $d->{event};
    next if $d->{event} eq 'endpoint.url_validation';
    push @cases, [ $name, $d ];
}
cmp_ok(scalar @cases, '>=', 15, 'found the documented event payloads');

my ($redis, $ng) = setup();
my @queues = qw(zt:a zt:b);

sub str { defined $_[0] ? "$_[0]" : '' }

my @ids;
for my $c (@cases) {
    my ($name, $d) = @$c;
    my $body = payload($name);
    for my $try (1, 2) {
        my $r = post_signed($ng, $body);
        is($r->{status}, 200, "$name #$try: 200") or diag($r->{content});
        push @ids, [ $name, json_decode_ok($r->{content})->{event_id} ];
    }
}

for my $q (@queues) {
    my $recs = records_of($redis, $q);
    is(scalar @$recs, 2 * @cases, "$q: two records per event");

    my $i = 0;
    for my $c (@cases) {
        my ($name, $d) = @$c;
        my ($r1, $r2) = @$recs[$i, $i + 1];
        $i += 2;
        my $obj = $d->{payload}{object} || {};
        my $p = $obj->{participant} || {};
        my $t = "$q $name";

        is($r1->{event_type}, $d->{event}, "$t: event_type");
        like($r1->{event_id},
             qr/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
             "$t: event_id is a UUID");
        is($r2->{event_id}, $r1->{event_id}, "$t: same body, same event_id");
        is($r1->{raw_payload}, payload($name), "$t: raw_payload byte-exact");
        is($r1->{event_ts}, $d->{event_ts}, "$t: event_ts");
        is($r1->{account_id}, str($d->{payload}{account_id}), "$t: account_id");
        ok(!ref $r1->{meeting_id}
           && !JSON::PP::is_bool($r1->{meeting_id})
           && $r1->{meeting_id} eq str($obj->{id}),
           "$t: meeting_id is the string \"" . str($obj->{id}) . '"');
        is($r1->{meeting_uuid}, str($obj->{uuid}), "$t: meeting_uuid");
        is($r1->{participant_user_id}, str($p->{user_id}),
           "$t: participant_user_id");
        is($r1->{participant_name}, str($p->{user_name}),
           "$t: participant_name");
        is($r1->{participant_email}, str($p->{email}), "$t: email");
        is($r1->{action}, $action{ $d->{event} } // '', "$t: action");
    }
}

# the answer's event_id is the record's
my $first = records_of($redis, 'zt:a');
is_deeply([ map { $_->{event_id} } @$first ], [ map { $_->[1] } @ids ],
          'answered event_ids match the queue, in FIFO order');

# meeting_id really is a JSON string in the record for a numeric id
my $raw = $redis->lrange('zt:a');
my ($sharing) = grep { /"event_type":"meeting.sharing_started"/ } @$raw;
like($sharing, qr/"meeting_id":"1234567890"/,
     'numeric meeting id serialised as a string');

error_log_clean($ng, 'events');

done_testing();
