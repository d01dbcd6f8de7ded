# A sink that cannot open its files when the drainer starts (a folder in
# the way, a full disk, a mount not there yet) is not a configuration
# error: the drainer keeps running, the other sinks drain, `zoomtrack
# status` says which sink waits and why, and the sink starts by itself
# once the cause is gone.  It used to exit 2, which systemd does not
# restart (RestartPreventExitStatus=2).  With --once it gives up after
# [drain] max_attempts with exit 1; a bad setting still exits 2.

use strict;
use warnings;
use feature qw(state);

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

# the warehouse and the status sink's state live under "blocked", which
# is a plain file: mkdir fails with ENOTDIR, as for root a read-only or
# full file system would
sub blocked {
    my ($status) = @_;
    state $n = 0;
    my $blocker = ZtTest::tmp_dir() . '/blocked-' . ++$n;
    spit($blocker, "in the way\n");
    return ($blocker, 'warehouse.path' => "$blocker/zoomtrack.db",
            $status ? ('status.state' => "$blocker/status-state.json") : (),
            'drain.alert_after_s' => 1);
}

my ($blocker, %paths) = blocked('status too');
my $f = ZtDrain::fixture(%paths);
my ($redis, $conf) = @{$f}{qw(redis conf)};
my $db = "$blocker/zoomtrack.db";

my ($recs) = ZtDrain::make_records(20);
ZtDrain::push_records($redis->port, $f->{lists}, $recs);

my $pid = ZtDrain::start_drain($conf, $f->{log});

ok(wait_until(sub { ZtDrain::archive_files("$f->{data}/raw") == 20 }, 20),
   'the archive drains while the other sinks cannot start');

my ($rc, $out, $err);
ok(wait_until(sub {
       ($rc, $out, $err) = run_zoomtrack(['status', '-c', $conf]);
       $rc == 1 && $out =~ /^ALERT: sink warehouse has been failing/m
           && $out =~ /^ALERT: sink status has been failing/m },
       20), 'status alerts for both sinks') or diag($out, $err);
like($out, qr/^warehouse\s+retrying\s.*cannot open warehouse "[^"]*blocked-1\/zoomtrack.db": .*Not a directory/m,
     'and says why the warehouse waits');
like($out, qr/^status\s+retrying\s.*cannot read state "[^"]*blocked-1\/status-state.json": Not a directory/m,
     'and why the status sink waits');
ok(kill(0, $pid), 'the drainer keeps running');
is(ZtDrain::db_count($db), 0, 'nothing stored in the warehouse yet');

my $log = slurp($f->{log});
like($log, qr/\[sink:warehouse\] cannot start yet \(attempt \d+\); trying again in \d+ ms/,
     'the log says the warehouse will be tried again');

unlink $blocker or die "unlink: $!";

ok(wait_until(sub { ZtDrain::db_count($db) == 20 }, 30),
   'the warehouse starts by itself and stores every record');
ok(wait_until(sub { ($rc, $out) = run_zoomtrack(['status', '-c', $conf]);
                    $rc == 0 && $out =~ /^status\s+ok\s+stored 20\s/m }, 30),
   'status is ok again, the status sink having started too') or diag($out);
ok(-e "$blocker/status-state.json.journal", 'and keeps its state there');
is($redis->llen($_), 0, "$_ drained") for @{ $f->{lists} };

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 10), 0, 'SIGTERM: exit 0');

# --once: max_attempts starts, then exit 1 (the records stay queued)
(undef, %paths) = blocked();
my $g = ZtDrain::fixture(%paths, 'drain.max_attempts' => 3);
ZtDrain::push_records($g->{redis}->port, $g->{lists}, $recs);
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $g->{conf}, '--once'],
                                  timeout => 60);
is($rc, 1, '--once: exit 1 when a sink cannot start') or diag($err);
like($err, qr/\[sink:warehouse\] giving up after 3 attempt\(s\) to start/,
     'after max_attempts');
is($g->{redis}->llen('zoomtrack:warehouse'), 20,
   'the warehouse queue keeps its records');

# a bad setting is a configuration error: exit 2 at once
my $h = ZtDrain::fixture('warehouse.synchronous' => 'sometimes');
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $h->{conf}, '--once'],
                                  timeout => 60);
is($rc, 2, 'a bad warehouse setting still exits 2');
like($err, qr/warehouse\.synchronous "sometimes"/, 'naming the setting');

# one the status sink refuses as it starts: its line names the setting,
# and the last line does not send the operator after another drainer
$h = ZtDrain::fixture('status.heartbeat_s' => 0);
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $h->{conf}, '--once'],
                                  timeout => 60);
is($rc, 2, 'a bad status setting exits 2');
like($err, qr/status\.heartbeat_s "0"/, 'naming the setting');
unlike($err, qr/another drainer/,
       'and no guess that another drainer has the name') or diag($err);

done_testing();
