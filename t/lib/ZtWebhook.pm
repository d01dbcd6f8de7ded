package ZtWebhook;

# Helpers shared by the nginx-facing tests (t/0*.t): a standard webhook
# configuration, signed posts and reading the records back from Redis.
# Built on ZtTest; nothing here changes ZtTest's behaviour.

use strict;
use warnings;

use Exporter qw(import);
use JSON::PP;
use Test::More;
use ZtTest;

our @EXPORT = qw(SECRET SECRET2 webhook_conf setup records_of
    error_log_clean post_signed redis_conf worker_conns wait_worker_conns);

use constant SECRET  => 'zt-test-secret-token-1';
use constant SECRET2 => 'zt-test-secret-token-2-rotated';

my $N = 0;

# writes a secret file (one secret per line) and returns its path
sub secret_file {
    my (@secrets) = @_;
    my $f = tmp_dir() . "/secrets-" . ++$N;
    spit($f, join("\n", @secrets) . "\n");
    chmod 0600, $f;     # as deployed: a looser mode draws a warning
    return $f;
}

# the http{} body of a standard configuration.  %o: redis (address),
# queues (array ref), secrets (array ref), extra (http-level lines),
# locations (extra server-level text), timeout, max_skew, spool
sub webhook_conf {
    my (%o) = @_;
    my $secrets = secret_file(@{ $o{secrets} || [SECRET] });
    my $queues = join(' ', @{ $o{queues} || ['zt:a', 'zt:b'] });
    my $lines = '';
    # valgrind makes the first requests slow: no spurious reply timeouts
    $o{timeout} //= '10s' if $ENV{ZT_VALGRIND};
    $lines .= "    zoomtrack_redis $o{redis};\n" if $o{redis};
    $lines .= "    zoomtrack_redis_timeout $o{timeout};\n" if $o{timeout};
    $lines .= "    zoomtrack_max_skew $o{max_skew};\n" if $o{max_skew};
    $lines .= "    zoomtrack_spool $o{spool};\n" if $o{spool};
    $lines .= $o{extra} // '';
    my $locs = $o{locations} // '';
    return <<"CONF";
    client_body_buffer_size 16k;
    client_max_body_size 1m;
    zoomtrack_secret_file $secrets;
    zoomtrack_queue $queues;
$lines
    server {
        listen 127.0.0.1:__PORT__;
        location = /webhook { zoomtrack_webhook; }
        location = /status { zoomtrack_status; }
        location = /ok { return 204; }
$locs
    }
CONF
}

# starts redis (unless given) and nginx; returns ($redis, $nginx)
sub setup {
    my (%o) = @_;
    my $redis = $o{redis_obj} // start_redis(args => $o{redis_args} || []);
    my $ng = start_nginx(
        conf => webhook_conf(redis => $redis->address, %o),
        workers => $o{workers} // 2,
        main => $o{main});
    return ($redis, $ng);
}

# every record of a list, oldest first (consumers pop from the right)
sub records_of {
    my ($redis, $queue) = @_;
    my $l = $redis->lrange($queue) || [];
    return [ map { decode_json($_) } reverse @$l ];
}

sub post_signed {
    my ($ng, $body, %o) = @_;
    return post_webhook($ng->url($o{path} // '/webhook'),
                        $o{secret} // SECRET, $body, %o);
}

# the ids of the clients connected to redis other than the asking one
# (nginx workers hold one connection each per server), sorted
sub worker_conns {
    my ($redis) = @_;
    my $list = eval { $redis->cmd('CLIENT', 'LIST') } // '';
    return [ sort { $a <=> $b }
             map { /\bid=(\d+)/ ? $1 : () }
             grep { !/ cmd=client\|list / } split /\n/, $list ];
}

# waits until $n workers hold a connection (every worker out of its
# reconnect backoff; one under valgrind, where nginx is a single process);
# returns their connection ids, or undef on timeout
sub wait_worker_conns {
    my ($redis, $n, $secs) = @_;
    my $ids;
    $n = 1 if $ENV{ZT_VALGRIND};    # nginx runs as one process then
    wait_until(sub { $ids = worker_conns($redis); @$ids == $n },
               $secs // 15, "$n worker connections to redis")
        or return undef;
    return $ids;
}

# no [error] (or worse) lines and never a secret in error.log
sub error_log_clean {
    my ($ng, $name) = @_;
    my $log = $ng->error_log;
    my @bad = grep { /\[(error|crit|alert|emerg)\]/ } split /\n/, $log;
    ok(!@bad, "$name: no [error] in error.log") or diag(join("\n", @bad));
    ok(index($log, SECRET) < 0 && index($log, SECRET2) < 0,
       "$name: no secret in error.log");
    if ($ENV{ZT_SANITIZE}) {
        my @rep = (glob(tmp_dir() . '/asan*'), glob(tmp_dir() . '/ubsan*'));
        ok(!@rep, "$name: no sanitizer report")
            or diag(join '', map { slurp($_) } @rep);
    }
}

1;
