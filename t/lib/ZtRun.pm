package ZtRun;

# Runs scripts/run (what `make run` starts) the way a newcomer does: from a
# checkout in a private directory.  private_checkout() copies what the
# script needs (scripts/run, conf/, web/ and the built binaries) into a
# 0700 directory under the test's temp dir, like a clone in root's home or
# a Debian user's 0700 home, so a stack whose nginx workers cannot reach
# the checkout fails here whatever the real checkout's permissions are.

use strict;
use warnings;

use Exporter qw(import);
use File::Basename ();
use File::Path qw(make_path);
use File::Temp ();
use POSIX ();
use Test::More;
use ZtTest;

our @EXPORT = qw(private_checkout start_run stop_run drain_pids);

# the tests chdir into the checkout; leave it so the temp dir can go
END { chdir '/' }

# %o: user => NAME gives the copy to that user, in a 0700 home of its own
# outside the test's (root-only) temp dir, as a Debian user's home is
sub private_checkout {
    my (%o) = @_;
    my $top = top_dir();
    my $home = tmp_dir() . '/home';
    if ($o{user}) {
        $home = File::Temp::tempdir('zt-home-XXXXXX', TMPDIR => 1,
                                    CLEANUP => !$ENV{ZT_KEEP});
    }
    my $co = "$home/zoomtrack";
    make_path("$co/build", "$co/scripts");
    chmod 0700, $home or die "chmod: $!";
    system('cp', '-a', "$top/scripts/run", "$co/scripts/") == 0 or die;
    for my $d (qw(conf web)) {
        next unless -d "$top/$d";
        system('cp', '-a', "$top/$d", "$co/") == 0 or die;
    }
    for my $f (qw(zoomtrack ngx_http_zoomtrack_module.so)) {
        system('cp', '-a', build_dir() . "/$f", "$co/build/") == 0 or die;
    }
    if ($o{user}) {
        system('chown', '-R', "$o{user}:", $home) == 0 or die 'chown';
    }
    return $co;
}

# starts bash scripts/run in $co with %env (RUN_AS => user: as that
# user, through setpriv); returns (pid, log file)
sub start_run {
    my ($co, %env) = @_;
    my $as = delete $env{RUN_AS};
    my $log = tmp_dir() . '/run-' . ++$ZtTest::N . '.log';
    my $pid = fork // die;
    if ($pid == 0) {
        open(STDOUT, '>', $log);
        open(STDERR, '>&', \*STDOUT);
        chdir $co;
        $ENV{$_} = $env{$_} for keys %env;
        my @cmd = ('bash', "$co/scripts/run");
        if ($as) {
            my @pw = getpwnam($as) or POSIX::_exit(126);
            $ENV{HOME} = (File::Basename::dirname($co));
            unshift @cmd, 'setpriv', "--reuid=$pw[2]", "--regid=$pw[3]",
                '--clear-groups';
        }
        exec(@cmd) or POSIX::_exit(127);
    }
    return ($pid, $log);
}

# what Ctrl-C does; returns the exit status
sub stop_run {
    my ($pid) = @_;
    kill 'TERM', $pid;
    return ZtTest::reap($pid, 30);
}

# pids of the drainers reading $conf ([d] keeps pgrep from matching the
# shell that runs it)
sub drain_pids {
    my ($conf) = @_;
    my @p = split /\s+/, `pgrep -f '[d]rain -c $conf'`;
    return grep { length } @p;
}

1;
