# The chat sink against a local incoming-webhook double (t/chat-double.py):
# changes coalesced into one readable message with the configured channel,
# username and icon; the chat server down (and the drainer killed meanwhile,
# its successor retrying) loses and duplicates nothing while the other sinks
# carry on; Retry-After of a 429 honoured; a refused message kept aside; a
# revoked URL pauses (404, or Mattermost's 400 for a deleted hook); a restart sends nothing twice; the URL and emails never
# leak; the chat tells the status CSV's story of a lone host's end, a lost
# main join and a lost room leave.

use strict;
use utf8;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(time);
use ZtTest;

binmode(Test::More->builder->$_, ':encoding(UTF-8)')
    for qw(output failure_output todo_output);

require "$FindBin::Bin/139-drain-lib.pl";

my $dir = tmp_dir();
my $redis = start_redis();
my $cport = free_port();
my $token = 'T0KEN-' . int(rand(1e9));
my $clog = "$dir/chat.log";
my $url_file = "$dir/chat-url";
spit($url_file, "http://127.0.0.1:$cport/hooks/$token\n");
chmod 0600, $url_file;

my $double;
sub double_up {
    $double = ZtTest::spawn(cmd => ['python3', "$FindBin::Bin/chat-double.py",
                                    '--port', $cport, '--token', $token,
                                    '--log', $clog],
                            log => "$dir/double.err");
    wait_until(sub { http()->get("http://127.0.0.1:$cport/_health")
                         ->{status} == 200 }, 10, 'chat double')
        or die 'chat double did not start: ' . (slurp("$dir/double.err") // '');
}
sub double_down {
    kill 'TERM', $double;
    ZtTest::reap($double, 10);
    undef $double;
}
END { local $?; double_down() if $double }
sub faults {
    http()->post("http://127.0.0.1:$cport/_control",
                 { content => encode_json({ faults => [@_] }) });
}

# requests the double logged
sub requests {
    return map { decode_json($_) } split /\n/, (slurp($clog) // '');
}
sub texts { map { $_->{body}{text} } grep { $_->{status} == 200 } requests() }

# 2026-01-10 14:00:00 UTC
my $T0 = 1768053600000;
my $n = 0;
sub rec {
    my ($type, $min, %o) = @_;
    return ZtDrain::make_record(ZtTest::payload($type),
        event_id => ZtDrain::event_id(175, ++$n),
        event_ts => $T0 + $min * 60000,
        meeting_uuid => 'M1==', meeting_id => '85746065432',
        breakout_room_uuid => '', leave_reason => '',
        participant_email => '', registrant_id => '', %o);
}
sub person {
    my ($name, $id, $email) = @_;
    return (participant_name => $name, participant_id => $id,
            participant_email => $email // '');
}
my @lists = qw(zoomtrack:chat zoomtrack:archive zoomtrack:status);
sub push_recs { ZtDrain::push_records($redis->port, \@lists, [@_]) }

my $conf = "$dir/zt.conf";
my $log = "$dir/drain.log";
sub conf {
    my (%o) = @_;
    ZtDrain::write_conf($conf, data_dir => "$dir/data",
        redis => $redis->address, 'chat.enabled' => 'yes',
        'chat.url_file' => $url_file, 'chat.channel' => '#zoom',
        'chat.username' => 'zoomtrack', 'chat.icon_url' =>
        'https://example.org/z.png', 'chat.interval' => 4,
        'warehouse.enabled' => 'no', %o);
}
conf();
double_up();
my $drain = ZtDrain::start_drain($conf, $log);

# ------------------------------------------------ one coalesced message
my $t = time;
push_recs(rec('meeting.started', 0),
          rec('meeting.participant_joined', 2,
              person('Alice', 'idA', 'alice@example.org')),
          rec('meeting.participant_joined', 3, person('Bob', 'idB')),
          rec('meeting.participant_joined_breakout_room', 4,
              person('Alice', 'idA', 'alice@example.org'),
              breakout_room_uuid => 'R1'),
          rec('meeting.participant_left', 5, person('Bob', 'idB'),
              leave_reason => 'Bob left the meeting.<br>Reason: Network '
              . 'connection error.'),
          rec('meeting.sharing_started', 5, person('Alice', 'idA')));
ok(wait_until(sub { requests() >= 1 }, 20, 'a message'), 'a message came')
    or diag(slurp($log));
my @r = requests();
cmp_ok(time - $t, '>=', 3.5, 'not before [chat] interval');
is(scalar(@r), 1, 'one message for the six records');
is($r[0]{status}, 200, 'accepted by the double (strict checks passed)')
    or diag(explain($r[0]));
like($r[0]{content_type}, qr{^application/json}, 'JSON');
is_deeply([sort keys %{ $r[0]{body} }], [qw(channel icon_url text username)],
          'text, channel, username, icon_url');
is($r[0]{body}{channel}, '#zoom', 'channel');
is($r[0]{body}{username}, 'zoomtrack', 'username');
my $want1 = "🎬 Meeting 85746065432 started · 14:00\n"
    . "🟢 Alice joined · Room-1 · 14:02\n"
    . "🟢 Bob joined · 14:03\n"
    . "🔴 Bob left (network connection error) · 14:05";
is($r[0]{body}{text}, $want1, 'the message')
    or diag($r[0]{body}{text});
my $state = "$dir/data/chat-state.json";
is((stat($state))[2] & 0777, 0600, 'state file owner-only');

# a restart sends nothing twice: a later change is posted after it, and
# that post is the only one (the outbox is posted in order, so a message
# posted again would have come before it) and repeats no line
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 20), 0, 'drainer stops on TERM');
$drain = ZtDrain::start_drain($conf, $log);
ok(wait_until(sub { slurp($log) =~ /\[sink:chat\] state .*\n(?s:.*)\[sink:chat\] state/ }, 10,
              'restart'), 'restarted');
push_recs(rec('meeting.participant_joined', 6, person('Cid', 'idC')));
ok(wait_until(sub { grep { /Cid joined/ } texts() }, 30, 'the later change'),
   'a change after the restart is posted') or diag(slurp($log));
@r = requests();
is(scalar(@r), 2, 'nothing posted again after a restart, only the change');
is($r[1]{body}{text}, "🟢 Cid joined · 14:06", 'the change alone');
my %said;
my @again = grep { $said{$_}++ } map { split /\n/ } texts();
is_deeply(\@again, [], 'no line said twice (no second "Alice joined")');

# ---------------------------------------------- the chat server down
# for 30 s (issue 10's scenario: its length, not a wait for a result)
double_down();
my $down = time;
my @names = map { "P$_" } 1 .. 6;
push_recs(map { rec('meeting.participant_joined', 10, person($_, "id$_")) }
          @names[0 .. 2]);
# the other sinks carry on
ok(wait_until(sub { (slurp("$dir/data/_data/zoom-room-dashboard.csv") // '')
                    =~ /P3/ }, 10, 'status CSV'),
   'status CSV updated while the chat server is down');
ok(wait_until(sub { ZtDrain::archive_files("$dir/data/raw") == $n }, 10,
              'archive'), 'archive stored while the chat server is down');
ok(wait_until(sub { slurp($log) =~ /cannot reach the chat server/ }, 15,
              'retry log'), 'the failed post is logged, with backoff');
is($redis->llen('zoomtrack:chat'), 0, 'the chat queue is drained anyway');

# the drainer killed during the outage; the outage lasts 30 s, and at
# least until the restarted drainer has folded the new changes into its
# state and failed to reach the chat server twice more
kill 'KILL', $drain;
ZtTest::reap($drain, 10);
my $mark = length(slurp($log) // '');
$drain = ZtDrain::start_drain($conf, $log);
push_recs(map { rec('meeting.participant_joined', 11, person($_, "id$_")) }
          @names[3 .. 5]);
push_recs(rec('meeting.participant_joined', 10, person('P1', 'idP1')));
sub fails_since {
    my @f = substr(slurp($log) // '', $_[0])
        =~ /cannot reach the chat server/g;
    return scalar @f;
}
ok(wait_until(sub { fails_since($mark) >= 2 }, 60, 'retries after restart'),
   'the restarted drainer retries the held message')
    or diag(slurp($log));
ok(wait_until(sub { $redis->llen('zoomtrack:chat') == 0
                    && (slurp($state) // '') =~ /P6/ }, 30, 'P4-P6 kept'),
   'the changes made during the outage are kept in the state file');
ok(wait_until(sub { time - $down >= 30 }, 40, '30 s outage'),
   'the chat server stayed down for 30 s');
is(scalar(requests()), 2, 'nothing reached the dead server');
double_up();
ok(wait_until(sub { my $all = join "\n", texts(); $all =~ /P6/ }, 60,
              'messages after the outage'), 'the held changes arrive')
    or diag(slurp($log));
# a later change is posted after anything the outage could repeat
push_recs(rec('meeting.participant_joined', 12, person('Hal', 'idH')));
ok(wait_until(sub { grep { /Hal joined/ } texts() }, 30, 'the later change'),
   'a change after the outage is posted');
my $all = join "\n", texts();
for my $p (@names) {
    my $c = () = $all =~ /🟢 \Q$p\E joined/g;
    is($c, 1, "$p said once");
}
is((grep { $_->{status} != 200 } requests()), 0, 'every post well-formed');
unlike($all, qr/example\.org|@/, 'never an email address');

# ----------------------------------------------------- 429 Retry-After
faults({ status => 429, retry_after => '2', count => 1 });
my $before = requests();
push_recs(rec('meeting.participant_joined', 20, person('Eve', 'idE')));
ok(wait_until(sub { requests() >= $before + 2 }, 30, '429 then 200'),
   'retried after the 429');
@r = (requests())[$before .. $before + 1];
is($r[0]{status}, 429, 'first answer 429');
is($r[1]{status}, 200, 'then 200');
cmp_ok($r[1]{t} - $r[0]{t}, '>=', 1.9, 'Retry-After: 2 honoured');
is($r[1]{body}{text}, $r[0]{body}{text}, 'the same message, not another');
like(slurp($log), qr/limits the rate \(HTTP 429\); message \d+ waits 2000 ms/,
     'logged');

# ------------------------------------------- a refused message is kept
faults({ status => 400, body => 'invalid_payload' });
push_recs(rec('meeting.participant_joined', 21, person('Fay', 'idF')));
ok(wait_until(sub { -s "$dir/data/chat-dead.ndjson" }, 20, 'dead file'),
   'a refused message goes to chat-dead.ndjson');
like(slurp("$dir/data/chat-dead.ndjson"), qr/Fay joined.*"status":400/,
     'with the message and the status');
is((stat("$dir/data/chat-dead.ndjson"))[2] & 0777, 0600, 'owner-only');
like(slurp($log), qr/refused message \d+ \(HTTP 400: invalid_payload\)/,
     'logged with the answer');

# ---------------------------------------- a revoked URL pauses the sink
faults({ status => 404, body => 'no_service', count => 2 });
$before = requests();
push_recs(rec('meeting.participant_joined', 22, person('Gil', 'idG')));
ok(wait_until(sub { grep { $_->{status} == 200 && $_->{body}{text} =~ /Gil/ }
                    requests() }, 30, 'after the pause'),
   'held through the 404s, then posted');
like(slurp($log), qr/refuses the webhook \(HTTP 404: no_service\): check/,
     'the pause is logged');

# Mattermost answers a deleted hook with 400: held too, not dead-lettered
my $dead_before = -s "$dir/data/chat-dead.ndjson";
faults({ status => 400, count => 2,
         body => '{"id":"web.incoming_webhook.invalid.app_error",'
               . '"message":"Invalid webhook.","status_code":400}' });
push_recs(rec('meeting.participant_joined', 23, person('Ida', 'idI')));
ok(wait_until(sub { grep { $_->{status} == 200 && $_->{body}{text} =~ /Ida/ }
                    requests() }, 30, 'after the deleted hook'),
   'held through Mattermost\'s "Invalid webhook" 400s, then posted');
is(-s "$dir/data/chat-dead.ndjson", $dead_before,
   'nothing dead-lettered for a 400 that names the webhook');
like(slurp($log), qr/refuses the webhook \(HTTP 400: .*invalid\.app_error/,
     'logged as a webhook problem');

# --------------------------- one person on two devices (presence rule 9)
# Jo's laptop goes to a breakout room, her phone joins the main room and
# leaves it: she is still in (the laptop), so no "left" line until the
# laptop goes too
sub texts_since {
    my @r = requests();
    return map { $_->{body}{text} } grep { $_->{status} == 200 }
        @r[$_[0] .. $#r];
}
sub jo {
    my ($type, $min, $dev, %o) = @_;
    return rec($type, $min, person('Jo', 'idJo'), meeting_uuid => 'M5==',
               meeting_id => '555', participant_uuid => $dev, %o);
}
my $seen = requests();
push_recs(jo('meeting.participant_joined', 30, 'LAPTOP'),
          jo('meeting.participant_joined_breakout_room', 30.5, 'LAPTOP',
             breakout_room_uuid => 'R5'),
          jo('meeting.participant_joined', 31, 'PHONE'),
          jo('meeting.participant_left', 32, 'PHONE',
             leave_reason => 'Jo left the meeting.<br>Reason: left the '
             . 'meeting.'));
push_recs(rec('meeting.participant_joined', 33, person('Kim', 'idK'),
              meeting_uuid => 'M5==', meeting_id => '555'));
ok(wait_until(sub { grep { /Kim joined/ } texts() }, 30, 'Kim'),
   'the two-device changes are posted') or diag(slurp($log));
my $two = join "\n", texts_since($seen);
like($two, qr/🟢 Jo joined · Room-1 · 14:30/, 'Jo joined into Room-1');
unlike($two, qr/Jo left/, 'the phone leaving with the laptop in a room '
       . 'is no departure') or diag($two);
$seen = requests();
push_recs(jo('meeting.participant_left_breakout_room', 40, 'LAPTOP',
             breakout_room_uuid => 'R5'),
          jo('meeting.participant_left', 40, 'LAPTOP',
             leave_reason => 'Jo left the meeting.<br>Reason: left the '
             . 'meeting.'));
ok(wait_until(sub { grep { /Jo left/ } texts() }, 30, 'Jo left'),
   'the last device leaving is the departure');
is((grep { /🔴 Jo left \(left the meeting\) · 14:40/ } texts()), 1,
   'said once');

# ---------------------- the host ends the meeting: the end line alone,
# across a drainer restart between the leaves and meeting.ended
my @class = map { "C$_" } 1 .. 6;
sub cls {
    my ($type, $min, %o) = @_;
    return rec($type, $min, meeting_uuid => 'M6==', meeting_id => '666',
               %o);
}
sub host_ends {
    my ($mu, $mid, $why) = @_;
    return map { rec('meeting.participant_left', 60, person($_, "id$_"),
                     meeting_uuid => $mu, meeting_id => $mid,
                     leave_reason => "$_ left the meeting.<br>Reason: "
                     . "Host $why the meeting.") } @class;
}
$seen = requests();
push_recs(map { cls('meeting.participant_joined', 50, person($_, "id$_")) }
          @class);
ok(wait_until(sub { grep { /C6 joined/ } texts() }, 30, 'class in'),
   'the class is in');
push_recs(host_ends('M6==', '666', 'ended'));
ok(wait_until(sub { (slurp($state) // '') =~ /"end":true/ }, 20,
              'end leaves held'), 'the end leaves are held in the state');
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 20), 0, 'drainer stops between');
$drain = ZtDrain::start_drain($conf, $log);
push_recs(cls('meeting.ended', 60.01));
ok(wait_until(sub { grep { /Meeting 666 ended/ } texts() }, 40, 'end'),
   'the end is said') or diag(slurp($log));
my @six = grep { /666|C\d/ } map { split /\n/ } texts_since($seen);
is_deeply([grep { /left/ } @six], [], 'no roll call of leaves')
    or diag(join "\n", @six);
ok((grep { /🏁 Meeting 666 ended · 6 people, 0 rooms · 15:00/ } @six),
   'the end line counts them');

# ... and when meeting.ended is lost, one line says the leaves
$seen = requests();
push_recs(map { rec('meeting.participant_joined', 50, person($_, "id$_"),
                    meeting_uuid => 'M7==', meeting_id => '777') } @class);
push_recs(host_ends('M7==', '777', 'closed'));
ok(wait_until(sub { grep { /people left/ } texts() }, 40, 'summary'),
   'a lost end: the leaves are said') or diag(slurp($log));
my @seven = map { split /\n/ } texts_since($seen);
is_deeply([grep { /left/ } @seven],
          ['🔴 6 people left (host ended the meeting) · 15:00'],
          'in one line') or diag(join "\n", @seven);

# ------------- the chat tells the CSV's story (presence rules 6, 7, 8)
# a lone host's meeting.ended, everyone back right after, then the host
# ends it; Bob's main join lost; Cid back from a room, his room leave lost
sub at { my ($mu, $mid, $type, $min, $who, %o) = @_;
         rec($type, $min, person($who, "id$who"), meeting_uuid => $mu,
             meeting_id => $mid, %o) }
$seen = requests();
push_recs(at('M8==', '888', 'meeting.participant_joined', 70, 'Hal'),
          at('M8==', '888', 'meeting.participant_joined', 71, 'Ida'),
          at('M9==', '999', 'meeting.participant_joined_breakout_room', 72,
             'Bob', breakout_room_uuid => 'R9'),
          at('M10==', '1010', 'meeting.participant_joined', 70, 'Cid'),
          at('M10==', '1010', 'meeting.participant_left', 71, 'Cid'),
          at('M10==', '1010', 'meeting.participant_joined', 71.01, 'Cid'),
          at('M10==', '1010', 'meeting.participant_joined_breakout_room',
             71.02, 'Cid', breakout_room_uuid => 'R10'));
ok(wait_until(sub { grep { /Cid joined · Room-1/ } texts() }, 30, 'in rooms'),
   'in rooms') or diag(slurp($log));
push_recs(at('M8==', '888', 'meeting.participant_left', 73, 'Ida'),
          at('M8==', '888', 'meeting.participant_left', 74, 'Hal'),
          at('M8==', '888', 'meeting.ended', 74.01, ''),
          at('M8==', '888', 'meeting.participant_joined', 75, 'Hal'),
          at('M8==', '888', 'meeting.participant_joined', 76, 'Ida'),
          at('M10==', '1010', 'meeting.participant_left', 80, 'Cid'),
          at('M10==', '1010', 'meeting.participant_joined', 80.01, 'Cid'));
ok(wait_until(sub { grep { /Ida joined .*15:16/ } texts() }, 30, 'back'),
   'the rejoins are said') or diag(slurp($log));
push_recs((map { at('M8==', '888', 'meeting.participant_left', 90, $_,
                    leave_reason => "$_ left the meeting.<br>Reason: Host "
                    . 'ended the meeting.') } qw(Hal Ida)),
          at('M8==', '888', 'meeting.ended', 90.01, ''));
ok(wait_until(sub { grep { /Meeting 888 ended/ } texts() }, 40, 'end'),
   'the end is said') or diag(slurp($log));
my @story = map { s/ · meeting \d+//r } map { split /\n/ }
    texts_since($seen);
is_deeply([grep { /888|Hal|Ida/ } @story],
          ['🟢 Hal joined · 15:10', '🟢 Ida joined · 15:11',
           '🔴 Ida left · 15:13', '🔴 Hal left · 15:14',
           '🟢 Hal joined · 15:15', '🟢 Ida joined · 15:16',
           '🏁 Meeting 888 ended · 2 people, 0 rooms · 15:30'],
          "a lone host's end taken back by the rejoins; the real end said "
          . 'with its leaves') or diag(join "\n", @story);
is_deeply([grep { /Bob/ } @story], ['🟢 Bob joined · Room-1 · 15:12'],
          'a room join with its main join lost is a join into the room');
is_deeply([grep { /Cid/ } @story],
          ['🟢 Cid joined · Room-1 · 15:10', '↩️ Cid → main room · 15:20'],
          'back in the main room, the room leave lost');

kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 20), 0, 'drainer exits cleanly');
unlike(slurp($log), qr/\Q$token\E/, 'the webhook URL is never logged');
unlike(slurp($state), qr/example\.org/, 'no email in the state file');

done_testing();
