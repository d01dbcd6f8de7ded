# zoomtrack drain: usage and exit codes, one --once run through the archive
# and warehouse sinks (byte-exact bodies, the raw_events columns, empty
# processing lists), idempotent redelivery, the time zone rule.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();

# ------------------------------------------------------------ usage

my ($rc, $out, $err) = run_zoomtrack(['drain', '--help']);
is($rc, 0, '--help exits 0');
like($out, qr/usage: zoomtrack drain/, '--help prints usage');
like($out, qr/--once/, '--help documents --once');

($rc, $out, $err) = run_zoomtrack(['drain', '--bogus']);
is($rc, 2, 'unknown argument exits 2');
like($err, qr/unknown option "--bogus"/, 'and says which');

($rc, $out, $err) = run_zoomtrack(['drain', '-c', "$tmp/nope.conf"]);
is($rc, 2, 'missing config exits 2');
like($err, qr/cannot read config file/, 'and says so');

ZtTest::spit("$tmp/bad.conf", "[drain]\nbatch_size = lots\n");
($rc, $out, $err) = run_zoomtrack(['drain', '-c', "$tmp/bad.conf"]);
is($rc, 2, 'bad batch_size exits 2');
like($err, qr/batch_size/, 'and names the key');

# the sink table serves the backend named, or the drain refuses to start
ZtTest::spit("$tmp/backend.conf", "[archive]\nbackend = tape\n");
($rc, $out, $err) = run_zoomtrack(['drain', '-c', "$tmp/backend.conf"]);
is($rc, 2, 'unknown archive backend exits 2');
like($err, qr/archive\.backend "tape" is not supported/, 'and names it');

# Redis unreachable with --once: failure, promptly
ZtDrain::write_conf("$tmp/noredis.conf", data_dir => "$tmp/nr",
                    redis => '127.0.0.1:' . free_port());
($rc, $out, $err) = run_zoomtrack(['drain', '-c', "$tmp/noredis.conf",
                                   '--once'], timeout => 30);
is($rc, 1, 'redis down with --once exits 1');
like($err, qr/cannot connect to redis/, 'and says so');

# ------------------------------------------------------------ one run

my $redis = start_redis();
my $data = "$tmp/data";
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               timezone => 'America/Los_Angeles');

my $join = payload('meeting.participant_joined');
my $left = payload('meeting.participant_left');
my $bo = payload('meeting.participant_joined_breakout_room');
my @recs = (
    ZtDrain::make_record($join, event_id => 'aaaaaaaa-0000-4000-8000-000000000001'),
    ZtDrain::make_record($left, event_id => 'aaaaaaaa-0000-4000-8000-000000000002'),
    ZtDrain::make_record($bo, event_id => 'aaaaaaaa-0000-4000-8000-000000000003',
                         meeting_id => 1234567890),
);
my @lists = map { "zoomtrack:$_" } ZtDrain::sinks();
ZtDrain::push_records($redis->port, \@lists, \@recs);

