# Redis restarted in the middle of a load of concurrent clients (forked
# children, each posting distinct signed events): every request that got a
# 2xx is in each queue exactly once.  Requests answered 503 may or may not
# be there (Zoom retries them; consumers deduplicate by event_id).  Redis
# runs with appendfsync always so that a restart keeps what it acknowledged.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use JSON::PP;
use POSIX ();
use Test::More;
use Time::HiRes qw(time sleep);
use ZtTest;
use ZtWebhook;

my $vg = $ENV{ZT_VALGRIND};
my ($children, $per) = $vg ? (4, 25) : (8, 60);

my ($redis, $ng) = setup(
    redis_args => ['--appendonly', 'yes', '--appendfsync', 'always'],
    timeout => '2s');

my $template = json_decode_ok(payload('meeting.participant_joined'));
my $dir = tmp_dir();
my $JS = JSON::PP->new->canonical;

my @pids;
for my $c (1 .. $children) {
    my $pid = fork // die;
    if ($pid == 0) {
        open(my $out, '>', "$dir/load-$c") or POSIX::_exit(1);
        $out->autoflush(1);     # the parent counts the answers as they come
        for my $i (1 .. $per) {
            my %d = %$template;
            $d{event_ts} = $template->{event_ts} + $c * 100000 + $i;
            $d{payload} = { %{ $template->{payload} } };
            $d{payload}{object} = { %{ $template->{payload}{object} } };
            $d{payload}{object}{participant} = {
                %{ $template->{payload}{object}{participant} },
                user_id => "u-$c-$i", participant_uuid => "p-$c-$i" };
            my $body = $JS->encode(\%d);
            my $r = post_signed($ng, $body, timeout => 30);
            my $a = json_decode_ok($r->{content} // '') || {};
            printf $out "%d %s\n", $r->{status}, $a->{event_id} // '-';
            sleep 0.005;
        }
        close $out;
        POSIX::_exit(0);
    }
    push @pids, $pid;
}

# answers the children have written so far
sub answered {
    my $n = 0;
    for my $c (1 .. $children) {
        open(my $in, '<', "$dir/load-$c") or next;
        $n++ while <$in>;
    }
    return $n;
}

# restart Redis while the children run: once some requests were answered,
# and only once its port refuses connections
ok(wait_until(sub { answered() >= 20 }, $vg ? 60 : 20, 'answered requests'),
   'the load is under way');
$redis->stop;
ok(wait_until(sub {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $redis->port, Timeout => 1);
        return 0 if $s;
        return $!{ECONNREFUSED};
    }, 10, 'redis down'), 'redis is down (connections refused)');
my $mid = answered();
$redis->start;

waitpid($_, 0) for @pids;

my (%ok, $n200, $n503, $nother);
$n200 = $n503 = $nother = 0;
for my $c (1 .. $children) {
    open(my $in, '<', "$dir/load-$c") or die;
    while (<$in>) {
        my ($st, $id) = split;
        if ($st == 200) { $n200++; $ok{$id}++ }
        elsif ($st == 503) { $n503++ }
        else { $nother++ }
    }
}
diag("load: $n200 x 200, $n503 x 503, $nother other; $mid answered "
     . "before Redis came back");
cmp_ok($mid, '<', $children * $per, 'Redis restarted while the load ran');

is($n200 + $n503 + $nother, $children * $per, 'every request answered');
is($nother, 0, 'only 200 or 503');
cmp_ok($n200, '>', 0, 'some accepted');
is(scalar keys %ok, $n200, 'distinct event_ids for distinct events');

for my $q (qw(zt:a zt:b)) {
    my %seen;
    $seen{ decode_json($_)->{event_id} }++ for @{ $redis->lrange($q) };
    my @missing = grep { !$seen{$_} } keys %ok;
    my @dup = grep { $seen{$_} > 1 } keys %ok;
    is(scalar @missing, 0, "$q: every 2xx event is there")
        or diag("missing: @missing[0 .. 4]");
    is(scalar @dup, 0, "$q: none twice");
}

ok(index($ng->error_log, SECRET) < 0, 'no secret in the log');

done_testing();
