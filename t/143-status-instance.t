# Zoom runs one instance of a meeting id at a time (presence rule 12): a
# Personal Meeting Room instance whose meeting.ended and leaves were lost
# ends when the next instance of its id starts.  The drainer's CSV shows
# its people offline from then (the host who starts the next one online),
# the timeline shows it ended then, and a restart (snapshot and journal
# replay) gives the same.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use POSIX qw(strftime);
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
# two hours ago, to the second: recent for the timeline and keep_hours
my $T0 = (int(time()) - 7200) * 1000;
my $n = 0;

sub ev {
    my ($uuid, $type, $t, $user, $name) = @_;
    my $body = JSON::PP->new->canonical->encode({
        event => $type, event_ts => $T0 + 1000 * $t,
        payload => { account_id => 'acct', object => {
            id => '555', uuid => $uuid, host_id => 'h', type => 4,
            participant => { user_id => $user, user_name => $name,
                             id => $user, email => '' } } } });
    return ZtDrain::make_record($body,
                                event_id => ZtDrain::event_id(143, ++$n));
}

sub at { strftime('%Y-%m-%d %H:%M:%S', gmtime($T0 / 1000 + $_[0])) }

sub push_recs {
    ZtDrain::push_records($redis->port, ['zoomtrack:status'], [@_]);
}

my $data = "$tmp/data";
my $conf = ZtDrain::write_conf("$tmp/inst.conf", data_dir => $data,
                               redis => $redis->address,
                               'archive.enabled' => 'no',
                               'warehouse.enabled' => 'no',
                               'status.enabled' => 'yes');
spit($conf, "status_interval_ms = 200\n" . slurp($conf));
my $csv = "$data/_data/zoom-room-dashboard.csv";
my $tl = "$data/_data/zoom-room-timeline.json";
my $log = "$tmp/drain.log";

sub csv_has { my $c = slurp($csv) // ''; index($c, $_[0]) >= 0 }

my $hal_on = '"Hal","online","' . at(3600) . '"';
my $bob_off = '"Bob","offline","' . at(10) . '","' . at(3600) . '","","555"';

sub instance1 {
    my $t = decode_json(slurp($tl) // '{"meetings":[]}');
    my ($m) = grep { $_->{meeting_uuid} eq 'pmr-1==' } @{ $t->{meetings} };
    return $m;
}

my $pid = ZtDrain::start_drain($conf, $log);

# instance 1: Hal and Bob join; its end and their leaves are lost
push_recs(ev('pmr-1==', 'meeting.participant_joined', 0, 'uh', 'Hal'),
          ev('pmr-1==', 'meeting.participant_joined', 10, 'ub', 'Bob'));
ok(wait_until(sub { csv_has('"Bob","online"') && csv_has('"Hal","online"') },
              15, 'instance 1'),
   'instance 1: both online');

# an hour later Hal starts instance 2 of the same id
push_recs(ev('pmr-2==', 'meeting.participant_joined', 3600, 'uh', 'Hal'));
ok(wait_until(sub { csv_has($bob_off) }, 10, 'Bob offline'),
   'instance 2 started: Bob offline in instance 1 from its start')
    or diag(slurp($csv));
ok(csv_has($hal_on), 'and Hal online, in instance 2') or diag(slurp($csv));
ok(wait_until(sub { my $m = instance1(); $m && !$m->{live}
                        && ($m->{end} // 0) == $T0 + 3600 * 1000 },
              10, 'the timeline'),
   'the timeline: instance 1 ended at instance 2\'s start');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'SIGTERM: drainer exits 0');
unlink $csv;

$pid = ZtDrain::start_drain($conf, $log);
ok(wait_until(sub { csv_has('"Hal"') }, 15, 'the CSV after a restart'),
   'restarted');
ok(csv_has($bob_off) && csv_has($hal_on), 'the restart gives the same')
    or diag(slurp($csv));

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'drainer exits 0 again');
unlike(slurp($log), qr/\[error\]/, 'no [error] in the drain log')
    or diag(slurp($log));

done_testing();
