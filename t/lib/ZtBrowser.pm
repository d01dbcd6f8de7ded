package ZtBrowser;

# Headless Debian chromium driven over the DevTools protocol, from Perl,
# with no npm package and no WebSocket: `--remote-debugging-pipe` makes
# chromium read commands from its fd 3 and write answers and events to its
# fd 4, one JSON message per NUL-terminated frame.  Enough for the board
# tests: open a page, evaluate JavaScript (awaiting promises), watch for
# dialogs and console errors, set the viewport, save screenshots.
#
#   my $b = ZtBrowser->new;               # dies when chromium is missing
#   $b->visit('http://127.0.0.1:8080/');
#   my $n = $b->eval('document.querySelectorAll("li").length');
#   $b->screenshot('build/artifacts/board.png', full => 1);
#   $b->dialogs;                          # alert()/confirm() texts seen

use strict;
use warnings;

use File::Path qw(make_path);
use File::Basename qw(dirname);
use IO::Handle;
use IO::Select;
use JSON::PP;
use MIME::Base64 qw(decode_base64);
use POSIX ();
use Time::HiRes qw(time);

# loaded before this file's END block is compiled: END blocks run last
# compiled, first run, so ours (quit every browser) now runs before
# ZtTest's and File::Temp's (which removes the temp dir holding the
# profile), even in a test that says `use ZtBrowser` before `use ZtTest`
use ZtTest ();

my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;
my @OPEN;

END { local $?; $_->quit for @OPEN }

sub chromium_path {
    for my $c ($ENV{ZT_CHROMIUM}, '/usr/bin/chromium',
               '/usr/bin/chromium-browser')
    {
        return $c if defined $c && -x $c;
    }
    return undef;
}

# %o: width, height (viewport, CSS px), dir (profile; a temp dir by default)
sub new {
    my ($class, %o) = @_;
    my $exe = chromium_path() or die "chromium not installed "
        . "(apt-get install chromium, or scripts/install-deps)\n";
    my $dir = $o{dir} // ZtTest::tmp_dir() . '/chromium-' . ++$ZtTest::N;
    make_path($dir);

    pipe(my $cmd_r, my $cmd_w) or die "pipe: $!";
    pipe(my $ev_r, my $ev_w) or die "pipe: $!";

    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        # the child's fd 3 reads our commands, fd 4 carries its answers
        my ($r, $w) = (fileno($cmd_r), fileno($ev_w));
        # its own process group: chromium's helpers (zygotes, renderers,
        # the network service) outlive the browser process by up to a
        # second under load and keep writing into the profile, so quit()
        # waits for the whole group, not just the browser
        POSIX::setpgid(0, 0);
        my $r3 = POSIX::dup($r);
        my $w4 = POSIX::dup($w);
        POSIX::dup2($r3, 3) or POSIX::_exit(126);
        POSIX::dup2($w4, 4) or POSIX::_exit(126);
        CORE::open(STDOUT, '>>', "$dir/chromium.log");
        CORE::open(STDERR, '>&', \*STDOUT);
        # root (containers, CI) needs --no-sandbox
        exec($exe, '--headless=new', '--remote-debugging-pipe',
             '--no-sandbox', '--disable-gpu', '--no-first-run',
             '--no-default-browser-check', '--disable-extensions',
             '--disable-background-networking', '--disable-sync',
             '--hide-scrollbars', '--mute-audio', '--lang=en-US',
             "--user-data-dir=$dir/profile", 'about:blank')
            or POSIX::_exit(127);
    }
    POSIX::setpgid($pid, $pid);    # as the child does: no race with quit()
    CORE::close($cmd_r);
    CORE::close($ev_w);
    $cmd_w->autoflush(1);

    my $self = bless { pid => $pid, w => $cmd_w, r => $ev_r, buf => '',
                       id => 0, events => [], dialogs => [],
                       errors => [], dir => $dir }, $class;
    push @OPEN, $self;

    my $t = $self->send('Target.createTarget', { url => 'about:blank' });
    my $a = $self->send('Target.attachToTarget',
                        { targetId => $t->{targetId}, flatten => JSON::PP::true });
    $self->{session} = $a->{sessionId};
    $self->cmd('Page.enable');
    $self->cmd('Runtime.enable');
    $self->viewport($o{width} // 1280, $o{height} // 900);
    return $self;
}

sub _write {
    my ($self, $msg) = @_;
    my $data = $JSON->encode($msg) . "\0";
    local $SIG{PIPE} = 'IGNORE';
    print { $self->{w} } $data or die "chromium gone: $!";
}

# next message within $timeout seconds, or undef
sub _read {
    my ($self, $timeout) = @_;
    my $deadline = time + $timeout;
    my $sel = IO::Select->new($self->{r});
    while (1) {
        my $i = index($self->{buf}, "\0");
        if ($i >= 0) {
            my $m = substr($self->{buf}, 0, $i);
            substr($self->{buf}, 0, $i + 1) = '';
            return $JSON->decode($m);
        }
        my $left = $deadline - time;
        return undef if $left <= 0;
        next unless $sel->can_read($left);
        my $n = sysread($self->{r}, $self->{buf}, 1 << 20,
                        length $self->{buf});
        die "chromium closed its DevTools pipe (see "
            . "$self->{dir}/chromium.log)\n" unless $n;
    }
}

