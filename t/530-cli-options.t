#!/usr/bin/perl

# Usage errors name the flag (README: "a message that names the offending
# key or flag"): an unknown option of attendance, prune, forget, report,
# reconcile; an option missing its value; `config` with an option it does
# not take.  All exit 2, before reading any configuration.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;

BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $tmp = tmp_dir();
my %env = (ZOOMTRACK_DATA_DIR => "$tmp/data");

sub zt { run_zoomtrack([@_], env => \%env) }

for my $cmd (qw(attendance prune forget report reconcile)) {
    my ($rc, $out, $err) = zt($cmd, '--bogus');
    is($rc, 2, "$cmd --bogus: exit 2");
    like($err, qr/^zoomtrack $cmd: unknown option "--bogus"$/m,
         "$cmd --bogus: names the flag") or diag($err);
}

my ($rc, $out, $err) = zt('prune', '-nx');
is($rc, 2, 'prune -nx: exit 2');
like($err, qr/unknown option "-x"/, 'prune -nx: names the letter');

($rc, $out, $err) = zt('report', '--date', '2026-02-03', '--meeting');
is($rc, 2, 'report --meeting without a value: exit 2');
like($err, qr/^zoomtrack report: option "--meeting" needs a value$/m,
     'report --meeting: says the value is missing') or diag($err);

($rc, $out, $err) = zt('attendance', '--from', '2026-02-03', '--to');
is($rc, 2, 'attendance --to without a value: exit 2');
like($err, qr/option "--to" needs a value/, 'attendance --to: says so');

($rc, $out, $err) = zt('forget', '-c');
is($rc, 2, 'forget -c without a value: exit 2');
like($err, qr/option "-c" needs a value/, 'forget -c: says so');

# the commands that read their arguments by hand say the same
for my $c (qw(drain status setup check backfill simulate)) {
    ($rc, $out, $err) = zt($c, '-c');
    is($rc, 2, "$c -c without a value: exit 2");
    like($err, qr/^zoomtrack $c: option "-c" needs a value$/m,
         "$c -c: says the value is missing") or diag($err);
    ($rc, $out, $err) = zt($c, '--bogus');
    like($err, qr/^zoomtrack $c: unknown option "--bogus"$/m,
         "$c --bogus: names the flag") or diag($err);
}
# --config is -c in every command that takes a config file
for my $c (qw(drain status setup check backfill simulate report camera
              prune forget attendance reconcile)) {
    ($rc, $out, $err) = zt($c, '--config');
    is($rc, 2, "$c --config without a value: exit 2");
    like($err, qr/^zoomtrack $c: option "--config" needs a value$/m,
         "$c --config: says the value is missing") or diag($err);
}
for my $c (['drain', '--once'], ['status'], ['setup'], ['check'],
           ['backfill', '--from', 'sqlite', '--to', 'bigquery'],
           ['report', '--date', '2026-02-03']) {
    ($rc, $out, $err) = zt(@$c, '--config', "$tmp/none.conf");
    like($out . $err, qr/cannot read config file "\Q$tmp\E\/none\.conf"/,
         "$c->[0] --config FILE: reads that file") or diag($out, $err);
}
($rc, $out, $err) = zt('backfill', '--from');
like($err, qr/option "--from" needs a value/, 'backfill --from: says so');
($rc, $out, $err) = zt('simulate', '--url');
like($err, qr/option "--url" needs a value/, 'simulate --url: says so');
($rc, $out, $err) = zt('drain', 'extra');
like($err, qr/^zoomtrack drain: unexpected argument "extra"$/m,
     'drain extra: an argument, not an option');

# a log_level typo would silence every line, errors included: each
# command that logs refuses it, naming the key and value, and check too
ZtTest::spit("$tmp/lv.conf", "log_level = verbose\n");
for my $c (['report', '--date', '2026-02-03'], ['camera', '--date', '2026-02-03'],
           ['prune', '--dry-run'], ['forget', '--email', 'x@example.org'],
           ['attendance', '--from', '2026-02-03', '--to', '2026-02-03'],
           ['reconcile', '--date', '2026-02-03'], ['drain', '--once']) {
    ($rc, $out, $err) = zt(@$c, '-c', "$tmp/lv.conf");
    is($rc, 2, "$c->[0] with log_level = verbose: exit 2");
    like($err, qr/^zoomtrack $c->[0]: log_level "verbose": use error, warn, info or debug$/m,
         "$c->[0]: names the key and value") or diag($err);
}
($rc, $out, $err) = zt('check', '-c', "$tmp/lv.conf");
is($rc, 2, 'check with log_level = verbose: exit 2');
like($out, qr/^config\s+FAILED\s+log_level "verbose"/m, 'check: says so')
    or diag($out, $err);