($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
is($rc, 0, 'drain --once exits 0') or diag($err);
unlike($err, qr/\[error\]/, 'no [error] in the log') or diag($err);

for my $l (@lists) {
    is($redis->llen($l), 0, "$l is empty");
    is($redis->llen("$l:processing:test"), 0, "$l:processing:test is empty");
    is($redis->llen("$l:dead"), 0, "$l:dead is empty");
}

# archive: local date in America/Los_Angeles (event at 02:44Z on the 14th)
my $f = "$data/raw/2021-07-13/aaaaaaaa-0000-4000-8000-000000000001.json";
ok(-f $f, 'archive file under the local date') or diag(`find $data`);
is(ZtTest::slurp($f), $join, 'archive file is the body byte-exact');
is(scalar(ZtDrain::archive_files("$data/raw")), 3, 'three archive files');
is(scalar(grep { /\.tmp$/ } glob("$data/raw/*/.*")), 0, 'no temp files left');

# warehouse
my $db = "$data/zoomtrack.db";
is(ZtDrain::db_count($db), 3, 'three rows');
my $row = ZtDrain::sql($db, "SELECT event_date, event_type, event_timestamp, "
    . "meeting_id, meeting_uuid, participant_id, participant_name, "
    . "participant_email, action, person_key, gcs_path, event_ts, "
    . "registrant_id FROM raw_events WHERE event_id = "
    . "'aaaaaaaa-0000-4000-8000-000000000001'");
is($row, join('|', '2021-07-13', 'meeting.participant_joined',
              '2021-07-14T02:44:51.572Z', '1234567890',
              '4444AAAiAAAAAiAiAiiAii==', 'iFxeBPYun6SAiWUzBcEkX',
              'Jill Chill', 'jchill@example.com', 'JOIN',
              'id:iFxeBPYun6SAiWUzBcEkX', $f, '1626230691572',
              'abcdefghij0-klmnopq23456'),
   'raw_events row has the record fields, person_key and gcs_path');
is(ZtDrain::sql($db, "SELECT raw_payload = CAST(readfile('$f') AS TEXT) FROM raw_events "
                . "WHERE event_id = 'aaaaaaaa-0000-4000-8000-000000000001'"),
   1, 'raw_payload is the body byte-exact');
is(ZtDrain::sql($db, "SELECT meeting_id FROM raw_events WHERE event_id = "
                . "'aaaaaaaa-0000-4000-8000-000000000003'"),
   '1234567890', 'a numeric meeting_id is stored as text');
is(ZtDrain::sql($db, 'PRAGMA journal_mode'), 'wal', 'warehouse is in WAL mode');
like(ZtDrain::sql($db, "SELECT inserted_at FROM raw_events LIMIT 1"),
     qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'inserted_at is RFC 3339');

# ------------------------------------------------------------ redelivery

# the same records again (and twice in one batch): nothing changes
my $mtime = (stat $f)[9];
ZtDrain::push_records($redis->port, \@lists, [ @recs, @recs ]);
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
is($rc, 0, 'second run exits 0') or diag($err);
is(ZtDrain::db_count($db), 3, 'still three rows');
is(scalar(ZtDrain::archive_files("$data/raw")), 3, 'still three files');
is(ZtTest::slurp($f), $join, 'file unchanged');

# records left in a processing list by a crash are delivered at start
my $r4 = ZtDrain::make_record($join, event_id => 'bbbbbbbb-0000-4000-8000-000000000004');
for my $l (@lists) {
    $redis->cmd('LPUSH', "$l:processing:test", $r4);
}
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
is($rc, 0, 'third run exits 0') or diag($err);
like($err, qr/delivering again 1 record/, 'logs the redelivery');
is(ZtDrain::db_count($db), 4, 'the leftover record is stored');
is($redis->llen("zoomtrack:warehouse:processing:test"), 0,
   'and acked');

# ------------------------------------------------------------ AUTH, unix

my $sock = "$tmp/redis.sock";
my $r2 = start_redis(args => [ '--unixsocket', $sock,
                               '--unixsocketperm', '700' ]);
my $r5 = ZtDrain::make_record($join, event_id => 'dddddddd-0000-4000-8000-000000000005');
$r2->cmd('LPUSH', 'zoomtrack:warehouse', $r5);
$r2->cmd('CONFIG', 'SET', 'requirepass', 'zt-secret-pw');
ZtTest::spit("$tmp/redis.pw", "zt-secret-pw\n");
my $aconf = ZtDrain::write_conf("$tmp/auth.conf", data_dir => "$tmp/auth",
                                'redis.address' => "unix:$sock",
                                'redis.password_file' => "$tmp/redis.pw",
                                'archive.enabled' => 'no',
                                'status.enabled' => 'no');
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $aconf, '--once']);
is($rc, 0, 'AUTH over a unix socket: exit 0') or diag($err);
is(ZtDrain::db_count("$tmp/auth/zoomtrack.db"), 1, 'and the record is stored');
unlike($err, qr/zt-secret-pw/, 'the password is never logged');

ZtTest::spit("$tmp/redis.pw", "wrong\n");
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $aconf, '--once']);
is($rc, 1, 'wrong password: exit 1');
like($err, qr/redis AUTH failed/, 'and says so');

ZtTest::spit("$tmp/auth2.conf", ZtTest::slurp($aconf)
             =~ s/password_file = .*/password_file = $tmp\/nope.pw/r);
($rc, $out, $err) = run_zoomtrack(['drain', '-c', "$tmp/auth2.conf"]);
is($rc, 2, 'unreadable password_file: exit 2');
like($err, qr/cannot open redis.password_file/, 'and says so');

done_testing();
