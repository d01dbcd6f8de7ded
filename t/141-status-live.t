# The status sink in a long-running drainer: the CSV follows new records
# within the interval, is rewritten at most every status_interval_ms while
# records keep coming, is left alone when a duplicate changes nothing, and
# after SIGTERM and a restart the presence carries on from the saved state
# without touching an unchanged CSV.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use Time::HiRes qw(time sleep);
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $T0 = 1626230691000;
my $n = 0;

sub ev {
    my ($type, $t, $name) = @_;
    my $body = JSON::PP->new->canonical->encode({
        event => $type, event_ts => $T0 + 1000 * $t,
        payload => { account_id => 'acct', object => {
            id => '555', uuid => 'live-uuid==', host_id => 'h', type => 2,
            participant => { user_id => "u$t", user_name => $name,
                             id => '', email => '' } } } });
    return ZtDrain::make_record($body,
                                event_id => ZtDrain::event_id(141, ++$n));
}

sub push_recs {
    ZtDrain::push_records($redis->port, ['zoomtrack:status'], [@_]);
}

my $data = "$tmp/data";
my $conf = ZtDrain::write_conf("$tmp/live.conf", data_dir => $data,
                               redis => $redis->address,
                               'archive.enabled' => 'no',
                               'warehouse.enabled' => 'no',
                               'status.enabled' => 'yes');
spit($conf, "status_interval_ms = 500\n" . slurp($conf));
my $csv = "$data/_data/zoom-room-dashboard.csv";
my $log = "$tmp/drain.log";

sub ino { (stat $csv)[1] // 0 }
sub csv_has { my $c = slurp($csv) // ''; index($c, $_[0]) >= 0 }

sub drained {
    return $redis->llen('zoomtrack:status') == 0
        && $redis->llen('zoomtrack:status:processing:test') == 0;
}

my $pid = ZtDrain::start_drain($conf, $log);
ok(wait_until(sub { -f $csv }, 15, 'the first CSV'), 'CSV created at start');
is(slurp($csv), qq{"Username","Status","Last Join","Last Left","Room",}
   . qq{"Meeting"\n}, 'header only while nobody was seen');

push_recs(ev('meeting.participant_joined', 0, 'Alice'));
ok(wait_until(sub { csv_has('"Alice","online"') }, 10, 'Alice online'),
   'a join shows up');

# a duplicate changes nothing: the file is left alone
my $ino = ino();
push_recs(ev('meeting.participant_joined', 0, 'Alice'));
ok(wait_until(\&drained, 10, 'the duplicate drained'), 'duplicate drained');
my $deadline = time + 1.5;
my $same = 1;
while (time < $deadline) {
    $same &&= ino() == $ino;
    sleep 0.05;
}
ok($same, 'duplicate: CSV not rewritten for 3 intervals');

# a record every 100 ms for 2 s: at most one rewrite per 500 ms
my %seen = (ino() => 1);
my $start = time;
for my $i (1 .. 20) {
    push_recs(ev('meeting.participant_joined', 10 + $i, "P$i"));
    my $until = $start + $i * 0.1;
    while (time < $until) {
        $seen{ ino() } = 1;
        sleep 0.01;
    }
}
ok(wait_until(sub { csv_has('"P20","online"') }, 10, 'P20'),
   'the last of the burst shows up');
$seen{ ino() } = 1;
my $rewrites = keys(%seen) - 1;
cmp_ok($rewrites, '<=', 7, "burst of 20 over 2 s: $rewrites rewrites");
cmp_ok($rewrites, '>=', 2, 'and the CSV did follow the burst');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'SIGTERM: drainer exits 0');

# restart: the CSV of the saved state is the same file, not rewritten
$ino = ino();
$pid = ZtDrain::start_drain($conf, $log);
sub starts { my @m = (slurp($log) // '') =~ /\[sink:status\] csv/g; @m }
ok(wait_until(sub { starts() >= 2 }, 15, 'the second start'),
   'drainer restarted');
$deadline = time + 1.2;
$same = 1;
while (time < $deadline) {
    $same &&= ino() == $ino;
    sleep 0.05;
}
ok($same, 'restart: unchanged CSV not rewritten');

push_recs(ev('meeting.participant_left', 100, 'Alice'));
ok(wait_until(sub { csv_has('"Alice","offline","2021-07-14 02:44:51",'
                            . '"2021-07-14 02:46:31"') }, 10,
              'Alice offline'),
   'after the restart a leave completes the saved join');
ok(csv_has('"P20","online"'), 'and the others are still there');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'drainer exits 0 again');
unlike(slurp($log), qr/\[error\]/, 'no [error] in the drain log')
    or diag(slurp($log));

done_testing();
