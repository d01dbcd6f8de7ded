# Crash safety: 5,000 records arrive in 20 slices; after each slice the
# drainer is started, allowed to make a random amount of progress, and
# killed with SIGKILL.  A last run drains the rest.  Every sink then holds
# each record exactly once: no loss, no duplicates, nothing left in the
# processing lists, nothing dead-lettered.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $N = 5000;
my $KILLS = 20;

my $tmp = tmp_dir();
my $redis = start_redis();
my $data = "$tmp/data";
my $log = "$tmp/drain.log";
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               'drain.batch_size' => 32);
my $db = "$data/zoomtrack.db";
my @sinks = ZtDrain::sinks();
my @lists = map { "zoomtrack:$_" } @sinks;

my ($recs, $ids) = ZtDrain::make_records($N);
my $slice = $N / $KILLS;
my $t0 = time;
my $killed = 0;
my $interrupted = 0;

for my $k (0 .. $KILLS - 1) {
    ZtDrain::push_records($redis->port, \@lists,
                          [ @{$recs}[$k * $slice .. ($k + 1) * $slice - 1] ]);

    my $before = ZtDrain::db_count($db);
    my $target = $before + 1 + int(rand($slice / 2));
    my $pid = ZtDrain::start_drain($conf, $log);

    # kill somewhere in the middle of the work, wherever it got to
    wait_until(sub { ZtDrain::db_count($db) >= $target
                     || scalar(ZtDrain::archive_files("$data/raw"))
                        >= $target }, 30, "progress past $target");
    kill 'KILL', $pid;
    my $rc = ZtDrain::wait_exit($pid, 20);
    $killed++ if $rc == -1;

    # did this kill land while some sink still had work?
    my $pushed = ($k + 1) * $slice;
    $interrupted++ if ZtDrain::db_count($db) < $pushed
        || ZtDrain::archive_files("$data/raw") < $pushed
        || grep { $redis->llen($_) || $redis->llen("$_:processing:test") }
                @lists;
}

is($killed, $KILLS, "drainer killed with SIGKILL $KILLS times");
cmp_ok($interrupted, '>=', $KILLS / 2,
       "at least half the kills ($interrupted) interrupted work in progress");

my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
is($rc, 0, 'final --once run exits 0') or diag($err);
diag(sprintf('%d records through %s with %d kills in %.1f s', $N,
             join('+', @sinks), $KILLS, time - $t0));

for my $l (@lists) {
    is($redis->llen($l), 0, "$l drained");
    is($redis->llen("$l:processing:test"), 0, "$l:processing:test empty");
    is($redis->llen("$l:dead"), 0, "$l:dead empty");
}

my %want = map { $_ => 1 } @$ids;

# warehouse: each id exactly once
is(ZtDrain::db_count($db), $N, "warehouse has $N rows");
is(ZtDrain::sql($db, 'SELECT count(DISTINCT event_id) FROM raw_events'), $N,
   "$N distinct event ids");
my @got = split /\n/, ZtDrain::sql($db, 'SELECT event_id FROM raw_events');
is(scalar(grep { !$want{$_} } @got), 0, 'no unexpected rows');

# archive: one complete file per id
my @files = ZtDrain::archive_files("$data/raw");
is(scalar(@files), $N, "archive has $N files");
my %have = map { m{/([^/]+)\.json$}; ($1 => 1) } @files;
is(scalar(grep { !$have{$_} } @$ids), 0, 'every id archived');
my @tmpf = glob("$data/raw/*/.*.tmp");
is(scalar(@tmpf), 0, 'no temp files left behind');

my %body = map { my $r = JSON::PP::decode_json($_); ($r->{event_id} =>
                 $r->{raw_payload}) } @$recs;
my $bad = 0;
for my $f (@files) {
    my ($id) = $f =~ m{/([^/]+)\.json$};
    $bad++ unless defined $body{$id} && ZtTest::slurp($f) eq $body{$id};
}
is($bad, 0, 'every archive file is complete and byte-exact');

my $log_text = ZtTest::slurp($log) // '';
like($log_text, qr/delivering again/, 'restarts delivered leftover batches');

done_testing();
