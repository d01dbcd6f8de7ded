# The pushes of one event-loop iteration leave as groups: one multi-value
# LPUSH per queue inside one MULTI/EXEC (three queues here), at most 256
# records per group.  To have $n requests in one iteration, the worker is
# stopped (SIGSTOP) while they are written on $n idle keep-alive
# connections, then continued: one epoll_wait() returns them all.
# (1) Every one is 200, a handful of LPUSHes carried them all, and every
# list holds every answered event exactly once.  (2) The same burst with
# Redis killed (-9; AOF fsync'd on every write) as the worker wakes up:
# every 2xx'd event is, once Redis is back from its AOF, in every list or
# in the spool; any other answer is a 503.  (3) Redis paused, killed once
# it has read the groups: every request spooled.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use IO::Socket::INET;
use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

my @queues = qw(zt:a zt:b zt:c);
my $n = $ENV{ZT_VALGRIND} ? 60 : 400;
my $spool = tmp_dir() . '/spool';
mkdir $spool or die $!;

my $redis = start_redis(args => [ '--appendonly', 'yes',
                                  '--appendfsync', 'always' ]);
my (undef, $ng) = setup(redis_obj => $redis, queues => \@queues,
                        spool => $spool, workers => 1,
                        timeout => $ENV{ZT_VALGRIND} ? '20s' : '5s');
wait_worker_conns($redis, 1) or BAIL_OUT('worker not connected');

# the process that serves requests: the worker, or nginx under valgrind
sub worker_pid {
    return $ng->{pid} if $ENV{ZT_VALGRIND};
    my $master = slurp($ng->prefix . '/logs/nginx.pid') // die 'no pid';
    chomp $master;
    for my $st (glob('/proc/[0-9]*/status')) {
        my $s = slurp($st) // next;
        return $1 if $s =~ /^PPid:\s+$master$/m && $st =~ m{/proc/(\d+)/};
    }
    die 'no worker';
}

sub read_response {
    my ($s) = @_;
    my $resp = do { local $/ = "\r\n\r\n"; <$s> } // return '';
    my ($len) = $resp =~ /^content-length:\s*(\d+)/mi;
    if ($len) {
        my $body = '';
        while (length($body) < $len) {
            read($s, $body, $len - length($body), length($body)) or last;
        }
        $resp .= $body;
    }
    return $resp;
}

# $n keep-alive connections, each answered once (so accepted and idle)
sub idle_conns {
    my @s;
    for my $i (1 .. $n) {
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $ng->port) or die "$i: $!";
        print $s "GET /ok HTTP/1.1\r\nHost: x\r\n\r\n";
        read_response($s) =~ m{^HTTP/1\.1 204} or die "$i: no 204";
        push @s, $s;
    }
    return @s;
}

my $tpl = payload('meeting.participant_left');
my $ts = time;

# one signed webhook per connection, all written while the worker is
# stopped; $woken runs right after it is continued
sub burst {
    my ($tag, $woken) = @_;
    my @s = idle_conns();
    my $pid = worker_pid();
    kill 'STOP', $pid;
    for my $i (0 .. $#s) {
        (my $body = $tpl) =~ s/"user_id": "[^"]*"/"user_id": "$tag-$i"/
            or die 'template';
        my $sig = sign_zoom(SECRET, $ts, $body);
        print { $s[$i] } "POST /webhook HTTP/1.1\r\nHost: x\r\n"
            . "Content-Type: application/json\r\n"
            . "Content-Length: " . length($body) . "\r\n"
            . "x-zm-request-timestamp: $ts\r\nx-zm-signature: $sig\r\n\r\n"
            . $body;
    }
    kill 'CONT', $pid;
    $woken->() if $woken;
    # [status, event_id, spooled] per request
    return map {
        my $r = read_response($_);
        my ($st) = $r =~ m{^HTTP/1\.1 (\d+)};
        my ($id) = $r =~ /"event_id":"([^"]+)"/;
        [ $st // 'none', $id, $r =~ /"spooled":true/ ? 1 : 0 ];
    } @s;
}

