package ZtTest;

# The zoomtrack test harness: every test file starts its own redis-server and
# nginx (loading build/ngx_http_zoomtrack_module.so) on free loopback ports in
# a private temp dir, so the suite can run twice at once.  Waits poll with a
# deadline, never sleep for a fixed time.
#
# Modes (environment):
#   ZT_BUILD=build/asan  use that build dir (module .so, zoomtrack binary)
#   ZT_SANITIZE=1        LD_PRELOAD libasan into nginx (ASan+UBSan build)
#   ZT_VALGRIND=1        nginx single-process and zoomtrack under memcheck;
#                        a test fails if valgrind reports an error

use strict;
use warnings;

use Cwd qw(abs_path);
use Digest::SHA qw(hmac_sha256_hex);
use Exporter qw(import);
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Test::More;
use Time::HiRes qw(time sleep);

our @EXPORT = qw(free_port wait_until sign_zoom zoom_headers post_webhook
    start_redis start_nginx nginx_test payload payload_path top_dir
    build_dir zoomtrack_bin run_zoomtrack slurp spit json_decode_ok
    tmp_dir http);

my $TOP = abs_path(dirname(__FILE__) . '/../..');
my $JSON = JSON::PP->new->canonical;
my @CLEANUP;

sub top_dir   { $TOP }
sub build_dir { my $b = $ENV{ZT_BUILD} || 'build'; $b =~ m{^/} ? $b : "$TOP/$b" }
sub zoomtrack_bin { build_dir() . '/zoomtrack' }
sub payload_path  { "$TOP/t/data/payloads/$_[0].json" }

sub slurp {
    my ($f) = @_;
    open(my $fh, '<:raw', $f) or return undef;
    local $/;
    my $d = <$fh>;
    close $fh;
    return $d;
}

sub spit {
    my ($f, $data) = @_;
    make_path(dirname($f));
    open(my $fh, '>:raw', $f) or die "cannot write $f: $!";
    print $fh $data;
    close $fh;
}

# the exact bytes of a documented example payload
sub payload { slurp(payload_path($_[0])) // die "no payload $_[0]" }

sub json_decode_ok { my $d = eval { decode_json($_[0]) }; return $d }

my $TMP;
sub tmp_dir {
    $TMP //= tempdir('zt-test-XXXXXX', TMPDIR => 1,
                     CLEANUP => !$ENV{ZT_KEEP});
    return $TMP;
}

# sanitized zoomtrack binaries write their reports (leaks included) where the
# END block below looks for them
if ($ENV{ZT_SANITIZE}) {
    $ENV{ASAN_OPTIONS} = 'abort_on_error=1:log_path=' . tmp_dir() . '/asan';
    $ENV{UBSAN_OPTIONS} = 'print_stacktrace=1:halt_on_error=1:log_path='
        . tmp_dir() . '/ubsan';
}

# a port nobody listens on now; bind to 0 and let the kernel choose
sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'tcp', Listen => 1, ReuseAddr => 1)
        or die "free_port: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

