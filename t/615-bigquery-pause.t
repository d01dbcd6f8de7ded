#!/usr/bin/perl
# The BigQuery warehouse sink pauses on a permanent refusal: an insertAll
# answered 404 (the table does not exist yet), 403 (permission denied),
# 400, or 401 again after one token refresh returns ZT_PAUSE, so the drainer retries at its backoff cap, shows
# the sink as "paused" in drain-status.json and `zoomtrack status` with
# one line naming the table, the HTTP status, Google's reason and message
# and the fix; nothing is dead-lettered, no token is logged.  Once the
# cause is removed (`zoomtrack setup`, the fault lifted) every event is
# stored exactly once.  500 stays a transient "retrying".

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(time);
use ZtTest;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
# every row a request carries is stored: a re-sent row would show twice
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            no_dedup => 1);
my $Q = 'zoomtrack:warehouse';
my $CAP = 1000;
my %ENVX = (GOOGLE_APPLICATION_CREDENTIALS => '', STORAGE_EMULATOR_HOST => '');

my $conf = ZtDrain::write_conf("$tmp/bq.conf", data_dir => "$tmp/bq",
    redis => $redis->address, timezone => 'UTC',
    'warehouse.backend' => 'bigquery', 'warehouse.project' => 'zt-proj',
    'archive.enabled' => 'no', 'status.enabled' => 'no',
    'drain.backoff_max_ms' => $CAP, 'drain.alert_after_s' => 1,
    'google.credentials_file' => $key->{file},
    'google.bigquery_endpoint' => $g->url);

sub zt { run_zoomtrack([@_], env => \%ENVX, timeout => 60) }

sub status {
    my ($rc, $out) = zt('status', '-c', $conf);
    return $out // '';
}

