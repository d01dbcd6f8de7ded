#!/usr/bin/perl

# Files naming participants are owner-only under any umask: every
# subcommand that can create the warehouse (check, backfill, attendance,
# forget, ...) creates it 0600 in a 0700 data dir, as drain and report
# do; [drain] file_mode widens it for all of them alike.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;

BAIL_OUT('build/zoomtrack not built') unless -x zoomtrack_bin();

my $tmp = tmp_dir();
mkdir "$tmp/raw";

umask 022;                              # the usual login umask

sub mode { my @st = stat($_[0]); @st ? sprintf('%04o', $st[2] & 07777) : '-' }

# each in its own data dir; Redis unreachable is fine (check, forget fail
# on it after opening the warehouse)
my @runs = (
    [ check      => [] ],
    [ backfill   => [ '--from', "$tmp/raw" ] ],
    [ attendance => [ '--from', '2026-02-03', '--to', '2026-02-03',
                      '--out', '-' ] ],
    [ forget     => [ '--email', 'nobody@example.org' ] ],
);

for my $r (@runs) {
    my ($cmd, $args) = @$r;
    my $data = "$tmp/$cmd";
    spit("$tmp/$cmd.conf", "data_dir = $data\n[redis]\naddress = 127.0.0.1:1\n"
         . "timeout_ms = 500\n");
    my ($rc, $out, $err) = run_zoomtrack([$cmd, '-c', "$tmp/$cmd.conf",
                                          @$args]);
    is(mode("$data/zoomtrack.db"), '0600', "$cmd: warehouse is 0600")
        or diag("exit $rc: $err");
    is(mode($data), '0700', "$cmd: data dir is 0700");
}

# [drain] file_mode applies to these subcommands too
spit("$tmp/wide.conf", "data_dir = $tmp/wide\n[drain]\nfile_mode = 0640\n"
     . "dir_mode = 0750\n");
my ($rc, $out, $err) = run_zoomtrack(['backfill', '-c', "$tmp/wide.conf",
                                      '--from', "$tmp/raw"]);
is($rc, 0, 'backfill with file_mode 0640') or diag($err);
is(mode("$tmp/wide/zoomtrack.db"), '0640', 'file_mode 0640 is honoured');
is(mode("$tmp/wide"), '0750', 'dir_mode 0750 is honoured');

# a bad mode is a configuration error for them as well
spit("$tmp/bad.conf", "data_dir = $tmp/bad\n[drain]\nfile_mode = 0666\n");
($rc, $out, $err) = run_zoomtrack(['attendance', '-c', "$tmp/bad.conf",
                                   '--from', '2026-02-03', '--to',
                                   '2026-02-03']);
is($rc, 2, 'attendance: a bad file_mode exits 2');
like($err, qr/drain\.file_mode "0666"/, 'the message names the key');
ok(!-e "$tmp/bad/zoomtrack.db", 'nothing created');

done_testing();
