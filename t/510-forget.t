#!/usr/bin/perl

# zoomtrack forget: on a populated data dir (archive, warehouse, a report
# on disk, records still queued in Redis), one person asked for by email
# (in another case) goes from every store, checked file by file and row by
# row; the other person stays whole; --dry-run changes nothing; a second run
# finds nothing; the log holds counts, never who.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $tmp = tmp_dir();
my $redis = start_redis();
my $data = "$tmp/data";
my $conf = ZtDrain::write_conf("$tmp/z.conf", data_dir => $data,
                               redis => $redis->address,
                               log_file => "$tmp/zt.log",
                               'status.enabled' => 'no');
ZtTest::spit($conf, ZtTest::slurp($conf) =~ s/^log_level/log_file = $tmp\/zt.log\nlog_level/mr);

my $T = 1795165200000;                      # 2026-11-20T08:20:00Z
my $n = 0;
sub body {
    my ($type, $id, $name, $email, $ts) = @_;
    my $b = decode_json(payload("meeting.$type"));
    my $p = $b->{payload}{object}{participant};
    $b->{event_ts} = $ts;
    $b->{payload}{object}{uuid} = 'forget-uuid==';
    $b->{payload}{object}{id} = '85099999999';
    @$p{qw(id participant_user_id user_name email)} = ($id, $id, $name,
                                                        $email);
    $p->{join_time} = $p->{leave_time} = undef;
    delete @$p{qw(join_time leave_time registrant_id)};
    return JSON::PP->new->canonical->encode($b);
}
sub recs_of {
    my ($id, $name, $email, $from) = @_;
    return map { ZtDrain::make_record(body($_->[0], $id, $name, $email,
                                           $T + $_->[1]),
                                      event_id => ZtDrain::event_id(7, ++$n)) }
        ([ 'participant_joined', $from ], [ 'participant_left', $from + 600000 ],
         [ 'participant_joined', $from + 900000 ],
         [ 'participant_left', $from + 1500000 ]);
}

my @ana = recs_of('uAna', 'Ana Lima', 'ana@example.org', 0);
my @bo = recs_of('uBo', 'Bo Chen', 'bo@example.org', 1000);
ZtDrain::push_records($redis->port, ['zoomtrack:archive',
                                     'zoomtrack:warehouse'], [@ana, @bo]);
my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once'],
                                     timeout => 60);
is($rc, 0, 'drain --once stored everything') or diag($err);

my $db = "$data/zoomtrack.db";
is(ZtDrain::db_count($db), 8, 'eight warehouse rows');
is(scalar(ZtDrain::archive_files("$data/raw")), 8, 'eight archived bodies');

($rc, $out, $err) = run_zoomtrack(['report', '-c', $conf, '--date',
                                   '2026-11-20']);
is($rc, 0, 'report written') or diag($err);
my ($csv) = glob("$data/reports/DAILY_REPORT_2026-11-20.csv");
like(slurp($csv), qr/Ana Lima/, 'the report names Ana');
($rc, $out, $err) = run_zoomtrack(['report', '-c', $conf, '--date',
                                   '2026-11-20', '--format', 'html']);