sub wh_line { (status() =~ /^(warehouse\s.*)$/m)[0] // '' }

sub insert_reqs {
    [ grep { $_->{path} =~ m{/tables/raw_events/insertAll$} }
      @{ $g->requests } ]
}

my %all;
sub push_n {
    my ($n, $run) = @_;
    my ($recs, $ids) = ZtDrain::make_records($n, run => $run);
    $all{$_} = 1 for @$ids;
    ZtDrain::push_records($redis->port, [$Q], $recs);
}

sub stored_once {
    my ($what) = @_;
    my $rows = $g->rows('zoom_tracker.raw_events', 'event_id');
    my %seen;
    my $dups = grep { $seen{$_->{event_id}}++ } @$rows;
    is($dups, 0, "$what: no event stored twice");
    is(scalar(grep { !$seen{$_} } keys %all), 0,
       "$what: every event stored (" . scalar(keys %all) . ')');
    is($redis->llen("$Q:dead"), 0, "$what: nothing dead-lettered");
}

# ------------------------------------------------- 404: no table yet

push_n(300, 0x615);
my $log = "$tmp/drain.log";
my $pid = ZtDrain::start_drain($conf, $log);

my $line;
ok(ZtTest::wait_until(sub { ($line = wh_line()) =~ /^warehouse\s+paused\s/ },
                      30, 'paused on 404'),
   'a missing table pauses the sink') or diag(status());
like($line, qr/dead-lettered 0 .*last error \d+s ago: insertAll into zt-proj\.zoom_tracker\.raw_events refused: HTTP 404 notFound "Not found: Table zoom_tracker\.raw_events"; the dataset or table does not exist: run `zoomtrack setup -c FILE`/,
     'status names the table, the status, Google\'s reason and message '
     . 'and the fix');
my $st = ZtTest::json_decode_ok(ZtTest::slurp("$tmp/bq/drain-status.json")
                                // '');
my ($s) = grep { $_->{name} eq 'warehouse' } @{ $st->{sinks} || [] };
is($s->{state}, 'paused', 'drain-status.json: paused');
like($s->{last_error}, qr/HTTP 404 notFound/, 'drain-status.json: why');

ok(ZtTest::wait_until(sub { @{ insert_reqs() } >= 4 }, 30, 'attempts'),
   'the batch is tried again');
my @t = map { $_->{t} } @{ insert_reqs() };
my @gap = map { $t[$_] - $t[$_ - 1] } 1 .. $#t;
is(scalar(grep { $_ < 0.9 * $CAP / 1000 } @gap), 0,
   'paused: every retry waits the backoff cap (gaps '
   . join(' ', map { sprintf('%.2f', $_) } @gap) . ' s)');
is(scalar(grep { $_->{status} != 404 } @{ insert_reqs() }), 0,
   'no request got further');
like(ZtTest::slurp($log), qr/\[sink:warehouse\] could not store a batch of \d+ record\(s\) \(attempt \d+\): insertAll into zt-proj\.zoom_tracker\.raw_events refused: HTTP 404 .*; paused, trying again in $CAP ms/,
     'the log says paused and why');
is($redis->llen("$Q:dead"), 0, 'nothing dead-lettered while paused');
is($redis->llen($Q) + $redis->llen("$Q:processing:test"), 300,
   'the records wait in Redis');

my ($rc, $out, $err) = zt('setup', '-c', $conf);
is($rc, 0, 'zoomtrack setup creates the tables') or diag($out, $err);
ok(ZtTest::wait_until(sub {
       @{ $g->rows('zoom_tracker.raw_events', 'event_id') } >= 300 }, 30,
       'caught up'), 'the sink resumes by itself');
ok(ZtTest::wait_until(sub { wh_line() =~ /^warehouse\s+ok\s+stored 300\s/ },
                      10, 'ok'), 'status: ok again, 300 stored')
    or diag(status());
stored_once('after 404');

# ------------------------------------------------- 403, 400, 401: lifted later

for my $case ([ 403, 'accessDenied', 'permission denied: grant the service '
                . 'account BigQuery Data Editor on the dataset' ],
              [ 400, 'invalid', 'BigQuery refused the request' ],
              [ 401, 'authError', 'the credentials were refused' ]) {
    my ($code, $reason, $fix) = @$case;
    $g->faults([ { on => 'insertAll', type => "$code", count => -1 } ]);
    my $n0 = @{ insert_reqs() };
    my $tok0 = $g->counts->{token};
    push_n(120, 0x615 + $code);
    ok(ZtTest::wait_until(sub { wh_line() =~ /^warehouse\s+paused\s.*HTTP $code / },
                          30, "paused on $code"), "$code pauses the sink")
        or diag(status());
    like(wh_line(), qr/raw_events refused: HTTP $code $reason "injected fault $code"; \Q$fix\E/,
         "$code: table, status, reason, message and fix");
    ok(ZtTest::wait_until(sub { @{ insert_reqs() } >= $n0 + 3 }, 30),
       "$code: tried again");
    is($redis->llen("$Q:dead"), 0, "$code: nothing dead-lettered");
    if ($code == 401) {
        # each attempt: the request, one new token, the request again
        my $tokens = $g->counts->{token} - $tok0;
        my $sent = @{ insert_reqs() } - $n0;
        cmp_ok($tokens, '<=', int($sent / 2) + 1,
               "401: one token refresh per attempt ($tokens tokens, $sent "
               . 'requests)');
        cmp_ok($tokens, '>=', 1, '401: the token was refreshed');
    }
    $g->faults([]);
    ok(ZtTest::wait_until(sub {
           wh_line() =~ /^warehouse\s+ok\s+stored \d+\s+dead-lettered 0\s+queue 0\s+processing 0/ }, 30,
           "$code lifted"), "$code lifted: the sink catches up")
        or diag(status());
    stored_once("after $code");
}

# ----------------------------- 403 rateLimitExceeded: a rate limit, not a refusal

$g->faults([ { on => 'insertAll', type => '403', reason => 'rateLimitExceeded',
               count => -1 } ]);
push_n(10, 0x6154);
ok(ZtTest::wait_until(sub { wh_line() =~ /^warehouse\s+retrying\s.*HTTP 403 / },
                      30, 'retrying on 403 rateLimitExceeded'),
   '403 rateLimitExceeded: retrying, not paused') or diag(status());
unlike(wh_line(), qr/permission denied/, 'and not called a permission problem');
$g->faults([]);
ok(ZtTest::wait_until(sub { wh_line() =~ /^warehouse\s+ok\s.*queue 0\s+processing 0/ },
                      30, 'rate limit lifted'), 'rate limit lifted: caught up');
stored_once('after 403 rateLimitExceeded');

# ------------------------------------------------- 500: still transient

$g->faults([ { on => 'insertAll', type => '500', count => -1 } ]);
push_n(10, 0x6155);
ok(ZtTest::wait_until(sub { wh_line() =~ /^warehouse\s+retrying\s.*HTTP 500 / },
                      30, 'retrying on 500'),
   '500: retrying, not paused') or diag(status());
$g->faults([]);
ok(ZtTest::wait_until(sub { wh_line() =~ /^warehouse\s+ok\s.*queue 0\s+processing 0/ },
                      30, '500 lifted'), '500 lifted: caught up');
stored_once('after 500');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'drain exits 0');

my $text = ZtTest::slurp($log) // '';
my $pem_line = (grep { length > 40 } split /\n/, $key->{pem})[1];
unlike($text, qr/\Q$pem_line\E|ya29\.|eyJ[A-Za-z0-9_-]{10,}|Bearer/,
       'no key, token, JWT or header in the log');

done_testing();
