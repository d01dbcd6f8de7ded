#!/usr/bin/perl

# zoomtrack reconcile: a meeting whose webhooks were partly lost (the
# endpoint was down from 09:25 to 09:55) is completed from Zoom's Report
# API (the double's /report/meetings/{uuid}/participants, paged), so that
# the report equals the full meeting's; a rerun adds nothing; sessions the
# webhooks already know add nothing; the events are marked report_api; a
# plan without Report API access is reported as unavailable, not an error.

use strict;
use warnings;

use Test::More;

use lib 't/lib', 't/data/report';
use ZtTest;
use ZoomDouble;
use Fixture qw(parse_fixture load_warehouse);

my $top = top_dir();
chdir $top or die;
BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $head = <<'EV';
tz Europe/Berlin
date 2026-11-20
meeting M uuid=/rc+Uuid//x== id=85011112222
person ana id=uA email=ana@example.org name="Ana Lima"
person bo id=uB email=bo@example.org name="Bo Chen"
person cy name="Cy (Guest)"
room R1 uuid=rc-room-1
at 09:00:00 M start
at 09:00:00 M join ana
at 09:00:00 M join cy
at 09:05:00 M join bo
at 09:10:00 M move ana R1
at 09:20:00 M move ana main
at 09:20:00 M leave cy
EV
my $lost = <<'EV';
at 09:30:00 M join cy
at 09:50:00 M leave bo
EV
my $tail = <<'EV';
at 10:00:00 M leave ana
at 10:00:00 M leave cy
at 10:00:00 M end
EV

my $uuid = '/rc+Uuid//x==';
my %iso = map { $_ => "2026-11-20T$_:00Z" } qw(09:00 09:05 09:20 09:30
                                                09:50 10:00);
sub session {
    my ($id, $name, $email, $from, $to) = @_;
    return { id => $id, participant_user_id => $id, user_id => '1677',
             name => $name, user_email => $email, registrant_id => '',
             join_time => $iso{$from}, leave_time => $iso{$to},
             duration => 60, failover => JSON::PP::false(),
             status => 'in_meeting', customer_key => '' };
}
my @sessions = (session('uA', 'Ana Lima', 'ana@example.org', '09:00',
                        '10:00'),
                session('uB', 'Bo Chen', 'bo@example.org', '09:05',
                        '09:50'),
                session('', 'Cy (Guest)', '', '09:00', '09:20'),
                session('', 'Cy (Guest)', '', '09:30', '10:00'));

my $zoom = start_zoom_double(reports => {
    $uuid => { participants => \@sessions },
    'no-plan==' => { error => { status => 400, body => {
        code => 200, message => 'No permission.' } } },
});

sub report_of {
    my ($name, $ev, @pre) = @_;
    my $dir = tmp_dir() . "/$name";
    my $f = parse_fixture($ev);
    load_warehouse($f, $dir, $top);
    my $conf = $zoom->camera_conf(timezone => 'Europe/Berlin');
    my %env = (ZOOMTRACK_WAREHOUSE_PATH => "$dir/zoomtrack.db",
               ZOOMTRACK_DATA_DIR => $dir);
    my @out;
    for my $args (@pre) {
        my ($rc, $out, $err) = run_zoomtrack(['reconcile', '-c', $conf,
                                              @$args], env => \%env);
        push @out, [ $rc, $out, $err ];
    }
    my ($rc, $out, $err) = run_zoomtrack(
        ['report', '-c', $conf, '--date', '2026-11-20', '--out',
         "$dir/r.csv"], env => \%env);
    is($rc, 0, "$name: report exit 0") or diag($err);
    return (slurp("$dir/r.csv") // '', "$dir/zoomtrack.db", @out);
}

# the first 20 columns: what the report said before reconcile existed
sub cells {
    my ($csv) = @_;
    return [ map { my @c = /("(?:[^"]|"")*"|[^,]*)(?:,|$)/g;
                   join(',', @c[0 .. 19]) } split /\n/, $csv ];
}

my ($full) = report_of('full', $head . $lost . $tail);
my ($before) = report_of('before', $head . $tail);
isnt(join("\n", @{ cells($before) }), join("\n", @{ cells($full) }),
     'without reconcile the lost events show in the report');
