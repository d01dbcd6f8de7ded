# Drainers sharing a Redis: a processing list is owned through a lease.
#
# A second drainer with the same consumer name (`drain --once` from cron
# beside the service) exits 2 naming the holder instead of trimming the
# service's batches.  A processing list whose lease is missing or expired
# (its drainer died elsewhere, or was renamed) is reclaimed by a live
# drainer: its records go back to the queue, logged, and are stored.  A
# list with a live lease is left alone.  A drainer restarted after kill -9
# on the same host takes its lease over at once; a lease held from another
# host is waited for until it expires.  SIGTERM releases the leases.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Sys::Hostname;
use Test::More;
use Time::HiRes qw(time);
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

# valgrind starts a drainer in seconds: lease times scale with it
my $slow = $ENV{ZT_VALGRIND} ? 6 : 1;
my $LEASE = 1500 * $slow;

my $tmp = tmp_dir();
my $redis = start_redis();
my $data = "$tmp/data";
my $db = "$data/zoomtrack.db";
my $log = "$tmp/drain.log";
my %common = (data_dir => $data, redis => $redis->address,
              'drain.lease_ms' => $LEASE);
my $conf = ZtDrain::write_conf("$tmp/drain.conf", %common);
my $status = "$data/drain-status.json";
my @lists = map { "zoomtrack:$_" } ZtDrain::sinks();

sub lease { $redis->cmd('GET', $_[0]) // '' }

my $pid = ZtDrain::start_drain($conf, $log);
ok(wait_until(sub { lease('zoomtrack:warehouse:lease:test') =~ /:$pid:/ },
              20), 'the drainer holds its consumer lease');
my $host = hostname();
like(lease('zoomtrack:archive:lease:test'), qr/^\Q$host\E:$pid:\d+:[0-9a-f]+$/,
     'token: host:pid:pidns:random');
if (grep { $_ eq 'zoomtrack:status' } @lists) {
    ok(wait_until(sub { lease('zoomtrack:status:lease') =~ /:$pid:/ }, 20),
       'and the status sink\'s lease');
}

# ------------------------------------------- the same consumer name twice

my ($recs, $ids) = ZtDrain::make_records(40);
my $t0 = time;
my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once'],
                                     timeout => 30);
is($rc, 2, 'a second drainer with the same consumer exits 2');
cmp_ok(time - $t0, '<', 5 * $slow,
       'at once (the holder is alive on this host)');
like($err, qr/consumer "test" is in use: "zoomtrack:\w+:lease:test" is held by the drainer \Q$host\E:$pid; give each drainer/,
     'naming the holder');
ok(kill(0, $pid), 'the service keeps running');

# --------------------------------------------------------------- reclaim

# a list left by a drainer that is gone: no lease at all
my @ghost = @{$recs}[0 .. 9];
ZtDrain::pipeline($redis->port,
                  [ 'RPUSH', 'zoomtrack:warehouse:processing:ghost', @ghost ]);
# a list whose drainer is alive elsewhere: leased
my @live = @{$recs}[10 .. 19];
ZtDrain::pipeline($redis->port,
                  [ 'RPUSH', 'zoomtrack:warehouse:processing:alive', @live ],
                  [ 'SET', 'zoomtrack:warehouse:lease:alive',
                    'elsewhere:1:1:feed', 'PX', 4000 * $slow ]);

ok(wait_until(sub { ZtDrain::db_count($db) == 10 }, 20),
   'the orphaned list is reclaimed and stored');
is($redis->llen('zoomtrack:warehouse:processing:ghost'), 0,
   'the orphaned list is gone');
