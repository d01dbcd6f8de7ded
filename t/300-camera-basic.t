#!/usr/bin/perl
# zoomtrack camera end to end against the Zoom API double: meetings of the
# day from the warehouse (uuids starting with '/', containing '//', plain),
# QOS pagination, per-minute camera rows mapped to warehouse identities,
# camera_fetches states, pre-assigned rooms, uuid path encodings, one token
# per run, idempotent reruns, no secret in any output.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use MIME::Base64 ();
use Test::More;
use ZtTest;
use ZoomDouble;

my $M1 = '/pfVhQWoSQmUs6ZOwFD4kw==';          # starts with '/'
my $M2 = '4M3a//Yk+Tq2Rr5Ww0aLm3Q==';         # contains '//'
my $M3 = 'Zx7+Ab/Cd9Ef1Gh2Ij3Kl==';           # plain: one '/', '+', '='
my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z

# QOS participants of M1: [spec sent by the double, expected person_key]
my @m1 = (
    [ { participant_uuid => 'PU-ALICE', user_id => '20161536',
        email => '', user_name => 'alice-qos', camera => '1111011110' },
      'id:alice-zoom-id' ],
    # Alice rejoined: overlapping minutes merge, on wins (10:04 becomes on)
    [ { participant_uuid => 'PU-ALICE', user_id => '20161999',
        email => '', user_name => 'alice-qos', camera => '1111',
        start => '2026-11-20T10:04:00Z' },
      'id:alice-zoom-id' ],
    [ { participant_uuid => '', user_id => '16779000', email => '',
        user_name => '', camera => '0000' }, 'reg:bob-reg' ],
    # user_id of the main session = parent_user_id of a breakout row
    [ { participant_uuid => '', user_id => '16780000', email => '',
        user_name => '', camera => '1-10' }, 'email:carol@example.com' ],
    [ { participant_uuid => '', user_id => '', email => 'DAVE@Example.com',
        user_name => 'whatever', camera => '11' }, 'id:dave-id' ],
    [ { participant_uuid => '', user_id => '', email => '',
        user_name => 'Eve Guest', camera => '101' }, 'name:Eve Guest' ],
    [ { participant_uuid => 'PU-NOPE', user_id => '999', email =>
        'Frank@Example.com', user_name => 'Frank', camera => '1' },
      'email:frank@example.com' ],
    [ { participant_uuid => '', user_id => '', email => '',
        user_name => 'Ghost', camera => '0' }, 'name:Ghost' ],
    map { my $n = sprintf('%02d', $_);
          [ { participant_uuid => "PU-S$n", user_id => "5$n", email => '',
              user_name => "Student $n",
              camera => substr('110100111010', 0, 3 + $_ % 9) },
            "name:Student $n" ] } 1 .. 12,
);

my @m2 = (
    [ { participant_uuid => 'PU-M2A', user_name => 'Mia', email => '',
        user_id => '', camera => '110' }, 'name:Mia' ],
);

my @m3 = (
    [ { participant_uuid => 'PU-ALICE3', user_name => 'Alice A',
        email => 'alice@example.com', user_id => '', camera => '0011' },
      'id:alice-zoom-id' ],
    [ { participant_uuid => 'PU-X', user_name => 'Xavier', email => '',
        user_id => '', camera => '1' }, 'name:Xavier' ],
);

sub minutes_of {
    my (@ps) = @_;
    my %exp;
    for my $p (@ps) {
        my ($spec, $key) = @$p;
        my $start = $T0;
        if ($spec->{start} && $spec->{start} =~ /T10:(\d\d):00Z/) {
            $start += $1 * 60000;
        }
        my @c = split //, $spec->{camera};
        for my $i (0 .. $#c) {
            my $m = $start + 60000 * $i;
            my $on = $c[$i] eq '1' ? 1 : 0;
            $exp{"$key|$m"} = $on if !defined $exp{"$key|$m"}
                                     || $on > $exp{"$key|$m"};
        }
    }
    return \%exp;
}

my $zd = start_zoom_double(
    meetings => {
        $M1 => { participants => [ map { $_->[0] } @m1 ] },
        $M2 => { participants => [ map { $_->[0] } @m2 ] },
        $M3 => { participants => [ map { $_->[0] } @m3 ] },
    },
    settings => {
        '93201235621' => { id => 93201235621, settings => { breakout_room => {
            enable => JSON::PP::true, rooms => [
                { name => 'Room A', participants =>
                    [ 'Alice@Example.com', 'bob@example.com' ] },
                { name => 'Room B', participants => [ 'carol@example.com' ] },
            ] } } },
        '93201235623' => { id => 93201235623, settings => {} },
    },
);

