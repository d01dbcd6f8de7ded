# Redis that answers but refuses every write: a replica (READONLY), as
# after a failover that demoted it.  The connection works, so nothing
# reconnects for good; `zoomtrack status` must still say that the sinks
# fail and why, and exit 1 after [drain] alert_after_s, where it used to
# say ok while the queues grew.  Once Redis takes writes again the records
# are stored and status is ok again.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $f = ZtDrain::fixture('drain.alert_after_s' => 1);
my ($redis, $conf, $db) = @{$f}{qw(redis conf db)};

my ($recs) = ZtDrain::make_records(40);
ZtDrain::push_records($redis->port, $f->{lists}, [ @{$recs}[0 .. 19] ]);

my $pid = ZtDrain::start_drain($conf, $f->{log});
ok(wait_until(sub { ZtDrain::db_count($db) == 20 }, 20), 'drains');

# demoted: a replica of a master that is not there refuses writes
ZtDrain::push_records($redis->port, $f->{lists}, [ @{$recs}[20 .. 39] ]);
$redis->cmd('REPLICAOF', '127.0.0.1', free_port());

my ($rc, $out, $err);
ok(wait_until(sub {
       ($rc, $out, $err) = run_zoomtrack(['status', '-c', $conf]);
       $rc == 1 && $out =~ /^ALERT: sink warehouse has been failing/m },
       20), 'status alerts while Redis refuses writes') or diag($out, $err);
like($out, qr/^warehouse\s+retrying\s.*last error \d+s ago: redis: .*READONLY/m,
     'and names the refusal');
ok(kill(0, $pid), 'the drainer keeps running');

$redis->cmd('REPLICAOF', 'NO', 'ONE');
ok(wait_until(sub { ZtDrain::db_count($db) == 40 }, 30),
   'the records are stored once Redis takes writes again');
ok(wait_until(sub { ($rc) = run_zoomtrack(['status', '-c', $conf]);
                    $rc == 0 }, 20), 'and status is ok again');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 10), 0, 'SIGTERM: exit 0');

done_testing();
