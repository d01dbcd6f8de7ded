# The nginx worker never waits on the disk: with Redis down and a spool,
# every fsync of the spool (and of its directory) runs in a thread of
# nginx's thread pool, never in the worker's event loop thread, and the
# answer is still 200 only once the record is on disk.  Seen with
# strace -f on the one worker.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use POSIX ();
use Test::More;
use ZtTest;
use ZtWebhook;

BAIL_OUT('strace not installed (scripts/install-deps)')
    unless system('which strace >/dev/null 2>&1') == 0;
# valgrind runs nginx as one process under its own scheduler
plan skip_all => 'not under valgrind' if $ENV{ZT_VALGRIND};

my $dir = tmp_dir() . '/spool';
mkdir $dir or die $!;

my ($redis, $ng) = setup(spool => $dir, workers => 1);
my $body = payload('meeting.participant_joined');
$redis->stop;

my $master = slurp($ng->prefix . '/logs/nginx.pid') // die 'no pid';
chomp $master;
my ($wpid) = map { m{/proc/(\d+)/} ? $1 : () }
             grep { (slurp($_) // '') =~ /^PPid:\s+$master$/m }
             glob('/proc/[0-9]*/status');
ok($wpid, "the worker: $wpid");

# the pool's threads start in the worker's init, which may not have run yet
my @tids;
wait_until(sub {
    @tids = map { m{/task/(\d+)$} ? $1 : () } glob("/proc/$wpid/task/*");
    @tids > 1 }, 20);
cmp_ok(scalar @tids, '>', 1, 'the worker has threads (thread pool)');

my $out = tmp_dir() . '/strace.out';
my $spid = fork // die;
if ($spid == 0) {
    open(STDERR, '>', '/dev/null');
    exec('strace', '-f', '-qq', '-e', 'trace=fsync,fdatasync', '-o', $out,
         '-p', $wpid) or POSIX::_exit(127);
}
ok(wait_until(sub {
        for my $t (glob("/proc/$wpid/task/*/status")) {
            return 0 unless (slurp($t) // '') =~ /^TracerPid:\s+[1-9]/m;
        }
        return 1;
    }, 10, 'strace attached to every thread'), 'strace attached');

for my $i (1 .. 3) {
    my $r = post_signed($ng, $body);
    is($r->{status}, 200, "redis down, spool #$i: 200");
    like($r->{content}, qr/"spooled":true/, "spool #$i: spooled");
}

kill 'INT', $spid;
waitpid($spid, 0);

my @lines = grep { /fsync\(/ } split /\n/, slurp($out) // '';
cmp_ok(scalar @lines, '>=', 2, 'the file and its directory were fsync\'d')
    or diag(slurp($out));
my @on_loop = grep { /^$wpid\s/ } @lines;
is(scalar @on_loop, 0, 'no fsync in the event loop thread')
    or diag(join("\n", @lines));

my @files = glob("$dir/spool-*.ndjson");
my $data = join '', map { slurp($_) // '' } @files;
is(($data =~ tr/\n//), 3, 'three records on disk');

unlike($ng->error_log, qr/\[(crit|alert|emerg)\]/, "no crit/alert (Redis down logs errors)");

done_testing();