like(ZtTest::slurp($log), qr/reclaimed 10 record\(s\) from "zoomtrack:warehouse:processing:ghost" \(its drainer's lease "zoomtrack:warehouse:lease:ghost" expired\) back to "zoomtrack:warehouse"/,
     'the reclaim is logged with its count');
is($redis->llen('zoomtrack:warehouse:processing:alive'), 10,
   'a list with a live lease is left alone');

# ... until that lease expires
ok(wait_until(sub { ZtDrain::db_count($db) == 20 }, 20 * $slow),
   'and reclaimed once its lease expired');
my %got = map { $_ => 1 }
    split /\n/, ZtDrain::sql($db, 'SELECT event_id FROM raw_events');
is(scalar(grep { $got{$_} } @{$ids}[0 .. 19]), 20, 'the right records');

# ------------------------------------------------- restart after kill -9

kill 'KILL', $pid;
ZtDrain::wait_exit($pid, 10);
my $old = lease('zoomtrack:warehouse:lease:test');
like($old, qr/:$pid:/, 'the dead drainer\'s lease is still there');

$t0 = time;
$pid = ZtDrain::start_drain($conf, $log);
ok(wait_until(sub { lease('zoomtrack:warehouse:lease:test') =~ /:$pid:/ },
              20), 'a restarted drainer gets the lease');
cmp_ok(time - $t0, '<', $LEASE / 1000 - 0.1,
       'at once, before the old one expired');
like(ZtTest::slurp($log), qr/took over from a drainer of this host that has ended/,
     'the take-over is logged');

ZtDrain::push_records($redis->port, \@lists, [ @{$recs}[20 .. 39] ]);
ok(wait_until(sub { ZtDrain::db_count($db) == 40 }, 20),
   'and drains');

# ------------------------------------------ a drainer stalled past its lease

# what a loaded host does to a drainer now and then: its leases expire, and
# the log says why before it says that they had vanished.  It stays stopped
# until Redis has dropped every lease it held: renewed every third of a
# lease, they expire at least two thirds of a lease after its last round,
# the gap that makes it say that it was held up
kill 'STOP', $pid;
my @held = grep { lease($_) =~ /:$pid:/ }
    @{ $redis->cmd('KEYS', 'zoomtrack:*:lease*') || [] };
cmp_ok(scalar(@held), '>=', scalar(@lists),
       'the stopped drainer held its leases: ' . join(' ', sort @held));
ok(wait_until(sub { !grep { lease($_) ne '' } @held }, 10 * $slow,
              'leases expired'), 'they expire while it is stopped');
kill 'CONT', $pid;
ok(wait_until(sub { ZtTest::slurp($log) =~ /had vanished \(it expired, or Redis restarted\); set again/ },
              10 * $slow), 'a stalled drainer sets its expired leases again');
like(ZtTest::slurp($log), qr/\[warn\] drain: \d+ ms since the last lease renewal round \(lease_ms $LEASE\): this drainer was held up, its leases may have expired\n(?s:.*)had vanished/,
     'after saying that it was held up');
ok(kill(0, $pid), 'and keeps running');

# ------------------------------------------- a holder on another host

my $conf2 = ZtDrain::write_conf("$tmp/drain2.conf", %common,
                                consumer => 'other',
                                'archive.enabled' => 'no',
                                'status.enabled' => 'no');
$redis->cmd('SET', 'zoomtrack:warehouse:lease:other', 'far:7:7:beef');
my $log2 = "$tmp/drain2.log";
my $p2 = ZtTest::spawn(cmd => [ ZtDrain::drain_cmd($conf2, '--once') ],
                       log => $log2);
ok(wait_until(sub { (ZtTest::slurp($log2) // '') =~ /waiting up to/ },
              20 * $slow), 'a lease held from another host: it waits');
like(ZtTest::slurp($log2), qr/"zoomtrack:warehouse:lease:other" is held by far:7; waiting up to $LEASE ms for it to expire/,
     'the wait is logged');
ok(kill(0, $p2), 'still waiting');
$redis->cmd('PEXPIRE', 'zoomtrack:warehouse:lease:other', 300);
is(ZtDrain::wait_exit($p2, 20 * $slow), 0, 'and drains once it expired');
is(lease('zoomtrack:warehouse:lease:other'), '', 'and released it');

# ... and when that holder renews it, the consumer is in use
my $renew = fork // die;
if ($renew == 0) {
    for (1 .. 40 * $slow) {
        ZtDrain::pipeline($redis->port, [ 'SET',
            'zoomtrack:warehouse:lease:other', 'far:7:7:beef', 'PX', 1000 ]);
        select(undef, undef, undef, 0.2);
    }
    POSIX::_exit(0);
}
($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf2, '--once'],
                                  timeout => 30);
kill 'KILL', $renew;
waitpid($renew, 0);
is($rc, 2, 'a live holder elsewhere: exit 2');
like($err, qr/is held by the drainer far:7/, 'naming it');

# ----------------------------------------------------------- SIGTERM

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 10), 0, 'SIGTERM: exit 0');
is(lease('zoomtrack:warehouse:lease:test'), '', 'consumer lease released');
is(lease('zoomtrack:status:lease'), '', 'status lease released');
my $text = ZtTest::slurp($log);
unlike($text, qr/\[error\]/, 'no [error] in the service\'s log');

done_testing();
