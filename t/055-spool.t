# zoomtrack_spool: with Redis down the record is appended (one JSON line,
# fsync'd) to DIR/spool-<pid>-<ms>.ndjson and the webhook answers 200; the
# worker holds flock(LOCK_EX) on the file until Redis takes an event
# again, then releases it for `zoomtrack drain`.  A spool that cannot be
# written either → 503.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Fcntl qw(:flock);
use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

my $dir = tmp_dir() . '/spool';
mkdir $dir or die $!;

my ($redis, $ng) = setup(spool => $dir, workers => 1);
my $body = payload('meeting.participant_joined');
my $left = payload('meeting.participant_left');

my $r = post_signed($ng, $body);
is($r->{status}, 200, 'redis up: 200');
is_deeply([ glob("$dir/*") ], [], 'redis up: nothing spooled');

$redis->stop;

my @ids;
for my $b ($body, $left, $body) {
    $r = post_signed($ng, $b);
    is($r->{status}, 200, 'redis down + spool: 200') or diag($r->{content});
    my $a = json_decode_ok($r->{content});
    ok($a->{spooled}, 'answer says spooled');
    push @ids, $a->{event_id};
}

my @files = glob("$dir/*");
is(scalar @files, 1, 'one spool file') or diag("@files");
my $f = $files[0] // '';
like($f, qr{/spool-\d+-\d{13}\.ndjson$}, 'named spool-<pid>-<ms>.ndjson');
# personal data (names, emails): owner-only, owned by the worker's user
my @st = stat($f);
is(sprintf('%04o', ($st[2] // 0) & 07777), '0600', 'spool file mode 0600');
my ($wpid) = $f =~ m{/spool-(\d+)-};
my ($wuid) = (slurp("/proc/$wpid/status") // '') =~ /^Uid:\s+(\d+)/m;
is($st[4], $wuid, 'spool file owned by the worker\'s user');
my $data = slurp($f) // '';
like($data, qr/\n\z/, 'ends with a newline');
my @lines = split /\n/, $data;
is(scalar @lines, 3, 'three lines');
is_deeply([ map { json_decode_ok($_)->{event_id} } @lines ], \@ids,
          'one record per line, in order');
is(json_decode_ok($lines[1])->{raw_payload}, $left,
   'the line is the queue record (raw_payload byte-exact)');

sub locked {
    my ($file) = @_;
    open(my $fh, '<', $file) or return -1;
    my $got = flock($fh, LOCK_EX | LOCK_NB);
    close $fh;
    return $got ? 0 : 1;
}

is(locked($f), 1, 'the worker holds the lock while Redis is down');

my $s = json_decode_ok(http()->get($ng->url('/status'))->{content});
is($s->{spooled}, 3, 'status: spooled 3');

$redis->start;
my $more = 0;
ok(wait_until(sub {
    my $r = post_signed($ng, $body);
    $more++ if $r->{status} == 200 && $r->{content} =~ /spooled/;
    $r->{status} == 200 && $r->{content} !~ /spooled/;
}, 15), 'redis back: accepted into redis again');
is(locked($f), 0, 'lock released after a successful EXEC');
my @after = split /\n/, slurp($f);
is(scalar @after, 3 + $more, 'one line per spooled answer');

like($ng->error_log, qr/zoomtrack: spooling to "\Q$f\E"/, 'spooling logged');

# an idle worker releases its spool as soon as Redis is reachable again
$redis->stop;
$r = post_signed($ng, $left);
ok(json_decode_ok($r->{content})->{spooled}, 'redis down again: spooled');
my ($f2) = grep { $_ ne $f } glob("$dir/spool-*.ndjson");
ok($f2 && locked($f2) == 1, 'a new spool file, locked');
$redis->start;
ok(wait_until(sub { locked($f2) == 0 }, 15),
   'released on reconnection, without further traffic');

# the spool cannot be written (its directory is gone) → 503
rename($dir, "$dir.gone") or die $!;
$redis->stop;
$r = post_signed($ng, $body);
is($r->{status}, 503, 'spool unwritable: 503');
is($r->{headers}{'retry-after'}, '5', 'spool unwritable: Retry-After');
like($ng->error_log, qr/\[error\] .*zoomtrack: cannot create spool file/,
     'spool failure logged');

ok(index($ng->error_log, SECRET) < 0, 'no secret in the log');

done_testing();
