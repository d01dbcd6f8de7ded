# [archive] backend = gcs against Google's own Storage emulator: objects
# named gs://BUCKET/PREFIX/DAY/<event_id>.json holding the body
# byte-exact; no auth with STORAGE_EMULATOR_HOST; a service-account key
# through the strict front (t/doubles/google-double.py: Bearer checked,
# ifGenerationMatch=0 enforced, only Storage Object Creator and Viewer); redelivery costs a 412, not a write; 5xx
# and 429 are retried (after Retry-After when given); 403/404 hold the queue with a specific message;
# a 401 refreshes the token once; nothing secret reaches the log.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;
use ZtGoogle;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $emu = start_gcs_emulator()
    or BAIL_OUT("GCS emulator: $ZtGoogle::EMU_ERROR");

my $tmp = tmp_dir();
my $redis = start_redis();
my $B = 'zt-bucket';

sub conf {
    my ($name, %o) = @_;
    return ZtDrain::write_conf("$tmp/$name.conf", data_dir => "$tmp/$name",
        redis => $redis->address, timezone => 'America/Los_Angeles',
        'archive.backend' => 'gcs', 'archive.bucket' => $B,
        'warehouse.enabled' => 'no', 'status.enabled' => 'no',
        'google.timeout_ms' => 20000, 'archive.uploads_in_flight' => 8,
        %o);
}

sub drain_once {
    my ($conf, %env) = @_;
    return run_zoomtrack(['drain', '-c', $conf, '--once'],
                         env => { STORAGE_EMULATOR_HOST => '',
                                  GOOGLE_APPLICATION_CREDENTIALS => '',
                                  %env }, timeout => 60);
}

my $Q = 'zoomtrack:archive';

# ------------------------------------------------------------ emulator, no auth

my $join = payload('meeting.participant_joined');
my $left = payload('meeting.participant_left');
my @recs = (
    ZtDrain::make_record($join, event_id => 'aaaaaaaa-0000-4000-8000-000000000001'),
    ZtDrain::make_record($left, event_id => 'aaaaaaaa-0000-4000-8000-000000000002'),
);
ZtDrain::push_records($redis->port, [$Q], [ @recs, $recs[0] ]);

my $c1 = conf('emu');
my ($rc, $out, $err) = drain_once($c1,
    STORAGE_EMULATOR_HOST => '127.0.0.1:' . $emu->port);
is($rc, 0, 'drain --once into the emulator exits 0') or diag($err);
like($err, qr/gs:\/\/zt-bucket\/raw\/ via http:\/\/127\.0\.0\.1:\d+, no auth \(emulator\)/,
     'logs bucket, endpoint and "no auth" under STORAGE_EMULATOR_HOST');
unlike($err, qr/\[error\]/, 'no [error]');
is($redis->llen($Q), 0, 'queue empty');
is($redis->llen("$Q:processing:test"), 0, 'processing list empty');
is($emu->object($B, 'raw/2021-07-13/aaaaaaaa-0000-4000-8000-000000000001.json'),
   $join, 'object under the local date holds the body byte-exact');
is(scalar($emu->list($B, 'raw/')), 2, 'two objects (the duplicate is one)');

# a prefix without its slash names the same layout
my $c1b = conf('emu2', 'archive.prefix' => 'events');
ZtDrain::push_records($redis->port, [$Q], [ $recs[1] ]);
($rc, $out, $err) = drain_once($c1b,
    STORAGE_EMULATOR_HOST => 'http://127.0.0.1:' . $emu->port);
is($rc, 0, 'prefix "events": exit 0') or diag($err);
ok(defined $emu->object($B, 'events/2021-07-13/aaaaaaaa-0000-4000-8000-000000000002.json'),
   'object under events/DAY/');

# STORAGE_EMULATOR_HOST left set beside an explicit storage_endpoint: the
# emulator convention (no auth) is not applied to that endpoint; the
# metadata server (the default credentials) is asked for a token
{
    my $gx = start_google_double(gcs_upstream => $emu->url, gcs_auth => 1);
    my $cx = conf('explicit', 'google.storage_endpoint' => $gx->url,
                  'archive.prefix' => 'x/', 'drain.max_attempts' => 1,
                  'drain.backoff_max_ms' => 100,
                  'google.max_retries' => 0, 'google.timeout_ms' => 2000);
    ZtDrain::push_records($redis->port, [$Q], [ $recs[1] ]);
    ($rc, $out, $err) = drain_once($cx, GCE_METADATA_HOST => '',
        STORAGE_EMULATOR_HOST => '127.0.0.1:' . $emu->port);
    unlike($err, qr/no auth/, 'an explicit storage_endpoint keeps auth '
           . 'under STORAGE_EMULATOR_HOST') or diag($err);
    like($err, qr/via \Q${\ $gx->url }\E.*metadata server/,
         'and uses the default credentials for it') or diag($err);
    is(scalar(grep { $_->{status} == 401 } @{ $gx->requests }), 0,
       'no request without a token reached it');
    $gx->stop;
    $redis->cmd("DEL", $Q, "$Q:processing:test", "$Q:dead");
}