# ---------------------------------------------------------------- the double

{
    my $tok = ZtTest::http()->post($zd->url('/oauth/token'), {
        headers => { Authorization => 'Basic ' . MIME::Base64::encode_base64(
            "$ZoomDouble::CRED{client_id}:$ZoomDouble::CRED{client_secret}",
            ''), 'content-type' => 'application/x-www-form-urlencoded' },
        content => "grant_type=account_credentials&account_id="
                   . $ZoomDouble::CRED{account_id} });
    is($tok->{status}, 200, 'double: token issued');
    my $t = JSON::PP::decode_json($tok->{content})->{access_token};
    my $r = ZtTest::http()->get(
        $zd->url('/v2/metrics/meetings/%2FpfVhQWoSQmUs6ZOwFD4kw%3D%3D'
                 . '/participants/qos?type=past&page_size=10'),
        { headers => { Authorization => "Bearer $t" } });
    is($r->{status}, 404, 'double: single-encoded leading / is a 404');
    like($r->{content}, qr/"code": 3001/, 'double: ... with code 3001');
    $r = ZtTest::http()->get(
        $zd->url('/v2/metrics/meetings/x/participants/qos?type=past'),
        { headers => { Authorization => 'Bearer nope' } });
    is($r->{status}, 401, 'double: unknown token is a 401');
    like($r->{content}, qr/"code": 124/, 'double: ... with code 124');
    $zd->clear_log;
}

# ------------------------------------------------------------- warehouse

my @rows = (
    # M1: started, people, ended
    raw_event(event_type => 'meeting.started', event_ts => $T0 - 60000,
              meeting_id => '93201235621', meeting_uuid => $M1),
    # Alice's breakout row, stored first: Zoom blanks the id of another
    # account's user in room events, so it keys by email; the QOS
    # participant is hers under the strongest key, the report's
    raw_event(meeting_id => '93201235621', meeting_uuid => $M1,
              event_type => 'meeting.participant_joined_breakout_room',
              event_ts => $T0 + 500, participant_uuid => 'PU-ALICE',
              participant_email => 'alice@example.com',
              participant_name => 'Alice A',
              person_key => 'email:alice@example.com'),
    raw_event(meeting_id => '93201235621', meeting_uuid => $M1,
              event_ts => $T0, participant_uuid => 'PU-ALICE',
              participant_user_id => '16778240', participant_id => 'alice',
              participant_email => 'alice@example.com',
              participant_name => 'Alice A', person_key => 'id:alice-zoom-id'),
    raw_event(meeting_id => '93201235621', meeting_uuid => $M1,
              event_ts => $T0 + 1000, participant_uuid => 'PU-BOB',
              participant_user_id => '16779000', participant_name => 'Bob B',
              registrant_id => 'bob-reg', person_key => 'reg:bob-reg'),
    raw_event(meeting_id => '93201235621', meeting_uuid => $M1,
              event_type => 'meeting.participant_joined_breakout_room',
              event_ts => $T0 + 2000, participant_uuid => 'PU-CAROL',
              participant_user_id => '33554433',
              parent_user_id => '16780000',
              participant_email => 'carol@example.com',
              participant_name => 'Carol C',
              person_key => 'email:carol@example.com'),
    raw_event(meeting_id => '93201235621', meeting_uuid => $M1,
              event_ts => $T0 + 3000, participant_uuid => 'PU-DAVE',
              participant_email => 'dave@example.com',
              participant_name => 'Dave D', person_key => 'id:dave-id'),
    raw_event(meeting_id => '93201235621', meeting_uuid => $M1,
              event_ts => $T0 + 4000, participant_uuid => 'PU-EVE',
              participant_name => 'Eve Guest', person_key => 'name:Eve Guest'),
    (map { my $n = sprintf('%02d', $_);
           raw_event(meeting_id => '93201235621', meeting_uuid => $M1,
                     event_ts => $T0 + 5000 + $_,
                     participant_name => "Student $n",
                     person_key => "name:Student $n") } 1 .. 12),
    raw_event(event_type => 'meeting.ended', event_ts => $T0 + 3600000,
              meeting_id => '93201235621', meeting_uuid => $M1),
    # M2: not ended yet
    raw_event(event_type => 'meeting.started', event_ts => $T0 + 7200000,
              meeting_id => '93201235622', meeting_uuid => $M2),
    raw_event(meeting_id => '93201235622', meeting_uuid => $M2,
              event_ts => $T0 + 7201000, participant_uuid => 'PU-M2A',
              participant_name => 'Mia', person_key => 'name:Mia'),
    # M3: ended; Alice again under another participant_uuid
    raw_event(event_type => 'meeting.started', event_ts => $T0 + 100,
              meeting_id => '93201235623', meeting_uuid => $M3),
    raw_event(meeting_id => '93201235623', meeting_uuid => $M3,
              event_ts => $T0 + 200, participant_uuid => 'PU-ALICE3',
              participant_email => 'Alice@Example.com',
              participant_name => 'Alice A', person_key => 'id:alice-zoom-id'),
    raw_event(event_type => 'meeting.ended', event_ts => $T0 + 900000,
              meeting_id => '93201235623', meeting_uuid => $M3),
    # another day: ignored (webinars: t/309)
    raw_event(event_type => 'meeting.ended', event_ts => $T0 + 86400000,
              meeting_id => '1', meeting_uuid => 'other-day=='),
);