my ($gap, $db, $r1, $r2) = report_of(
    'gap', $head . $tail, ['--date', '2026-11-20'],
    ['--date', '2026-11-20']);

is($r1->[0], 0, 'reconcile exits 0') or diag($r1->[2]);
like($r1->[1], qr/4 session\(s\) from Zoom, 2 already known, 1 join\(s\) and 1 leave\(s\) added/,
     'Ana and Cy\'s first session are known; Cy\'s rejoin and Bo\'s leave '
     . 'are added') or diag($r1->[1]);
like($r2->[1], qr/0 join\(s\) and 0 leave\(s\) added/, 'a rerun adds nothing')
    or diag($r2->[1]);

my $rows = ZoomDouble::sql_rows($db, "SELECT event_type, person_key, "
    . "event_ts, source FROM raw_events WHERE source = 'report_api' "
    . "ORDER BY event_ts");
is(scalar @$rows, 2, 'two events stored, marked report_api');
is_deeply([ map { "$_->[0] $_->[1]" } @$rows ],
          [ 'meeting.participant_joined name:Cy (Guest)',
            'meeting.participant_left id:uB' ],
          'the joins and leaves the webhooks missed');

is_deeply(cells($gap), cells($full),
          'the reconciled report equals the full meeting\'s');
my %src = map { /^"[^"]*","[^"]*","[^"]*","([^"]*)".*"([a-z_]+)"$/ ? ($1 => $2) : () }
          grep { !/^"report_date"/ } split /\n/, $gap;
is_deeply(\%src, { 'Ana Lima' => 'webhook', 'Bo Chen' => 'report_api',
                   'Cy (Guest)' => 'report_api' },
          'data_source says whose rows reconcile filled');

my $reqs = $zoom->requests;
my @rep = grep { $_->{path} =~ m{^/v2/report/meetings/} } @$reqs;
ok(@rep >= 2, 'the Report API was asked');
is($rep[0]{path}, '/v2/report/meetings/%252Frc%252BUuid%252F%252Fx%253D%253D/participants',
   'the uuid is double-encoded');
like($rep[0]{query}, qr/(^|&)page_size=300(&|$)/, 'page_size=300');

like($rep[0]{query}, qr/(^|&)include_fields=registrant_id(&|$)/,
     'registrant_id is asked for (Zoom leaves it out otherwise)');

# a registered external attendee: the webhooks carry registrant_id and no
# email, the Report API the email too; registrant_id (asked for) is the
# identity both share.  Zoom also lists her waiting-room and breakout-room
# sessions, which are not main-meeting presence.
{
    my $dir = tmp_dir() . '/registered';
    my $f = parse_fixture("tz UTC\ndate 2026-11-20\nmeeting G uuid=reg-mtg== "
                          . "id=2\nperson g reg=reg-1 name=\"Gita Guest\"\n"
                          . "at 09:00:00 G join g\nat 09:30:00 G leave g\n");
    load_warehouse($f, $dir, $top);
    my %g = (id => '', participant_user_id => '', user_id => '1680',
             name => 'Gita Guest', user_email => 'g@x.com',
             registrant_id => 'reg-1', duration => 60,
             failover => JSON::PP::false(), customer_key => '');
    my $z = start_zoom_double(reports => { 'reg-mtg==' => { participants => [
        { %g, join_time => '2026-11-20T08:55:00Z',
          leave_time => '2026-11-20T09:00:00Z', status => 'in_waiting_room',
          bo_mtg_id => '' },
        { %g, join_time => $iso{'09:00'}, leave_time => '2026-11-20T09:10:00Z',
          status => 'in_meeting', bo_mtg_id => '' },
        { %g, join_time => '2026-11-20T09:10:00Z', leave_time => $iso{'09:20'},
          status => 'in_meeting', bo_mtg_id => 'Dkgwu8nm/ExG1vM+GhLRhA==' },
        { %g, join_time => $iso{'09:20'}, leave_time => '2026-11-20T09:30:00Z',
          status => 'in_meeting', bo_mtg_id => '' } ] } });
    my ($rc, $out, $err) = run_zoomtrack(
        ['reconcile', '-c', $z->camera_conf, '--date', '2026-11-20'],
        env => { ZOOMTRACK_WAREHOUSE_PATH => "$dir/zoomtrack.db" });
    is($rc, 0, 'registered attendee: exit 0') or diag($err);
    like($out, qr/4 session\(s\) from Zoom, 2 already known, 0 join\(s\) and 0 leave\(s\) added, 2 skipped/,
         'her waiting-room and breakout-room sessions are skipped; her '
         . 'main sessions match her webhooks by registrant_id, and their '
         . 'ends at the room session are hops, not a leave and a rejoin')
        or diag($out);
    my $rows = ZoomDouble::sql_rows("$dir/zoomtrack.db", "SELECT count(*) "
        . "FROM raw_events WHERE source = 'report_api'");
    is($rows->[0][0], 0, 'nothing is added for her');
}

# rooms, a guest the Report API knows by name only, rows listed twice:
# Sam left from his room (the main leave lost), Sue left from hers and
# rejoined the main meeting 50 s later (the rejoin lost), Gil's webhooks
# carried his email and his rejoin was lost.
{
    my $dir = tmp_dir() . '/rooms';
    my $f = parse_fixture("tz UTC\ndate 2026-11-20\nmeeting R uuid=room-mtg== "
        . "id=3\nperson s id=u1 name=\"Sam One\"\nperson u id=u4 "
        . "name=\"Sue Four\"\nperson g email=gx\@mail.com name=\"Gil Guest\"\n"
        . "room A uuid=RoomA==\nat 09:00:00 R start\nat 09:00:00 R join s\n"
        . "at 09:00:00 R join u\nat 09:00:00 R join g\n"
        . "at 09:10:00 R move s A\nat 09:10:00 R move u A\n"
        . "at 09:20:00 R leave u\nat 09:30:00 R leave g\n"
        . "at 09:40:00 R ev participant_left_breakout_room s A\n"
        . "at 09:50:00 R leave u\nat 10:00:00 R end\n");
    load_warehouse($f, $dir, $top);
    my $row = sub {
        my ($id, $name, $email, $from, $to, $bo) = @_;
        return { id => $id, participant_user_id => $id, user_id => '77',
                 name => $name, user_email => $email, registrant_id => '',
                 join_time => "2026-11-20T${from}Z",
                 leave_time => "2026-11-20T${to}Z", duration => 60,
                 failover => JSON::PP::false(), customer_key => '',
                 status => 'in_meeting', bo_mtg_id => $bo // '' };
    };
    my @rows = ($row->('u1', 'Sam One', 's@x.org', '09:00:00', '09:10:00'),
                $row->('u1', 'Sam One', 's@x.org', '09:10:00', '09:40:00',
                       'Dkgwu8nm/ExG1vM+GhLRhA=='),
                $row->('u4', 'Sue Four', 'u@x.org', '09:00:00', '09:10:00'),
                $row->('u4', 'Sue Four', 'u@x.org', '09:10:00', '09:20:00',
                       'Dkgwu8nm/ExG1vM+GhLRhA=='),
                $row->('u4', 'Sue Four', 'u@x.org', '09:20:50', '09:50:00'),
                ($row->('', 'Gil Guest', '', '09:00:00', '09:30:00')) x 2,
                ($row->('', 'Gil Guest', '', '09:40:00', '10:00:00')) x 2);
    my $z = start_zoom_double(reports => {
        'room-mtg==' => { participants => \@rows } });
    my %env = (ZOOMTRACK_WAREHOUSE_PATH => "$dir/zoomtrack.db",
               ZOOMTRACK_DATA_DIR => $dir);
    my ($rc, $out, $err) = run_zoomtrack(
        ['reconcile', '-c', $z->camera_conf, '--date', '2026-11-20'],
        env => \%env);
    is($rc, 0, 'rooms: exit 0') or diag($err);
    like($out, qr/9 session\(s\) from Zoom, 5 already known, 2 join\(s\) and 1 leave\(s\) added, 1 skipped/,
         'Sam\'s leave at his room\'s end, Sue\'s rejoin after leaving from '
         . 'her room and Gil\'s rejoin (once) are added') or diag($out);
    my $got = ZoomDouble::sql_rows("$dir/zoomtrack.db", "SELECT event_type, "
        . "person_key, event_ts FROM raw_events WHERE source = 'report_api' "
        . "ORDER BY event_ts, person_key");
    is_deeply([ map { "$_->[0] $_->[1] $_->[2]" } @$got ],
              [ 'meeting.participant_joined id:u4 1795166450000',
                'meeting.participant_joined email:gx@mail.com 1795167600000',
                'meeting.participant_left id:u1 1795167600000' ],
              'Gil\'s rejoin is his, under the email the webhooks carried');
    ($rc, $out, $err) = run_zoomtrack(
        ['reconcile', '-c', $z->camera_conf, '--date', '2026-11-20'],
        env => \%env);
    like($out, qr/0 join\(s\) and 0 leave\(s\) added/,
         'rooms: a rerun adds nothing') or diag($out);
    ($rc, $out, $err) = run_zoomtrack(
        ['report', '-c', $z->camera_conf, '--date', '2026-11-20', '--out',
         "$dir/r.csv"], env => \%env);
    my @gil = grep { /Gil Guest/ } split /\n/, slurp("$dir/r.csv") // '';
    is(scalar @gil, 1, 'Gil has one row, not a second nameless one')
        or diag(join("\n", @gil));
    my $csv = slurp("$dir/r.csv") // '';
    like($csv, qr/"Sam One","s\@x.org","[^"]*","2026-11-20 09:40:00".*"Left meeting"/,
         'Sam left at 09:40 from his room');
    like($csv, qr/"Sue Four",.*"49.17",.*"2026-11-20 09:20:00","10.00",.*"Left meeting"/,
         'Sue left from her room and was away 50 s');
}

# a meeting on a plan without the Report API: said, not an error
my $dir = tmp_dir() . '/noplan';
my $f = parse_fixture("tz UTC\ndate 2026-11-20\nmeeting N uuid=no-plan== "
                      . "id=1\nperson p id=uP name=P\n"
                      . "at 09:00:00 N join p\nat 09:30:00 N leave p\n");
load_warehouse($f, $dir, $top);
my ($rc, $out, $err) = run_zoomtrack(
    ['reconcile', '-c', $zoom->camera_conf, '--date', '2026-11-20'],
    env => { ZOOMTRACK_WAREHOUSE_PATH => "$dir/zoomtrack.db" });
is($rc, 0, 'no Report API access: exit 0') or diag($err);
like($out, qr/no-plan==: unavailable \(Zoom: HTTP 400, code 200: No permission\.\)/,
     'and says which meeting and why');
unlike($out . $err . $zoom->log_text, qr/\Q$ZoomDouble::CRED{client_secret}\E/,
       'the client secret is never printed');

# the backoff's jitter is random per run (seeded), so that runs meeting
# the same 5xx or limit do not retry in step: three runs' first delays are
# not all the same (all equal by chance: about 1 in 60000)
my %delay;
for my $n (1 .. 3) {
    $zoom->control(faults => [ { on => 'report', type => '500' } ]);
    ZtTest::spit($zoom->dir . '/zoomtrack.log', '');
    ($rc, $out, $err) = run_zoomtrack(
        ['reconcile', '-c', $zoom->camera_conf, '--date', '2026-11-20'],
        env => { ZOOMTRACK_WAREHOUSE_PATH => "$dir/zoomtrack.db" });
    is($rc, 0, "a 500 once, run $n: exit 0") or diag($err);
    $delay{$1}++ if $zoom->log_text =~ /status 500, retry 1\/\d+ in (\d+) ms/;
}
cmp_ok(scalar(keys %delay), '>', 1, 'the first retry delays differ')
    or diag(explain(\%delay));
$zoom->control(faults => []);

($rc, $out, $err) = run_zoomtrack(['reconcile', '--meeting', 'x']);
is($rc, 2, 'no --date: exit 2');

done_testing();