is($rc, 0, 'HTML report written') or diag($err);
my $html = "$data/reports/DAILY_REPORT_2026-11-20.html";
like(slurp($html) // '', qr/Ana Lima/, 'the HTML report names Ana');
# another HTML file, about Bo only (and a name that only contains hers)
my $bo_html = "$data/reports/ATTENDANCE_2026-11-01_2026-11-20.html";
spit($bo_html, "<table><tr><th scope=\"row\">Bo Chen</th></tr>\n"
     . "<tr><th scope=\"row\">Ana Lima-Souza</th></tr></table>\n");

# more of both still queued (no drainer running)
my @ana2 = recs_of('uAna', 'Ana Lima', 'ana@example.org', 2000000);
my @bo2 = recs_of('uBo', 'Bo Chen', 'bo@example.org', 2000000);
ZtDrain::push_records($redis->port, ['zoomtrack:warehouse'], [@ana2, @bo2]);
$redis->cmd('LPUSH', 'zoomtrack:warehouse:dead', encode_json({
    reason => 'x', sink => 'warehouse', record => $ana2[0], at => 'now' }));
is($redis->llen('zoomtrack:warehouse'), 8, 'eight records queued');

my $state = sub {
    return join('|', ZtDrain::db_count($db),
                scalar(ZtDrain::archive_files("$data/raw")),
                $redis->llen('zoomtrack:warehouse'),
                $redis->llen('zoomtrack:warehouse:dead'), slurp($csv),
                -e $html ? 1 : 0);
};
my $before = $state->();
($rc, $out, $err) = run_zoomtrack(['forget', '-c', $conf, '--email',
                                   'ANA@example.org', '--dry-run']);
is($rc, 0, 'dry run exits 0') or diag($err);
like($out, qr/warehouse\s+5 found/,
     'dry run: four raw_events and one daily_reports row found')
    or diag($out);
like($out, qr/archive\s+4 found/, 'dry run: four archived bodies found');
like($out, qr/redis\s+5 found/, 'dry run: four queued + one dead letter');
like($out, qr/1 HTML report\(s\) named them and would be deleted/,
     'dry run: the HTML report would go') or diag($out);
is($state->(), $before, 'dry run: nothing changed');

($rc, $out, $err) = run_zoomtrack(['forget', '-c', $conf, '--email',
                                   'ANA@example.org']);
is($rc, 0, 'forget exits 0') or diag($err);
like($out, qr/1 identity in the warehouse/, 'one identity found');
is(ZtDrain::sql($db, "SELECT count(*) FROM raw_events WHERE "
                . "participant_email = 'ana\@example.org' OR person_key "
                . "LIKE '%uAna%'"), 0, 'no warehouse row of Ana');
is(ZtDrain::db_count($db), 4, 'Bo\'s four rows stay');
is(ZtDrain::sql($db, "SELECT group_concat(participant_name) FROM "
                . "daily_reports"), 'Bo Chen', 'daily_reports: only Bo');
my @files = ZtDrain::archive_files("$data/raw");
is(scalar @files, 4, 'four archived bodies stay');
is(scalar(grep { (slurp($_) // '') =~ /Ana Lima/ } @files), 0,
   'none of them about Ana');
my $report = slurp($csv);
unlike($report, qr/Ana Lima|ana\@example/, 'the report no longer has Ana');
like($report, qr/Bo Chen/, 'but still has Bo');
is((stat($csv))[2] & 07777, 0600, 'the rewritten report is owner-only');
ok(!-e $html, 'the HTML report naming Ana is deleted');
like($out, qr/1[ ]HTML[ ]report\(s\)[ ]named[ ]them[ ]and[ ]were[ ]deleted.*
               `zoomtrack[ ]report[ ]--format[ ]html`/xs,
     'and the summary says to make it again')
    or diag($out);
ok(-e $bo_html, 'the HTML file that does not name her stays');
my $queued = $redis->lrange('zoomtrack:warehouse');
is(scalar @$queued, 4, 'Ana\'s queued records are gone');
is(scalar(grep { /Ana Lima/ } @$queued), 0, 'none left');
is($redis->llen('zoomtrack:warehouse:dead'), 0, 'nor her dead letter');

($rc, $out, $err) = run_zoomtrack(['forget', '-c', $conf, '--email',
                                   'ana@example.org']);
is($rc, 0, 'second run exits 0');
like($out, qr/warehouse\s+0 found.*archive\s+0 found.*reports\s+0 found/s,
     'and finds nothing') or diag($out);

my $log = slurp("$tmp/zt.log") // '';
like($log, qr/forget: 4 queued record\(s\)|forget: \d+ queued/,
     'the log has the counts');
unlike($log, qr/ana|Ana/i, 'and never who');

# the live status: a running drainer drops the person from its state and
# the CSV, and a restart does not bring them back
my $sconf = ZtDrain::write_conf("$tmp/s.conf", data_dir => "$tmp/sdata",
                                redis => $redis->address,
                                'status.enabled' => 'yes',
                                'status.keep_hours' => 100000,
                                'archive.enabled' => 'no',
                                'warehouse.enabled' => 'no');
spit($sconf, "status_interval_ms = 100\n" . slurp($sconf));
my $scsv = "$tmp/sdata/_data/zoom-room-dashboard.csv";
ZtDrain::push_records($redis->port, ['zoomtrack:status'], [@ana, @bo]);
my $drain = ZtDrain::start_drain($sconf, "$tmp/sdrain.log");
ok(wait_until(sub { (slurp($scsv) // '') =~ /Ana Lima/
                    && (slurp($scsv) // '') =~ /Bo Chen/ }, 30,
              'CSV with both'), 'the live CSV shows Ana and Bo');
# the warehouse no longer knows Ana, so name her by id
($rc, $out, $err) = run_zoomtrack(['forget', '-c', $sconf,
                                   '--participant-id', 'uAna']);
is($rc, 0, 'forget with the drainer running') or diag($err);
ok(wait_until(sub { (slurp($scsv) // '') !~ /Ana Lima/ }, 30,
              'CSV without Ana'), 'the running drainer drops her');
like(slurp($scsv), qr/Bo Chen/, 'Bo stays');
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 30), 0, 'drainer stops');
$drain = ZtDrain::start_drain($sconf, "$tmp/sdrain2.log");
ok(wait_until(sub { -s "$tmp/sdrain2.log"
                    && slurp("$tmp/sdrain2.log") =~ /draining/ }, 30,
              'drainer up'), 'drainer restarted');
ZtDrain::push_records($redis->port, ['zoomtrack:status'], [$bo2[0]]);
ok(wait_until(sub { (slurp($scsv) // '') =~ /12:13|Bo Chen/ }, 30,
              'CSV rewritten'), 'the CSV is written again');
unlike(slurp($scsv), qr/Ana Lima/, 'and Ana does not come back');
kill 'TERM', $drain;
ZtDrain::wait_exit($drain, 30);

# the warehouse while a drainer holds it open: its write-ahead log keeps
# the pages as they were before the delete until a checkpoint empties it
my $wconf = ZtDrain::write_conf("$tmp/w.conf", data_dir => "$tmp/wdata",
                                redis => $redis->address,
                                'status.enabled' => 'no',
                                'archive.enabled' => 'no',
                                'warehouse.enabled' => 'yes');
my $wdb = "$tmp/wdata/zoomtrack.db";
ZtDrain::push_records($redis->port, ['zoomtrack:warehouse'], [@ana, @bo]);
$drain = ZtDrain::start_drain($wconf, "$tmp/wdrain.log");
# (Bo's second visit, still queued above, is stored too)
ok(wait_until(sub { $redis->llen('zoomtrack:warehouse') == 0
                    && ZtDrain::db_count($wdb) >= @ana + @bo }, 30),
   'a running drainer stored both');
($rc, $out, $err) = run_zoomtrack(['forget', '-c', $wconf, '--email',
                                   'ana@example.org']);
is($rc, 0, 'forget with the warehouse open in the drainer') or diag($err);
is(scalar(grep { (slurp($_) // '') =~ /Ana Lima|ana\@example/i }
          grep { -e } $wdb, "$wdb-wal"), 0,
   'her bytes are not left in the database file or its write-ahead log');
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 30), 0, 'drainer stops');

# the chat sink: a running drainer drops the person from its state file,
# and forget drops the refused messages naming them (chat-dead.ndjson)
my $cport = free_port();
my $token = 'T0KEN-' . int(rand(1e9));
spit("$tmp/chat-url", "http://127.0.0.1:$cport/hooks/$token\n");
chmod 0600, "$tmp/chat-url";
my $double = ZtTest::spawn(cmd => ['python3', "$FindBin::Bin/chat-double.py",
                                   '--port', $cport, '--token', $token,
                                   '--log', "$tmp/chat.log"],
                           log => "$tmp/double.err");
END { local $?; if ($double) { kill 'TERM', $double; ZtTest::reap($double, 10) } }
ok(wait_until(sub { http()->get("http://127.0.0.1:$cport/_health")
                        ->{status} == 200 }, 10, 'chat double'),
   'chat double up');
http()->post("http://127.0.0.1:$cport/_control", { content =>
             encode_json({ faults => [{ status => 400, count => 1 }] }) });
my $cconf = ZtDrain::write_conf("$tmp/c.conf", data_dir => "$tmp/cdata",
                                redis => $redis->address,
                                'status.enabled' => 'no',
                                'archive.enabled' => 'no',
                                'chat.enabled' => 'yes',
                                'chat.url_file' => "$tmp/chat-url",
                                'chat.interval' => 1);
# Zoe joins, then a breakout room whose event has her name only
my @zoe = room_recs('pZoe', 'Zoe Forget', 'zoe@example.org', 'puZoe',
                    3000000);
ZtDrain::push_records($redis->port, ['zoomtrack:chat',
                                     'zoomtrack:warehouse'],
                      [@zoe[0, 1], $bo2[0]]);
my $cstate = "$tmp/cdata/chat-state.json";
my $cdead = "$tmp/cdata/chat-dead.ndjson";
$drain = ZtDrain::start_drain($cconf, "$tmp/cdrain.log");
ok(wait_until(sub { (slurp($cdead) // '') =~ /Zoe Forget joined/ }, 30,
              'refused message'), 'a refused message names Zoe')
    or diag(slurp("$tmp/cdrain.log"));
open(my $fh, '>>', $cdead) or die;
print $fh encode_json({ message => { id => 99, text =>
                        "\x{1f7e2} Bo Chen joined \x{b7} 09:10" },
                        status => 400, at => 'x' }), "\n";
close($fh);
like(slurp($cstate), qr/Zoe Forget/, 'the chat state names Zoe');
ok(wait_until(sub { (slurp($cstate) // '') =~ /name:Zoe Forget/ }, 30,
              'room key'), 'her room event is there under name:')
    or diag(slurp($cstate));
ok(wait_until(sub { ZtDrain::sql("$tmp/cdata/zoomtrack.db",
                                 "SELECT count(*) FROM raw_events WHERE "
                                 . "person_key = 'id:pZoe'") == 1 },
              30, 'warehouse'), 'the warehouse has Zoe');
($rc, $out, $err) = run_zoomtrack(['forget', '-c', $cconf, '--email',
                                   'ZOE@example.org']);
is($rc, 0, 'forget with the chat sink running') or diag($err);
like($out, qr/chat dead\s+1 found, 1 removed/, 'one refused message')
    or diag($out);
ok(wait_until(sub { (slurp($cstate) // '') !~ /Zoe Forget|pZoe/ }, 30,
              'state without Zoe'), 'the running drainer drops her')
    or diag(slurp($cstate));
like(slurp($cstate), qr/Bo Chen/, 'Bo stays in the state');
unlike(slurp($cdead) // '', qr/Zoe Forget/, 'no refused message names her');
like(slurp($cdead) // '', qr/Bo Chen joined/, 'the one about Bo stays');
is((stat($cdead))[2] & 07777, 0600, 'the rewritten file is owner-only');
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 30), 0, 'drainer stops');

# a person whose breakout-room events carry no id or email (Zoom blanks
# them for some users) has those stored under name:, linked to them by
# their participant_uuid in the meeting (README, presence rule 1): forget
# by email takes those rows and bodies too; a guest with a name key of
# her own (another participant_uuid) stays
sub room_recs {
    my ($id, $name, $email, $puuid, $from) = @_;
    my @r;
    for my $e ([ 'participant_joined', $id, $email, $from ],
               [ 'participant_joined_breakout_room', '', '', $from + 60000 ],
               [ 'participant_left_breakout_room', '', '', $from + 300000 ],
               [ 'participant_left', $id, $email, $from + 600000 ]) {
        my $b = decode_json(body($e->[0], $e->[1], $name, $e->[2], $e->[3]));
        my $p = $b->{payload}{object}{participant};
        $p->{participant_uuid} = $puuid;
        delete @$p{qw(user_id participant_user_id)} if $e->[1] eq '';
        push @r, ZtDrain::make_record(JSON::PP->new->canonical->encode($b),
                                      event_id => ZtDrain::event_id(7, ++$n));
    }
    return @r;
}
my $lconf = ZtDrain::write_conf("$tmp/l.conf", data_dir => "$tmp/ldata",
                                redis => $redis->address,
                                'status.enabled' => 'no');
my $ldb = "$tmp/ldata/zoomtrack.db";
ZtDrain::push_records($redis->port, ['zoomtrack:archive',
                                     'zoomtrack:warehouse'],
                      [room_recs('uCy', 'Cy Room', 'cy@example.org', 'puCy', 0),
                       room_recs('', 'Dee Guest', '', 'puDee', 1000)]);
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $lconf, '--once'],
                                  timeout => 60);
is($rc, 0, 'room events stored') or diag($err);
is(ZtDrain::sql($ldb, "SELECT group_concat(person_key, ' ') FROM (SELECT "
                . "DISTINCT person_key FROM raw_events ORDER BY 1)"),
   'id:uCy name:Cy Room name:Dee Guest',
   'her room events are under name:, the guest\'s too')
    or diag(ZtDrain::sql($ldb, "SELECT person_key FROM raw_events"));
($rc, $out, $err) = run_zoomtrack(['forget', '-c', $lconf, '--email',
                                   'cy@example.org']);
is($rc, 0, 'forget her by email') or diag($err);
is(ZtDrain::sql($ldb, "SELECT count(*) FROM raw_events WHERE "
                . "participant_name = 'Cy Room'"), 0,
   'no warehouse row of hers, room events included');
is(ZtDrain::db_count($ldb), 4, 'the guest\'s four rows stay');
@files = ZtDrain::archive_files("$tmp/ldata/raw");
is(scalar(grep { (slurp($_) // '') =~ /Cy Room/ } @files), 0,
   'no archived body of hers');
is(scalar @files, 4, 'the guest\'s four bodies stay');

($rc, $out, $err) = run_zoomtrack(['forget', '-c', $conf]);
is($rc, 2, 'no person named: exit 2');
($rc, $out, $err) = run_zoomtrack(['forget', '-c', $conf, '--email', 'a',
                                   '--name', 'b']);
is($rc, 2, 'two ways to name one person: exit 2');

done_testing();
