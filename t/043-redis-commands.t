# One Redis command per event: a plain LPUSH with one queue; with several,
# one EVALSHA of the module's push script (the record crosses the socket
# once, every list gets it atomically).  A Redis that lost the script
# (SCRIPT FLUSH, restart) answers NOSCRIPT, and the push is re-sent once as
# EVAL: still 200 and in every list.

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

# three queues
{
    my @q = ('zt:q1', 'zt:q2', 'zt:q3');
    my ($redis, $ng) = setup(queues => \@q);
    wait_worker_conns($redis, 2) or BAIL_OUT('workers not connected');
    my $c0 = cmdstats($redis);
    for my $i (1 .. 10) {
        is(post_signed($ng, $body)->{status}, 200, "three queues #$i: 200");
    }
    my $d = delta($c0, cmdstats($redis));
    # each push is one EVALSHA; the first on each connection finds no
    # script (NOSCRIPT) and is re-sent once as EVAL
    cmp_ok($d->{evalsha} // 0, '>=', 10, 'three queues: EVALSHA per event');
    cmp_ok(($d->{evalsha} // 0) + ($d->{eval} // 0), '<=', 10 + 2 * 2,
           'three queues: about one command per event') or diag(explain($d));
    ok(!$d->{multi} && !$d->{exec}, 'three queues: no MULTI/EXEC')
        or diag(explain($d));
    cmp_ok($d->{eval} // 0, '<=', 2,
           'EVAL only after a NOSCRIPT (once per worker connection)')
        or diag(explain($d));
    is($d->{lpush}, 30, 'three LPUSH per event, run by the script');
    is($redis->llen($_), 10, "$_: 10 records") for @q;

    # the script cache is gone: NOSCRIPT, re-sent as EVAL, still 200
    $redis->cmd('SCRIPT', 'FLUSH');
    $c0 = cmdstats($redis);
    for my $i (1 .. 4) {
        is(post_signed($ng, $body)->{status}, 200, "after FLUSH #$i: 200");
    }
    $d = delta($c0, cmdstats($redis));
    cmp_ok($d->{eval} // 0, '>=', 1, 'NOSCRIPT answered by an EVAL')
        or diag(explain($d));
    is($redis->llen($_), 14, "$_: 14 records after the flush") for @q;
    unlike($ng->error_log, qr/\[error\]/, 'NOSCRIPT is not an error');
}

done_testing();
