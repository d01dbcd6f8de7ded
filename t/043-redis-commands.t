# The Redis commands of one event: a plain LPUSH with one queue (no
# MULTI/EXEC around a single command); with several, one MULTI/LPUSH.../
# EXEC transaction (cheaper for Redis than a script pushing to every list,
# measured with bench/webhook).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZtWebhook;

my $body = payload('meeting.participant_joined');

sub cmdstats {
    my ($redis) = @_;
    my %c;
    my $info = $redis->cmd('INFO', 'commandstats') // '';
    $c{$1} = $2 while $info =~ /^cmdstat_(\w+):calls=(\d+)/mg;
    return \%c;
}

sub delta {
    my ($a, $b) = @_;
    my %d;
    for my $k (keys %$b) {
        my $n = $b->{$k} - ($a->{$k} // 0);
        $d{$k} = $n if $n && $k !~ /^(info|client|ping|command)$/;
    }
    return \%d;
}

# one queue
{
    my ($redis, $ng) = setup(queues => ['zt:one']);
    wait_worker_conns($redis, 2) or BAIL_OUT('workers not connected');
    my $c0 = cmdstats($redis);
    for my $i (1 .. 10) {
        is(post_signed($ng, $body)->{status}, 200, "one queue #$i: 200");
    }
    my $d = delta($c0, cmdstats($redis));
    is_deeply($d, { lpush => 10 }, 'one queue: 10 events, 10 LPUSH, '
              . 'nothing else') or diag(explain($d));
    is($redis->llen('zt:one'), 10, 'one queue: 10 records');
}

# three queues: one transaction per event, written together
{
    my @q = ('zt:q1', 'zt:q2', 'zt:q3');
    my ($redis, $ng) = setup(queues => \@q);
    wait_worker_conns($redis, 2) or BAIL_OUT('workers not connected');
    my $c0 = cmdstats($redis);
    for my $i (1 .. 10) {
        is(post_signed($ng, $body)->{status}, 200, "three queues #$i: 200");
    }
    my $d = delta($c0, cmdstats($redis));
    is_deeply($d, { multi => 10, lpush => 30, exec => 10 },
              'three queues: MULTI, 3 LPUSH, EXEC per event')
        or diag(explain($d));
    is($redis->llen($_), 10, "$_: 10 records") for @q;
}

done_testing();