# polls $cb every 20 ms until it returns true or $timeout seconds pass
sub wait_until {
    my ($cb, $timeout, $what) = @_;
    $timeout //= 10;
    my $deadline = time + $timeout;
    while (time < $deadline) {
        my $r = $cb->();
        return $r if $r;
        sleep 0.02;
    }
    diag("timed out after ${timeout}s waiting for " . ($what // 'condition'));
    return 0;
}

sub port_open {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 1);
    return 0 unless $s;
    close $s;
    return 1;
}

sub sign_zoom {
    my ($secret, $ts, $body) = @_;
    return 'v0=' . hmac_sha256_hex("v0:$ts:$body", $secret);
}

sub zoom_headers {
    my ($secret, $body, %o) = @_;
    my $ts = $o{ts} // int(time);
    return {
        'content-type'           => 'application/json; charset=utf-8',
        'user-agent'             => 'Zoom Marketplace/1.0a',
        'x-zm-request-timestamp' => $ts,
        'x-zm-signature'         => sign_zoom($secret, $ts, $body),
    };
}

sub http { HTTP::Tiny->new(timeout => $_[0] // 10, keep_alive => 0) }

# POSTs a signed body; returns HTTP::Tiny's response hash
sub post_webhook {
    my ($url, $secret, $body, %o) = @_;
    my $h = zoom_headers($secret, $body, %o);
    $h = { %$h, %{ $o{headers} } } if $o{headers};
    delete $h->{$_} for @{ $o{drop} || [] };
    return http($o{timeout})->request($o{method} // 'POST', $url,
                                      { headers => $h, content => $body });
}

# ---------------------------------------------------------------- processes

sub spawn {
    my (%o) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        if ($o{log}) {
            open(STDOUT, '>>', $o{log});
            open(STDERR, '>&', \*STDOUT);
        }
        $ENV{$_} = $o{env}{$_} for keys %{ $o{env} || {} };
        exec(@{ $o{cmd} }) or POSIX::_exit(127);
    }
    return $pid;
}

# waits for $pid; after $timeout seconds kills it, or with $nokill returns
# undef and leaves it running
sub reap {
    my ($pid, $timeout, $nokill) = @_;
    my $deadline = time + ($timeout // 20);
    while (time < $deadline) {
        my $r = waitpid($pid, WNOHANG);
        return $? if $r == $pid;
        return -1 if $r < 0;
        sleep 0.02;
    }
    return undef if $nokill;
    kill 'KILL', $pid;
    waitpid($pid, 0);
    return $?;
}

END {
    my $status = $?;
    {
        local $?;
        $_->() for reverse @CLEANUP;
    }

    # a sanitizer report anywhere in this test's run fails the file, even
    # when it came from a worker that nginx quietly respawned
    if ($ENV{ZT_SANITIZE} && defined $TMP) {
        my @rep = (glob("$TMP/asan*"), glob("$TMP/ubsan*"));
        if (@rep) {
            Test::More::diag("sanitizer report $_:\n" . (slurp($_) // ''))
                for @rep;
            $status ||= 99;
        }
    }
    $? = $status;
}

# ------------------------------------------------------------------- redis

package ZtTest::Redis;

use Time::HiRes qw(time sleep);

sub new {
    my ($class, %o) = @_;
    my $self = bless { port => $o{port} // ZtTest::free_port(),
                       dir => ZtTest::tmp_dir() . "/redis-" . ++$ZtTest::N,
                       args => $o{args} || [],
                       password => $o{password} }, $class;
    push @{ $self->{args} }, '--requirepass', $o{password}
        if defined $o{password};
    File::Path::make_path($self->{dir});
    push @CLEANUP, sub { $self->stop };
    $self->start;
    return $self;
}

sub start {
    my ($self) = @_;
    $self->{pid} = ZtTest::spawn(
        cmd => ['redis-server', '--bind', '127.0.0.1', '--port', $self->{port},
                '--save', '', '--appendonly', 'no', '--dir', $self->{dir},
                '--daemonize', 'no', @{ $self->{args} }],
        log => "$self->{dir}/redis.log");
    ZtTest::wait_until(sub { $self->ping }, 10, "redis on $self->{port}")
        or die "redis-server did not start: " . ZtTest::slurp("$self->{dir}/redis.log");
    return $self;
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    kill 'TERM', $self->{pid};
    ZtTest::reap($self->{pid});
    delete $self->{pid};
    delete $self->{conn};
}

sub kill9 {
    my ($self) = @_;
    kill 'KILL', $self->{pid};
    ZtTest::reap($self->{pid});
    delete $self->{pid};
    delete $self->{conn};
}

sub port { $_[0]{port} }
sub address { "127.0.0.1:$_[0]{port}" }

sub ping {
    my ($self) = @_;
    my $r = eval { $self->cmd('PING') };
    return defined $r && $r eq 'PONG';
}

# one command over a fresh connection to stay robust across restarts
# (after AUTH when started with password => ...); returns the reply (array
# ref for multi-bulk) or dies
sub cmd {
    my ($self, @args) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $self->{port}, Timeout => 5)
        or die "redis connect: $!";
    if (defined $self->{password}) {
        print $s "*2\r\n\$4\r\nAUTH\r\n\$" . length($self->{password})
            . "\r\n$self->{password}\r\n";
        _read_reply($s);
    }
    my $req = '*' . @args . "\r\n";
    $req .= '$' . length($_) . "\r\n$_\r\n" for @args;
    print $s $req;
    my $r = _read_reply($s);
    close $s;
    return $r;
}

sub _read_reply {
    my ($s) = @_;
    my $line = <$s> // die "redis: connection closed";
    $line =~ s/\r\n$//;
    my ($t, $rest) = (substr($line, 0, 1), substr($line, 1));
    return $rest if $t eq '+';
    die "redis: $rest\n" if $t eq '-';
    return $rest + 0 if $t eq ':';
    if ($t eq '$') {
        return undef if $rest < 0;
        my $buf = '';
        while (length($buf) < $rest + 2) {
            my $n = read($s, $buf, $rest + 2 - length($buf), length($buf));
            die "redis: short read" unless $n;
        }
        return substr($buf, 0, $rest);
    }
    if ($t eq '*') {
        return undef if $rest < 0;
        return [ map { _read_reply($s) } 1 .. $rest ];
    }
    die "redis: bad reply $line";
}

sub llen   { $_[0]->cmd('LLEN', $_[1]) }
sub lrange { $_[0]->cmd('LRANGE', $_[1], 0, -1) }

# ------------------------------------------------------------------- nginx

package ZtTest::Nginx;

use Time::HiRes qw(time sleep);

# %o: conf (the http{} body; __PORT__ is replaced), main (main context
# lines), workers (default 2), port
sub new {
    my ($class, %o) = @_;
    my $self = bless { %o }, $class;
    $self->{port} //= ZtTest::free_port();
    $self->{prefix} = ZtTest::tmp_dir() . "/nginx-" . ++$ZtTest::N;
    File::Path::make_path(map { "$self->{prefix}/$_" }
        qw(conf logs modules tmp/body tmp/proxy tmp/fastcgi tmp/uwsgi tmp/scgi));
    $self->write_conf;
    push @CLEANUP, sub { $self->stop };
    $self->start unless $o{no_start};
    return $self;
}

sub valgrind { $ENV{ZT_VALGRIND} }

sub write_conf {
    my ($self) = @_;
    my $so = ZtTest::build_dir() . '/ngx_http_zoomtrack_module.so';
    die "$so not built (make)" unless -f $so;
    my $workers = $self->{workers} // 2;
    my $single = valgrind() ? "master_process off;\ndaemon off;\n"
                            : "daemon off;\n";
    my $user = $> == 0 ? "user root root;\n" : '';
    my $main = $self->{main} // '';
    my $body = $self->{conf} // '';
    $body =~ s/__PORT__/$self->{port}/g;
    my $conf = <<"CONF";
load_module $so;
$single${user}worker_processes $workers;
pid logs/nginx.pid;
error_log logs/error.log info;
$main
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
$body
}
CONF
    ZtTest::spit("$self->{prefix}/conf/nginx.conf", $conf);
}

sub cmdline {
    my ($self, @extra) = @_;
    my @cmd = ('/usr/sbin/nginx', '-p', "$self->{prefix}/",
               '-c', 'conf/nginx.conf', @extra);
    if (valgrind()) {
        unshift @cmd, 'valgrind', '--leak-check=full',
            '--errors-for-leak-kinds=definite', '--error-exitcode=99',
            "--suppressions=" . ZtTest::top_dir() . "/t/valgrind.supp",
            "--log-file=$self->{prefix}/logs/valgrind.log";
    }
    return @cmd;
}

sub env {
    my %e;
    if ($ENV{ZT_SANITIZE}) {
        chomp(my $asan = `gcc -print-file-name=libasan.so`);
        $e{LD_PRELOAD} = $asan;
        $e{ASAN_OPTIONS} = 'detect_leaks=0:abort_on_error=1:log_path='
            . ZtTest::tmp_dir() . '/asan';
        $e{UBSAN_OPTIONS} = 'print_stacktrace=1:halt_on_error=1:log_path='
            . ZtTest::tmp_dir() . '/ubsan';
    }
    return \%e;
}

sub start {
    my ($self) = @_;
    $self->{pid} = ZtTest::spawn(cmd => [ $self->cmdline ], env => env(),
                                 log => "$self->{prefix}/logs/stderr.log");
    my $ok = ZtTest::wait_until(sub {
        return 0 unless ZtTest::port_open($self->{port});
        return 1;
    }, valgrind() ? 60 : 15, "nginx on port $self->{port}");
    die "nginx did not start:\n" . $self->error_log
        . ZtTest::slurp("$self->{prefix}/logs/stderr.log") unless $ok;
    return $self;
}

# graceful stop; returns the exit status (valgrind's verdict in valgrind mode)
sub stop {
    my ($self) = @_;
    return 0 unless $self->{pid};
    my $st;
    if (valgrind()) {
        # single-process nginx looks at its quit flag only when epoll_wait
        # returns: a QUIT that lands just before an idle wait is not seen
        # until the next event, so it is repeated until nginx is gone
        for (1 .. 24) {
            kill 'QUIT', $self->{pid};
            $st = ZtTest::reap($self->{pid}, 5, 'no kill');
            last if defined $st;
        }
        $st //= ZtTest::reap($self->{pid}, 1);
    } else {
        kill 'QUIT', $self->{pid};
        $st = ZtTest::reap($self->{pid}, 20);
    }
    delete $self->{pid};
    if (valgrind() && $st != 0) {
        Test::More::diag(ZtTest::slurp("$self->{prefix}/logs/valgrind.log"));
        Test::More::fail("valgrind clean (exit $st)");
    }
    return $st;
}

sub reload {
    my ($self) = @_;
    $self->write_conf;
    kill 'HUP', $self->{pid};
}

sub port   { $_[0]{port} }
sub url    { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '') }
sub prefix { $_[0]{prefix} }
sub error_log { ZtTest::slurp("$_[0]{prefix}/logs/error.log") // '' }

# ---------------------------------------------------------------- exports

package ZtTest;

our $N = 0;

sub start_redis { ZtTest::Redis->new(@_) }
sub start_nginx { ZtTest::Nginx->new(@_) }

# runs `nginx -t` on a conf; returns ($exit_status, $output)
sub nginx_test {
    my (%o) = @_;
    my $ng = ZtTest::Nginx->new(%o, no_start => 1);
    my @cmd = ('/usr/sbin/nginx', '-p', $ng->prefix . '/', '-c',
               'conf/nginx.conf', '-t');
    # an ASan build of the module needs the runtime preloaded here too
    local %ENV = (%ENV, %{ ZtTest::Nginx::env() });
    my $out = `@cmd 2>&1`;
    return ($? >> 8, $out);
}

# memcheck for the zoomtrack binary, which allocates with jemalloc (see
# the Makefile): the synonym makes valgrind replace jemalloc's malloc and
# free as it does glibc's, so leaks and bad frees are still seen
sub valgrind_zoomtrack {
    return ('valgrind', '-q', '--fair-sched=yes', '--leak-check=full',
            '--errors-for-leak-kinds=definite', '--error-exitcode=99',
            '--soname-synonyms=somalloc=*jemalloc*');
}

# runs build/zoomtrack with @args; returns ($exit, $stdout, $stderr).
# %o: env (hash), stdin (string), timeout
sub run_zoomtrack {
    my ($args, %o) = @_;
    my $dir = tmp_dir();
    my $n = ++$N;
    my @cmd = (zoomtrack_bin(), @$args);
    unshift @cmd, split(' ', $o{wrap}) if $o{wrap};
    if ($ENV{ZT_VALGRIND}) {
        unshift @cmd, valgrind_zoomtrack();
    }
    my $pid = fork // die;
    if ($pid == 0) {
        open(STDIN, '<', '/dev/null');
        open(STDOUT, '>', "$dir/zt.$n.out");
        open(STDERR, '>', "$dir/zt.$n.err");
        $ENV{$_} = $o{env}{$_} for keys %{ $o{env} || {} };
        exec(@cmd) or POSIX::_exit(127);
    }
    my $st = reap($pid, $o{timeout} // 120);
    return ($st >> 8, slurp("$dir/zt.$n.out"), slurp("$dir/zt.$n.err"));
}

1;