my $wh = $zd->warehouse;
make_warehouse($wh, @rows);
# the day lies in the past: only meeting.ended ends a meeting here (a
# meeting.ended that never came is t/307's)
my $conf = $zd->camera_conf(camera => { ended_after_mins => 0 });

sub camera_rows {
    sql_rows($wh, "SELECT meeting_uuid, person_key, minute_ts, camera_on "
             . "FROM camera_minutes ORDER BY 1, 2, 3");
}

sub check_minutes {
    my ($uuid, $ps, $what) = @_;
    my $exp = minutes_of(@$ps);
    my %got = map { ("$_->[1]|$_->[2]" => $_->[3]) }
              grep { $_->[0] eq $uuid } @{ camera_rows() };
    is_deeply(\%got, $exp, "$what: camera_minutes of $uuid");
}

# ------------------------------------------------------------------ run 1

my ($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                       '2026-11-20' ], env => camera_env());
is($rc, 0, 'camera exits 0') or diag($err);
like($out, qr/^\Qcamera 2026-11-20: meetings 3 (ok 2, pending 1, \E
               \Qunavailable 0), participants 22, minutes 112 \E/mx,
     'summary line');
unlike($err, qr/\r/, 'no progress line when stderr is not a TTY');

check_minutes($M1, \@m1, 'run 1');
check_minutes($M3, \@m3, 'run 1');
is(sql_value($wh, "SELECT count(*) FROM camera_minutes WHERE meeting_uuid = "
             . "'$M2'"), 0, 'no minutes for the meeting that has not ended');

is_deeply(sql_rows($wh, "SELECT meeting_uuid, status, detail FROM "
                   . "camera_fetches ORDER BY 1"),
          [ [ $M1, 'ok', '20 participants, 107 samples' ],
            [ $M2, 'pending', 'meeting has not ended: no meeting.ended '
                              . 'yet (camera.ended_after_mins = 0: none is '
                              . 'presumed)' ],
            [ $M3, 'ok', '2 participants, 5 samples' ] ],
          'camera_fetches: ok, pending, ok');
like(sql_value($wh, "SELECT fetched_at FROM camera_fetches LIMIT 1"),
     qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'fetched_at is RFC 3339');

is_deeply(sql_rows($wh, "SELECT meeting_id, room_name, email FROM "
                   . "preassigned_rooms ORDER BY 1, 2, 3"),
          [ [ '93201235621', 'Room A', 'alice@example.com' ],
            [ '93201235621', 'Room A', 'bob@example.com' ],
            [ '93201235621', 'Room B', 'carol@example.com' ] ],
          'pre-assigned rooms, emails lowercased');

my $reqs = $zd->requests;
my @qos = grep { $_->{path} =~ /qos$/ } @$reqs;
is(scalar(@qos), 3, 'three QOS requests (M1 two pages, M3 one)');
is($qos[0]{path}, '/v2/metrics/meetings/%252FpfVhQWoSQmUs6ZOwFD4kw%253D%253D'
   . '/participants/qos', 'leading / uuid double-encoded');
is($qos[0]{query}, 'type=past&page_size=10', 'first page query');
like($qos[1]{query}, qr/^type=past&page_size=10&next_page_token=[\w%-]+$/,
     'second page carries next_page_token');
is($qos[2]{path}, '/v2/metrics/meetings/Zx7%2BAb%2FCd9Ef1Gh2Ij3Kl%3D%3D'
   . '/participants/qos', 'plain uuid encoded once');