sub lpushes {
    my $info = $redis->cmd('INFO', 'commandstats') // '';
    return $info =~ /^cmdstat_lpush:calls=(\d+)/m ? $1 : 0;
}

# ------------------------------------------------------ (1) a burst, grouped

$redis->cmd('CONFIG', 'RESETSTAT');
my @a = burst('g');
my %ids = map { $_->[1] => 1 } grep { $_->[0] eq '200' } @a;
is(scalar(grep { $_->[0] eq '200' && !$_->[2] } @a), $n,
   "burst of $n: all 200, none spooled");
is(scalar keys %ids, $n, "$n distinct event_ids");
my $lp = lpushes();
note("$lp LPUSH commands for $n events x " . @queues . ' queues');
cmp_ok($lp, '>=', @queues * int(($n + 255) / 256),
       'at most 256 records per group');
cmp_ok($lp, '<=', $n * @queues / 10, 'pushes were grouped');
for my $q (@queues) {
    my %seen;
    $seen{ decode_json($_)->{event_id} }++ for @{ $redis->lrange($q) };
    is_deeply(\%seen, \%ids, "$q: exactly the answered events, once each");
}
error_log_clean($ng, 'grouped burst');

# ------------------------------------------- (2) Redis killed mid-burst

$redis->cmd('DEL', @queues);
@a = burst('k', sub { $redis->kill9 });

my %st;
$st{ $_->[0] }++ for @a;
is_deeply([ sort grep { $_ ne '200' && $_ ne '503' } keys %st ], [],
          'every answer is 200 or 503') or diag(explain(\%st));

# Redis back from its AOF: every 2xx of @a in every list or spooled
sub none_lost {
    my ($what, @a) = @_;
    $redis->start;
    my %in;
    for my $q (@queues) {
        $in{$q}{ decode_json($_)->{event_id} } = 1
            for @{ $redis->lrange($q) };
    }
    my %spooled;
    for my $f (glob("$spool/spool-*.ndjson")) {
        for my $l (split /\n/, slurp($f) // '') {
            my $r = json_decode_ok($l) or next;
            $spooled{ $r->{event_id} } = 1;
        }
    }
    my @lost = grep {
        my $id = $_->[1];
        !$spooled{$id} && grep { !$in{$_}{$id} } @queues;
    } grep { $_->[0] eq '200' } @a;
    is(scalar @lost, 0, "$what: every 2xx is in every list or spooled")
        or diag(explain([ grep { defined } @lost[0 .. 4] ]));
    note(sprintf('%s: %d x 200 (%d spooled), %d in Redis', $what,
                 scalar(grep { $_->[0] eq '200' } @a),
                 scalar(grep { $_->[2] } @a),
                 scalar keys %{ $in{'zt:a'} }));
}

none_lost('killed', @a);

# ------------------------- (3) killed once the groups are sent, unanswered

# paused, Redis reads the groups but runs nothing; it is killed once it
# has read them all (its read bytes say so), so every reply is lost
sub rchar { (slurp("/proc/$redis->{pid}/io") // '') =~ /^rchar: (\d+)/m; $1 // 0 }

$redis->cmd('DEL', @queues);
wait_worker_conns($redis, 1) or BAIL_OUT('worker not reconnected');
$redis->cmd('CLIENT', 'PAUSE', 30000, 'ALL');
my $r0 = rchar();
@a = burst('p', sub {
    wait_until(sub { rchar() - $r0 >= $n * length($tpl) * @queues }, 20,
               'the groups in Redis');
    $redis->kill9;
});
is(scalar(grep { $_->[0] eq '200' && $_->[2] } @a), $n,
   'sent, unanswered, connection lost: all spooled');
none_lost('sent then killed', @a);

done_testing();
