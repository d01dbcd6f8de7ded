#!/usr/bin/perl
# zoomtrack camera shows a "\rcamera: meeting i/n, participants p" progress
# line when stderr is a terminal (run here under a pseudo-terminal made by
# python3's pty module), ends it with a newline, and keeps stdout clean.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $T0 = 1795168800000;                       # 2026-11-20T10:00:00Z
my @M = ('Tty+One==', 'Tty+Two==');

my $zd = start_zoom_double(meetings => { map { my $m = $_; ($m => {
    participants => [ map { { participant_uuid => "PU-$m-$_",
                              user_name => "T$_", email => '', user_id => '',
                              camera => '1' } } 1 .. 11 ] }) } @M });
make_warehouse($zd->warehouse, map {
    (raw_event(event_type => 'meeting.started', event_ts => $T0,
               meeting_id => '31', meeting_uuid => $_),
     raw_event(event_type => 'meeting.ended', event_ts => $T0 + 60000,
               meeting_id => '31', meeting_uuid => $_)) } @M);
my $conf = $zd->camera_conf;
my $dir = $zd->dir;

my $py = <<'PY';
import os, pty, subprocess, sys
master, slave = pty.openpty()
out = open(sys.argv[1], "wb")
p = subprocess.Popen(sys.argv[3:], stdin=subprocess.DEVNULL, stdout=out,
                     stderr=slave)
os.close(slave)
buf = b""
while True:
    try:
        d = os.read(master, 4096)
    except OSError:
        break
    if not d:
        break
    buf += d
open(sys.argv[2], "wb").write(buf)
sys.exit(p.wait())
PY
ZtTest::spit("$dir/ttyrun.py", $py);

camera_env();
system('python3', "$dir/ttyrun.py", "$dir/tty.out", "$dir/tty.err",
       ZtTest::zoomtrack_bin(), 'camera', '-c', $conf, '--date',
       '2026-11-20');
is($? >> 8, 0, 'exit 0 under a terminal');

my $tty = ZtTest::slurp("$dir/tty.err") // '';
like($tty, qr/\rcamera: meeting 1\/2, participants 0/, 'progress: start');
like($tty, qr/\rcamera: meeting 1\/2, participants 10/, 'progress: a page');
like($tty, qr/\rcamera: meeting 2\/2, participants 22/,
     'progress: last meeting');
like($tty, qr/participants 22\r?\n/, 'the progress line is ended');
my $out = ZtTest::slurp("$dir/tty.out") // '';
unlike($out, qr/\r/, 'stdout has no progress');
like($out, qr/^camera 2026-11-20: meetings 2 \(ok 2,/, 'stdout: summary');

done_testing();
