# Redis stopped for a while, end to end: nginx (zoomtrack_spool) answers
# 200 and spools what Redis cannot take; `zoomtrack drain` keeps running,
# and after Redis returns (and the worker lets go of its spool file) every
# webhook reaches every sink exactly once.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;
use ZtWebhook;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
my $so = build_dir() . '/ngx_http_zoomtrack_module.so';
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;
BAIL_OUT("$so not built (make module)") unless -f $so;

my $tmp = tmp_dir();
my $spool = "$tmp/spool";
mkdir $spool or die $!;
my @sinks = ZtDrain::sinks();
my @queues = map { "zoomtrack:$_" } @sinks;
my ($redis, $ng) = setup(queues => \@queues, spool => $spool, workers => 1);

my $data = "$tmp/data";
my $db = "$data/zoomtrack.db";
my $log = "$tmp/drain.log";
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               spool_dir => $spool,
                               'spool.queues' => join(' ', @queues));
my $drain = ZtDrain::start_drain($conf, $log);

# distinct events: the join example with the time and person varied
my $tpl = payload('meeting.participant_joined');
my $n = 0;
sub next_body {
    my $b = $tpl;
    my $ts = 1626230691572 + 1000 * ++$n;
    $b =~ s/"event_ts": \d+/"event_ts": $ts/;
    $b =~ s/"user_name": "[^"]*"/"user_name": "Spool $n"/;
    $b =~ s/"id": "iFxeBPYun6SAiWUzBcEkX"/"id": "person$n"/;
    return $b;
}

my %ids;
my $spooled_all = 0;     # every 200 the module answered "spooled"
sub post_one {
    my $r = post_signed($ng, next_body());
    my $a = json_decode_ok($r->{content}) || {};
    $ids{ $a->{event_id} } = 1 if $r->{status} == 200 && $a->{event_id};
    $spooled_all++ if $r->{status} == 200 && $a->{spooled};
    return ($r, $a);
}

for (1 .. 5) { post_one() }
ok(wait_until(sub { ZtDrain::db_count($db) == 5 }, 20),
   'Redis up: 5 events stored');

$redis->stop;

my $spooled = 0;
for (1 .. 20) {
    my ($r, $a) = post_one();
    $spooled++ if $r->{status} == 200 && $a->{spooled};
}
is($spooled, 20, 'Redis down: 20 webhooks answered 200, spooled');
ok(kill(0, $drain), 'the drainer keeps running without Redis');
is(ZtDrain::db_count($db), 5, 'nothing new stored yet');

$redis->start;

# the worker releases its spool file after its next successful push (it
# may spool a few more while it reconnects)
ok(wait_until(sub { my ($r, $a) = post_one();
                    $r->{status} == 200 && !$a->{spooled} }, 20),
   'Redis back: a webhook goes to Redis again');
my $total = keys %ids;
cmp_ok($total, '>=', 26, "$total events accepted in all");

ok(wait_until(sub { ZtDrain::db_count($db) == $total }, 30),
   'every webhook is in the warehouse') or diag(ZtTest::slurp($log));
ok(wait_until(sub { my @f = glob("$spool/spool-*"); !@f }, 10),
   'spool emptied');
ok(wait_until(sub { ZtDrain::archive_files("$data/raw") == $total }, 10),
   'and in the archive');
is(ZtDrain::sql($db, 'SELECT count(DISTINCT event_id) FROM raw_events'),
   $total, 'once each');
my @got = split /\n/, ZtDrain::sql($db, 'SELECT event_id FROM raw_events');
is(scalar(grep { !$ids{$_} } @got), 0, 'exactly the accepted event ids');
for my $q (@queues) {
    ok(wait_until(sub { $redis->llen($q) + $redis->llen("$q:processing:test")
                        == 0 }, 10), "$q drained");
    is($redis->llen("$q:dead"), 0, "$q:dead empty");
}
# the worker may spool a few more while it reconnects: as many as it said
my ($imported, $text) = (0, ZtTest::slurp($log));
$imported += $1 while $text =~ /spool: imported (\d+) record/g;
is($imported, $spooled_all, "import logged: $spooled_all spooled, as many "
   . 'imported');

kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 10), 0, 'drain: exit 0 on SIGTERM');
# the only errors nginx may log are about the Redis outage
my @bad = grep { /\[(error|crit|alert|emerg)\]/ && !/zoomtrack: redis / }
          split /\n/, $ng->error_log;
ok(!@bad, 'nginx: no [error] besides the Redis outage') or diag("@bad");

done_testing();
