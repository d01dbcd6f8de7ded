# Issue 8 at the module's edge: a signed body whose text is not UTF-8 as
# RFC 3629 defines it (an overlong form such as C0 96, an encoded
# surrogate, an unpaired \uD800 escape) gets 400 with its reason logged and
# queues nothing, where yajl alone answered 200 with a record jansson
# refuses; an event_ts that is not a plausible epoch-ms integer is treated
# as absent, and the record says where its time came from.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZtWebhook;

my ($redis, $ng) = setup();

sub body_with {
    my ($name, $ts) = @_;
    return '{"event":"meeting.participant_left",'
        . (defined $ts ? "\"event_ts\":$ts," : '')
        . '"payload":{"account_id":"A","object":{"id":"1","uuid":"m==",'
        . '"participant":{"user_id":"7","user_name":"' . $name . '",'
        . '"leave_time":"2021-07-13T21:44:51Z"}}}}';
}

my @bad = (
    [ 'overlong C0 96 in a name', body_with("Jill \xc0\x96"),
      qr/not UTF-8: overlong encoding/ ],
    [ 'encoded surrogate', body_with("\xed\xa0\x80"),
      qr/not UTF-8: encoded surrogate/ ],
    [ 'above U+10FFFF', body_with("\xf4\x90\x80\x80"),
      qr/not UTF-8: above U\+10FFFF/ ],
    [ 'lone \\ud800 escape', body_with('\\ud800'),
      qr/unpaired surrogate in a \\u escape/ ],
    [ 'lone \\udc00 escape', body_with('x\\udc00y'),
      qr/unpaired surrogate in a \\u escape/ ],
    [ '\\u0000 in a name', body_with('Jill\\u0000 Admin'),
      qr/\\u0000 in a string/ ],
);

for my $c (@bad) {
    my ($name, $b, $why) = @$c;
    my $before = length $ng->error_log;
    my $r = post_signed($ng, $b);
    is($r->{status}, 400, "$name: 400");
    is($r->{content}, '{"error":"bad_json"}', "$name: error body");
    like(substr($ng->error_log, $before),
         qr/\[info\] .*zoomtrack: rejected: body is not valid JSON \(.*$why/,
         "$name: reason logged");
}

# a field read twice: the module and jansson (last one wins) would disagree
{
    my $b = body_with('Jill');
    $b =~ s/"user_name":"Jill"/"user_name":"Jill","user_name":"Admin"/;
    my $before = length $ng->error_log;
    my $r = post_signed($ng, $b);
    is($r->{status}, 400, 'user_name twice: 400');
    is($r->{content}, '{"error":"bad_json"}', 'user_name twice: error body');
    like(substr($ng->error_log, $before),
         qr/zoomtrack: rejected: body is not valid JSON \(duplicate key\)/,
         'user_name twice: reason logged');

    # a key the module does not read may repeat, as JSON allows
    $b = body_with('Jill');
    $b =~ s/"account_id":"A"/"extra":1,"extra":2,"account_id":"A"/;
    $r = post_signed($ng, $b);
    is($r->{status}, 200, 'an unread key twice: 200');
    $redis->cmd('DEL', 'zt:a');
}

is($redis->llen('zt:a'), 0, 'nothing queued for the rejected bodies');

# valid UTF-8 beyond the BMP, raw and as an escaped pair, is accepted
my $r = post_signed($ng, body_with("Jill \xf0\x9f\x98\x80 \\ud83d\\ude00"));
is($r->{status}, 200, 'emoji, raw and escaped: 200') or diag($r->{content});
my $rec = records_of($redis, 'zt:a')->[-1];
is($rec->{participant_name}, "Jill \x{1F600} \x{1F600}",
   'emoji decoded in the record');

# event_ts that is no plausible time: the participant's time is used
my $leave_ms = 1626212691000;
for my $ts ('1e300', '-1', '18446744073709551616', '1626230691572.5',
            '"1626230691572"', '1626230691') {
    $r = post_signed($ng, body_with('Jill', $ts));
    is($r->{status}, 200, "event_ts $ts: 200") or diag($r->{content});
    $rec = records_of($redis, 'zt:a')->[-1];
    is($rec->{event_ts}, $leave_ms, "event_ts $ts: leave_time used");
    is($rec->{event_ts_source}, 'participant',
       "event_ts $ts: event_ts_source participant");
}

$r = post_signed($ng, body_with('Jill', 1626230691572));
$rec = records_of($redis, 'zt:a')->[-1];
is($rec->{event_ts}, 1626230691572, 'plausible event_ts kept');
is($rec->{event_ts_source}, 'zoom', 'event_ts_source zoom');

# nothing else to go by: the arrival time
my $t0 = int(time * 1000) - 1000;
$r = post_signed($ng, '{"event":"meeting.started","event_ts":-5,'
                      . '"payload":{"object":{"uuid":"m2=="}}}');
is($r->{status}, 200, 'meeting.started with event_ts -5: 200');
$rec = records_of($redis, 'zt:a')->[-1];
is($rec->{event_ts_source}, 'received', 'event_ts_source received');
ok($rec->{event_ts} >= $t0 && $rec->{event_ts} <= time * 1000 + 1000,
   'event_ts is the arrival time');

error_log_clean($ng, 'body hardening');

done_testing();