# a secret file that is a directory: said so, not "empty", no mode warning
{
    ($rc, $out, $err) = run_zoomtrack(['camera', '--date', '2026-02-03'],
        env => { %env, ZOOMTRACK_ZOOM_ACCOUNT_ID => 'a',
                 ZOOMTRACK_ZOOM_CLIENT_ID => 'b',
                 ZOOMTRACK_ZOOM_CLIENT_SECRET_FILE => $tmp });
    is($rc, 2, 'a directory as client_secret_file: exit 2');
    like($err, qr/cannot read zoom\.client_secret_file "\Q$tmp\E": Is a directory/,
         'says it is a directory') or diag($err);
    unlike($err, qr/is empty|chmod/, 'not "empty", no mode advice');
}

($rc, $out, $err) = zt('config', '--bogus');
is($rc, 2, 'config --bogus: exit 2');
like($err, qr/zoomtrack config: unknown option "--bogus"/,
     'config --bogus: names the flag');
is($out, '', 'config --bogus: no key list');

($rc, $out, $err) = zt('config');
is($rc, 0, 'config: exit 0');
like($out, qr/^configuration keys/, 'config: the keys');

ok(!-e "$tmp/data", 'none of it created anything');

# `check` refuses, by key, the values the drainer would refuse at start
for my $c ([ "timezone = Mars/Olympus\n", qr/timezone "Mars\/Olympus": not a time zone/ ],
           [ "[drain]\nbatch_size = abc\n", qr/drain\.batch_size "abc" must be 1\.\.100000/ ],
           [ "[drain]\nbatch_size = 0\n", qr/drain\.batch_size "0" must be 1\.\.100000/ ],
           [ "[retention]\nraw_days = -3\n", qr/retention\.raw_days "-3" must be 1\.\.100000/ ],
           [ "[chat]\ninterval = 0\n", qr/chat\.interval "0" must be 1\.\.3600/ ],
           [ "[archive]\nenabled = maybe\n", qr/archive\.enabled "maybe": use yes or no/ ],
           [ "[drain]\nfile_mode = 0666\n", qr/drain\.file_mode "0666"/ ]) {
    my ($text, $why) = @$c;
    ZtTest::spit("$tmp/bad.conf", $text);
    ($rc, $out, $err) = zt('check', '-c', "$tmp/bad.conf");
    is($rc, 2, "check: exit 2 for " . ($text =~ s/\n/ /gr));
    like($out, qr/^config\s+FAILED\s+.*$why/m, 'naming the key and value')
        or diag($out, $err);
}
ok(!-e "$tmp/data", 'a refused configuration creates nothing');

# `zoomtrack config`, the reference conf/zoomtrack.conf and README's keys
# are one list: each key `config` prints is in the commented file, in its
# section, and in README; the helps line up in one column
{
    ($rc, $out, $err) = zt('config');
    my @lines = grep { /^  \S/ } split /\n/, $out;
    my %col = map { (length(($_ =~ /^(  \S+\s+)/)[0]) => 1) } @lines;
    is(scalar(keys %col), 1, 'config: the helps start in one column')
        or diag(join(',', keys %col));
    my $ref = ZtTest::slurp(top_dir() . '/conf/zoomtrack.conf');
    my $readme = ZtTest::slurp(top_dir() . '/README.md');
    my ($sec, %in) = ('');
    for (split /\n/, $ref) {
        $sec = $1 if /^\[(\w+)\]/;
        $in{$sec ? "$sec.$1" : $1} = 1 if /^(\w+) =/;
    }
    my @missing;
    for my $l (@lines) {
        my ($name) = $l =~ /^  (\S+)/;
        my ($s, $k) = $name =~ /^(?:(\w+)\.)?(\w+)$/;
        push @missing, "conf/zoomtrack.conf: $name" unless $in{$name};
        push @missing, "README: $name" unless $readme =~ /\b\Q$k\E\b/;
    }
    is_deeply(\@missing, [], 'every key in conf/zoomtrack.conf and README');
    ($rc, $out, $err) = zt('prune', '--dry-run', '-c',
                           top_dir() . '/conf/zoomtrack.conf');
    is($rc, 0, 'conf/zoomtrack.conf as it is loads') or diag($err);
}

done_testing();