sub _event {
    my ($self, $m) = @_;
    my $p = $m->{params} // {};
    if ($m->{method} eq 'Page.javascriptDialogOpening') {
        push @{ $self->{dialogs} }, $p->{message};
        # answer it, or the page hangs
        $self->_write({ id => ++$self->{id}, sessionId => $self->{session},
                        method => 'Page.handleJavaScriptDialog',
                        params => { accept => JSON::PP::true } });
    } elsif ($m->{method} eq 'Runtime.exceptionThrown') {
        push @{ $self->{errors} },
            $p->{exceptionDetails}{exception}{description}
            // $p->{exceptionDetails}{text};
    }
    push @{ $self->{events} }, $m;
    splice(@{ $self->{events} }, 0, 100) if @{ $self->{events} } > 500;
}

# a browser-level command; returns its result or dies with its error
sub send {
    my ($self, $method, $params, $session, $timeout) = @_;
    my $id = ++$self->{id};
    my $msg = { id => $id, method => $method, params => $params // {} };
    $msg->{sessionId} = $session if $session;
    $self->_write($msg);
    my $deadline = time + ($timeout // 30);
    while (1) {
        my $m = $self->_read($deadline - time)
            // die "chromium: no answer to $method\n";
        if (defined $m->{id} && $m->{id} == $id) {
            die "chromium: $method: $m->{error}{message}\n" if $m->{error};
            return $m->{result};
        }
        $self->_event($m) if $m->{method};
    }
}

# a command to the page
sub cmd { my ($self, $m, $p, $t) = @_; $self->send($m, $p, $self->{session}, $t) }

# handles events that arrived meanwhile (dialogs, exceptions)
sub pump {
    my ($self, $timeout) = @_;
    while (defined(my $m = $self->_read($timeout // 0))) {
        $self->_event($m) if $m->{method};
    }
}

sub viewport {
    my ($self, $w, $h, $mobile) = @_;
    $self->cmd('Emulation.setDeviceMetricsOverride',
               { width => 0 + $w, height => 0 + $h, deviceScaleFactor => 1,
                 mobile => $mobile ? JSON::PP::true : JSON::PP::false });
}

# navigates and waits for the load event
sub visit {
    my ($self, $url) = @_;
    @{ $self->{events} } = ();
    my $r = $self->cmd('Page.navigate', { url => $url });
    die "chromium: cannot open $url: $r->{errorText}\n" if $r->{errorText};
    my $deadline = time + 30;
    while (time < $deadline) {
        return 1 if grep { $_->{method} eq 'Page.loadEventFired' }
                        @{ $self->{events} };
        my $m = $self->_read(0.5);
        $self->_event($m) if $m && $m->{method};
    }
    die "chromium: $url did not load in 30 s\n";
}

# the value of a JavaScript expression (promises awaited); dies on a throw
sub eval {
    my ($self, $js) = @_;
    my $r = $self->cmd('Runtime.evaluate',
                       { expression => $js, returnByValue => JSON::PP::true,
                         awaitPromise => JSON::PP::true });
    if ($r->{exceptionDetails}) {
        my $e = $r->{exceptionDetails};
        die "page: " . ($e->{exception}{description} // $e->{text}) . "\n";
    }
    return $r->{result}{value};
}

# polls a JavaScript condition until it is truthy or $timeout s pass
sub wait_for {
    my ($self, $js, $timeout, $what) = @_;
    my $deadline = time + ($timeout // 10);
    while (time < $deadline) {
        my $v = eval { $self->eval($js) };
        return $v if $v;
        $self->pump(0.1);
    }
    Test::More::diag("browser: timed out waiting for " . ($what // $js));
    return 0;
}

# PNG of the viewport, or of the whole page with full => 1
sub screenshot {
    my ($self, $file, %o) = @_;
    my %p = (format => 'png');
    if ($o{full}) {
        my $m = $self->cmd('Page.getLayoutMetrics');
        my $c = $m->{cssContentSize} // $m->{contentSize};
        $p{captureBeyondViewport} = JSON::PP::true;
        $p{clip} = { x => 0, y => 0, width => $c->{width},
                     height => $c->{height}, scale => 1 };
    }
    my $r = $self->cmd('Page.captureScreenshot', \%p, 60);
    make_path(dirname($file));
    CORE::open(my $fh, '>:raw', $file) or die "cannot write $file: $!";
    print $fh decode_base64($r->{data});
    CORE::close($fh);
    return $file;
}

sub dialogs { $_[0]->pump(0); @{ $_[0]{dialogs} } }
sub errors  { $_[0]->pump(0); @{ $_[0]{errors} } }

sub quit {
    my ($self) = @_;
    return unless $self->{pid};
    my $pgid = $self->{pid};
    eval { $self->send('Browser.close', {}, undef, 5) };
    CORE::close($self->{w});
    ZtTest::reap($self->{pid}, 10);
    delete $self->{pid};

    # the helpers notice the browser is gone on their own; the temp dir's
    # removal must not race their last writes (the profile's cache index)
    ZtTest::wait_until(sub { !_group_alive($pgid) }, 10, 'chromium helpers')
        and return;
    kill 'KILL', -$pgid;
    ZtTest::wait_until(sub { !_group_alive($pgid) }, 5,
                       'chromium helpers, killed');
}

# whether a process of group $pgid still runs; zombies do not count (an
# init that reaps orphans slowly, or never, must not hold quit() up)
sub _group_alive {
    my ($pgid) = @_;
    for my $stat (glob('/proc/[0-9]*/stat')) {
        my $s = ZtTest::slurp($stat) // next;
        # pid (comm) state ppid pgrp ...; comm may hold spaces and ')'
        my ($state, $pgrp) = $s =~ /^\d+ \(.*\) (\S) \d+ (\d+) /s or next;
        return 1 if $pgrp == $pgid && $state ne 'Z';
    }
    return 0;
}

1;