ok(!(grep { $_->{status} != 200 && $_->{path} ne '/v2/meetings/93201235622' }
     @$reqs), 'no failed request (but the unknown meeting settings)')
    or diag(explain([ map { "$_->{status} $_->{path}" } @$reqs ]));

my @tok = grep { $_->{path} eq '/oauth/token' } @$reqs;
is(scalar(@tok), 1, 'one token request per run');
is($tok[0]{method}, 'POST', 'token by POST');
like($tok[0]{body}, qr/(^|&)grant_type=account_credentials(&|$)/,
     'grant_type in the form body');
like($tok[0]{headers}{'content-type'}, qr{application/x-www-form-urlencoded},
     'form content type');
my %bearer = map { ($_->{headers}{authorization} // '') => 1 }
             grep { $_->{path} ne '/oauth/token' } @$reqs;
is(scalar(keys %bearer), 1, 'every API call used the same token');
like((keys %bearer)[0], qr/^Bearer tok-/, '... as a Bearer token');
is_deeply([ sort map { $_->{path} }
            grep { $_->{path} =~ m{^/v2/meetings/} } @$reqs ],
          [ map { "/v2/meetings/$_" } qw(93201235621 93201235622 93201235623) ],
          'settings fetched once per meeting id');

my $log = $zd->log_text;
for my $text ($out, $err, $log) {
    unlike($text, qr/\Q$ZoomDouble::CRED{client_secret}\E/,
           'secret not in output/log');
    unlike($text, qr/tok-[0-9a-f]{24}/, 'no token in output/log');
    unlike($text, qr/Basic |Bearer /, 'no Authorization header in output/log');
}

# ---------------------------------------------------------- rerun: same rows

my $before = camera_rows();
$zd->clear_log;
($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                    '2026-11-20' ], env => camera_env());
is($rc, 0, 'rerun exits 0') or diag($err);
is(scalar(@{ $zd->qos_requests }), 3, 'rerun: the ok meetings are fetched again');
is_deeply(camera_rows(), $before, 'rerun: identical camera_minutes');

$zd->clear_log;
($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                    '2026-11-20', '--new-only' ],
                                  env => camera_env());
is($rc, 0, '--new-only exits 0') or diag($err);
like($out, qr/meetings 3 \(ok 2, pending 1, unavailable 0\), participants 0,/,
     '--new-only: the ok meetings are not fetched again');
is(scalar(@{ $zd->qos_requests }), 0, '--new-only: no QOS request');
like($zd->log_text, qr/meeting "\Q$M1\E": ok, not fetched again: ended at /,
     '--new-only: the log says why');
is_deeply(camera_rows(), $before, '--new-only: identical camera_minutes');
is(sql_value($wh, "SELECT count(*) FROM preassigned_rooms"), 3,
   'rerun: rooms replaced, not duplicated');
is(scalar(@{ $zd->token_requests }), 1, 'rerun: one token request');

# ------------------------------------------- M2 ends: '//' uuid double-encoded

make_warehouse($wh, raw_event(event_type => 'meeting.ended',
                              event_ts => $T0 + 9000000,
                              meeting_id => '93201235622',
                              meeting_uuid => $M2));
$zd->clear_log;
($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                    '2026-11-20', '--meeting', $M2 ],
                                  env => camera_env());
is($rc, 0, '--meeting run exits 0') or diag($err);
like($out, qr/meetings 1 \(ok 1, pending 0, unavailable 0\)/,
     '--meeting: only that meeting');
@qos = @{ $zd->qos_requests };
is(scalar(@qos), 1, 'one QOS request');
is($qos[0]{path}, '/v2/metrics/meetings/4M3a%252F%252FYk%252BTq2Rr5Ww0aLm3Q'
   . '%253D%253D/participants/qos', "'//' uuid double-encoded");
check_minutes($M2, \@m2, 'after it ended');
is(sql_value($wh, "SELECT status FROM camera_fetches WHERE meeting_uuid = "
             . "'$M2'"), 'ok', 'pending became ok');
is_deeply([ grep { $_->[0] ne $M2 } @{ camera_rows() } ], $before,
          'other meetings untouched');

# ------------------------------------------------------ a day with nothing

($rc, $out, $err) = run_zoomtrack([ 'camera', '-c', $conf, '--date',
                                    '2026-11-10' ], env => camera_env());
is($rc, 0, 'empty day exits 0');
like($out, qr/meetings 0 \(ok 0, pending 0, unavailable 0\)/,
     'empty day summary');

done_testing();