# ------------------------------------------------------------ key file, front

my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            gcs_upstream => $emu->url, gcs_auth => 1,
                            gcs_roles => 'objectCreator,objectViewer');

my $c2 = conf('key', 'google.credentials_file' => $key->{file},
              'google.storage_endpoint' => $g->url, 'archive.prefix' => 'k/');
my ($recs, $ids) = ZtDrain::make_records(60, run => 0x600);
ZtDrain::push_records($redis->port, [$Q], $recs);
($rc, $out, $err) = drain_once($c2);
is($rc, 0, 'key file through the strict front: exit 0') or diag($err);
like($err, qr/service account zt-test\@zt-proj\.iam\.gserviceaccount\.com/,
     'logs which service account');
is(scalar($emu->list($B, 'k/')), 60, 'sixty objects');
is($g->counts->{token}, 1, 'one token for sixty uploads');
is($redis->llen($Q), 0, 'queue empty');

my $log = $err;

# redelivery: ifGenerationMatch=0 answers 412, counted as stored
my $c0 = $g->counts;
ZtDrain::push_records($redis->port, [$Q], [ @{$recs}[0 .. 9] ]);
($rc, $out, $err) = drain_once($c2);
is($rc, 0, 'redelivery: exit 0') or diag($err);
my $c1n = $g->counts;
is(($c1n->{gcs412} // 0) - ($c0->{gcs412} // 0), 10, 'ten 412s')
    or diag($log, explain($c0, $c1n));
is($c1n->{gcs_stored}, $c0->{gcs_stored}, 'and no object written again');
is($redis->llen("$Q:dead"), 0, 'and nothing dead-lettered');
is(scalar($emu->list($B, 'k/')), 60, 'still sixty objects');
is($c1n->{gcs_denied} // 0, 0, 'the roles the README names for the sink '
   . '(Storage Object Creator and Viewer: no storage.objects.delete) do: '
   . 'a redelivery never replaces an object');
$log .= $err;

# ------------------------------------------------------------ faults

sub push_n {
    my ($run, $n) = @_;
    my ($r, $i) = ZtDrain::make_records($n, run => $run);
    ZtDrain::push_records($redis->port, [$Q], $r);
    return $i;
}

my $c3 = conf('live', 'google.credentials_file' => $key->{file},
              'google.storage_endpoint' => $g->url, 'archive.prefix' => 'f/');
my $dlog = "$tmp/live.log";
my $pid = ZtDrain::start_drain($c3, $dlog);

$g->faults([ { on => 'gcs', type => '500', count => 3 },
             { on => 'gcs', type => '429', count => 2 } ]);
push_n(0x601, 20);
# the batch is done when the drainer acks it, not when the last object
# lands: its retry sends all 20 again (the stored ones answer 412), and a
# 403 installed before those answers come back would fail that batch
ok(ZtTest::wait_until(sub {
       scalar($emu->list($B, 'f/')) == 20 && $redis->llen($Q) == 0
       && $redis->llen("$Q:processing:test") == 0 }, 30,
       '20 objects after 500s and 429s, the batch acked'),
   '500 and 429 are retried until stored');

# 403: the sink holds the queue and says what to grant
$g->faults([ { on => 'gcs', type => '403', count => -1 } ]);
push_n(0x602, 5);
ok(ZtTest::wait_until(sub { (ZtTest::slurp($dlog) // '') =~ /status 403: permission denied: grant the service account Storage Object Creator/ }, 20, '403 message'),
   '403 logs the role to grant');
is(scalar($emu->list($B, 'f/')), 20, 'nothing written while refused');
my $dstat = "$tmp/live/drain-status.json";
ok(ZtTest::wait_until(sub {
       my $st = ZtTest::json_decode_ok(ZtTest::slurp($dstat) // '');
       my ($a) = grep { $_->{name} eq 'archive' } @{ $st->{sinks} || [] };
       $a && $a->{state} eq 'paused' && $a->{last_error} =~ /status 403/ },
       20, 'paused'),
   'a refusal pauses the sink (drain-status.json), with the reason');
my (undef, $sout) = run_zoomtrack(['status', '-c', $c3]);
like($sout, qr/^archive\s+paused\s+stored 20\s+dead-lettered 0\s+.*status 403/m,
     'zoomtrack status: archive paused, with the reason');
is($redis->llen("$Q:dead"), 0, 'nothing dead-lettered on a 403');
$g->faults([ { on => 'gcs', type => '404', count => -1 } ]);
ok(ZtTest::wait_until(sub { (ZtTest::slurp($dlog) // '') =~ /status 404: the bucket does not exist/ }, 20, '404 message'),
   '404 says the bucket does not exist');
$g->faults([]);
ok(ZtTest::wait_until(sub { scalar($emu->list($B, 'f/')) == 25 }, 30, '25 objects'),
   'once fixed, the held records are stored');

# 401 with a token the double expired: one refresh
my $before = $g->counts->{token};
$g->control({ expire => 1 });
push_n(0x603, 5);
ok(ZtTest::wait_until(sub { scalar($emu->list($B, 'f/')) == 30 }, 30, '30 objects'),
   'after a 401 the records are stored');
is($g->counts->{token}, $before + 1, 'with exactly one new token');

# a 503 with Retry-After: 3 is not retried before those 3 seconds
$g->faults([ { on => 'gcs', type => '503', retry_after => 3, count => 1 } ]);
push_n(0x605, 1);
ok(ZtTest::wait_until(sub { scalar($emu->list($B, 'f/')) == 31 }, 30, '31 objects'),
   'after a 503 with Retry-After the record is stored');
my @up = grep { $_->{path} =~ m{^/upload/.*name=f%2F} } @{ $g->requests };
my ($i503) = grep { $up[$_]{status} == 503 } 0 .. $#up;
ok(defined $i503 && $up[$i503 + 1]
   && $up[$i503 + 1]{t} - $up[$i503]{t} >= 2.9,
   'and sent again only after Retry-After')
    or diag(explain([ @up[-3 .. -1] ]));

# a long Retry-After is the engine's wait, not a sleep in the sink: a
# SIGTERM during it stops the drainer at once, the record still queued
$g->faults([ { on => 'gcs', type => '503', retry_after => 25, count => 1 } ]);
my $n503 = grep { $_->{status} == 503 } @{ $g->requests };
push_n(0x606, 1);
ok(ZtTest::wait_until(sub { (grep { $_->{status} == 503 } @{ $g->requests })
                            > $n503 }, 20, 'the 503'),
   'a 503 with Retry-After: 25');
my $t0 = time;
kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'drain exits 0 on SIGTERM');
ok(time - $t0 < 10, 'without waiting the Retry-After out')
    or diag(time - $t0);
$g->faults([]);
$pid = ZtDrain::start_drain($c3, $dlog);
ok(ZtTest::wait_until(sub { scalar($emu->list($B, 'f/')) == 32 }, 60, '32 objects'),
   'the next drainer stores it');

kill 'TERM', $pid;
is(ZtDrain::wait_exit($pid, 20), 0, 'drain exits 0 on SIGTERM');
$log .= ZtTest::slurp($dlog) // '';
is($redis->llen($Q), 0, 'queue empty');
is($redis->llen("$Q:processing:test"), 0, 'processing list empty');

# ------------------------------------------------------------ bad credentials

my $other = test_key("$tmp/key2", "http://127.0.0.1:$gport/token");
my $c4 = conf('badkey', 'google.credentials_file' => $other->{file},
              'google.storage_endpoint' => $g->url, 'archive.prefix' => 'b/');
push_n(0x604, 3);
my $p4 = ZtDrain::start_drain($c4, "$tmp/badkey.log");
ok(ZtTest::wait_until(sub { (ZtTest::slurp("$tmp/badkey.log") // '') =~ /token endpoint answered 400: invalid_grant \(invalid signature\)/ }, 20, 'invalid_grant'),
   'a key the token endpoint rejects: its reason is logged');
ok(ZtTest::wait_until(sub {
       my $st = ZtTest::json_decode_ok(
           ZtTest::slurp("$tmp/badkey/drain-status.json") // '');
       my ($a) = grep { $_->{name} eq 'archive' } @{ $st->{sinks} || [] };
       $a && $a->{state} eq 'paused'
          && $a->{last_error} =~ /invalid_grant.*check google\.credentials_file/ },
       20, 'paused on a refused key'),
   'a refused key pauses the sink (no retry cures it), saying what to check');
kill 'TERM', $p4;
ZtDrain::wait_exit($p4, 20);
is($redis->llen($Q) + $redis->llen("$Q:processing:test"), 3,
   'and the records stay queued');
$log .= ZtTest::slurp("$tmp/badkey.log") // '';

ZtTest::spit("$tmp/notsa.json", '{"type": "authorized_user"}');
($rc, $out, $err) = drain_once(conf('notsa',
    'google.credentials_file' => "$tmp/notsa.json"));
is($rc, 2, 'a key file that is not a service account: exit 2');
like($err, qr/is not a service-account key \(type "authorized_user"\)/,
     'and says so');

($rc, $out, $err) = drain_once(conf('nobucket', 'archive.bucket' => ''));
is($rc, 2, 'no bucket: exit 2');
like($err, qr/archive\.backend = gcs needs archive\.bucket/, 'and says so');

# ------------------------------------------------------------ secrets

my $pem_line = (grep { length > 40 } split /\n/, $key->{pem})[1];
unlike($log, qr/\Q$pem_line\E/, 'no private key material in the logs');
unlike($log, qr/ya29\./, 'no access token in the logs');
unlike($log, qr/eyJ[A-Za-z0-9_-]{10,}/, 'no JWT in the logs');
unlike($log, qr/Bearer/, 'no Authorization header in the logs');

done_testing();
