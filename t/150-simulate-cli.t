# zoomtrack simulate on its own: usage and exit codes, determinism for a
# seed, the --dump of bodies, and delivery against a small Perl HTTP
# server that checks every Zoom signature, counts connections (keep-alive),
# answers 503 a few times (retried) and 400 once (fatal: exit 1).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Digest::SHA qw(hmac_sha256_hex);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(_exit);
use Test::More;
use Time::HiRes qw(time);
use ZtTest;

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $secret = 'sim-secret-token';
spit("$tmp/secret", "# comment\n$secret\n");

# ------------------------------------------------------------ usage

my ($rc, $out, $err) = run_zoomtrack(['simulate', '--help']);
is($rc, 0, '--help exits 0');
like($out, qr/usage: zoomtrack simulate --url URL --secret-file F/,
     '--help prints usage');
like($out, qr/--duplicates P.*--shuffle W/s, 'documents the options');
like($out, qr/"participants".*"visits".*"intervals"/s,
     'documents the output');

($rc, $out, $err) = run_zoomtrack(['simulate']);
is($rc, 2, 'no --url: exit 2');
like($err, qr/--url is required/, 'and says so');

($rc, $out, $err) = run_zoomtrack(['simulate', '--url', 'http://x/']);
is($rc, 2, 'no --secret-file: exit 2');

($rc, $out, $err) = run_zoomtrack(['simulate', '--dump', '-',
                                   '--rooms', 'many']);
is($rc, 2, 'bad number: exit 2');
like($err, qr/--rooms must be a number/, 'and names the option');

($rc, $out, $err) = run_zoomtrack(['simulate', '--dump', '-', '--bogus']);
is($rc, 2, 'unknown option: exit 2');

($rc, $out, $err) = run_zoomtrack(['simulate', '--url', 'http://x/',
                                   '--secret-file', "$tmp/none"]);
is($rc, 2, 'unreadable secret file: exit 2');

# ------------------------------------------------------------ dump

my @args = ('--participants', 10, '--rooms', 3, '--minutes', 45,
            '--seed', 99, '--duplicates', 25, '--shuffle', 8);
($rc, $out, $err) = run_zoomtrack(['simulate', @args, '--dump',
                                   "$tmp/d1"]);
is($rc, 0, '--dump without --url exits 0') or diag($err);
my $r1 = json_decode_ok($out);
ok($r1, 'prints JSON');
my ($rc2, $out2) = run_zoomtrack(['simulate', @args, '--dump', "$tmp/d2"]);
is($out2, $out, 'same seed, same result');
is(slurp("$tmp/d2"), slurp("$tmp/d1"), 'same seed, same bodies and order');

my @lines = split /\n/, slurp("$tmp/d1");
my %uniq = map { $_ => 1 } @lines;
is(scalar @lines, $r1->{events_sent}, 'events_sent = bodies dumped');
is(scalar keys %uniq, $r1->{unique_events}, 'unique_events = distinct');
cmp_ok($r1->{events_sent}, '>', $r1->{unique_events}, 'some duplicates');
is(scalar @{ $r1->{participants} }, 10, 'ten participants');
like($r1->{start_ms}, qr/^\d{13}$/, 'start_ms');
ok($r1->{ended} && $r1->{end_ms} == $r1->{start_ms} + 45 * 60000,
   'ended after 45 minutes');
my %types;
$types{ decode_json($_)->{event} }++ for keys %uniq;
ok($types{'meeting.started'} == 1 && $types{'meeting.ended'} == 1,
   'one meeting.started, one meeting.ended');
ok($types{'meeting.participant_joined_breakout_room'}
   && $types{'meeting.participant_left'}, 'rooms and leaves');

my ($rc3, $out3) = run_zoomtrack(['simulate', @args, '--no-end',
                                  '--dump', "$tmp/d3"]);
my $r3 = json_decode_ok($out3);
ok(!$r3->{ended} && !defined $r3->{end_ms}
   && index(slurp("$tmp/d3"), 'meeting.ended') < 0, '--no-end: no end');
ok((grep { $_->{status} eq 'online' } @{ $r3->{participants} }),
   '--no-end: people still online');

my ($rc4, $out4) = run_zoomtrack(['simulate', '--seed', 1, '--start',
                                  '2026-02-01T10:00:00Z', '--dump',
                                  "$tmp/d4"]);
is(json_decode_ok($out4)->{start_ms}, 1769940000000, '--start');

# ------------------------------------------------------------ delivery

# a keep-alive HTTP/1.1 server answering from @plan (then 200)
sub serve {
    my ($port, $logf, @plan) = @_;
    my $srv = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                    LocalPort => $port, Listen => 16,
                                    ReuseAddr => 1) or die "listen: $!";
    my $pid = fork // die;
    return ($pid, $srv) if $pid;
    open(my $log, '>>', $logf) or _exit(1);
    $log->autoflush(1);
    my $conn = 0;
    while (my $c = $srv->accept) {
        $conn++;
        while (my $line = <$c>) {
            my %h;
            while (my $hl = <$c>) {
                last if $hl =~ /^\r?\n$/;
                $h{ lc $1 } = $2 if $hl =~ /^([^:]+):\s*(.*?)\r?$/;
            }
            my $body = '';
            read($c, $body, $h{'content-length'} // 0);
            my $sig = 'v0=' . hmac_sha256_hex(
                "v0:$h{'x-zm-request-timestamp'}:$body", $secret);
            my $good = ($h{'x-zm-signature'} // '') eq $sig
                && abs(time - $h{'x-zm-request-timestamp'}) < 60 ? 1 : 0;
            my $st = shift(@plan) // 200;
            print $log "$conn $good $st $body\n";
            print $c "HTTP/1.1 $st X\r\nContent-Length: 2\r\n\r\nok";
        }
        close $c;
    }
    _exit(0);
}

my $port = free_port();
my ($srv, $sock) = serve($port, "$tmp/http.log", 503, 503, 500);
close $sock;
my @send = ('simulate', '--url', "http://127.0.0.1:$port/webhook",
            '--secret-file', "$tmp/secret", @args);
($rc, $out, $err) = run_zoomtrack([@send]);
is($rc, 0, 'delivered: exit 0') or diag($err);
like($err, qr/HTTP 503, retrying/, '5xx retried');
is($out, $out2, 'the same result as without sending');

my @got = map { [ split / /, $_, 4 ] } split /\n/, slurp("$tmp/http.log");
is(scalar @got, $r1->{events_sent} + 3, 'every event, plus 3 retries');
is(scalar(grep { !$_->[1] } @got), 0, 'every signature valid');
my %conns = map { $_->[0] => 1 } @got;
cmp_ok(scalar keys %conns, '<=', 2, 'keep-alive: one connection (or two)');
is(join("\n", map { $_->[3] } grep { $_->[2] == 200 } @got) . "\n",
   slurp("$tmp/d1"), 'bodies byte-exact, in the dumped order');
kill 'TERM', $srv;
waitpid($srv, 0);

$port = free_port();
($srv, $sock) = serve($port, "$tmp/http2.log", 200, 200, 400);
close $sock;
$send[2] = "http://127.0.0.1:$port/webhook";
($rc, $out, $err) = run_zoomtrack([@send]);
is($rc, 1, '4xx: exit 1');
like($err, qr/HTTP 400.*event 3 of \d+ not delivered/s, 'and says which');
is(scalar(split /\n/, slurp("$tmp/http2.log")), 3, 'no retry of a 4xx');
kill 'TERM', $srv;
waitpid($srv, 0);

# --speed 120: a 2-minute meeting takes about a second
$port = free_port();
($srv, $sock) = serve($port, "$tmp/http3.log");
close $sock;
my $t = time;
($rc, $out, $err) = run_zoomtrack(['simulate', '--url',
    "http://127.0.0.1:$port/", '--secret-file', "$tmp/secret",
    '--participants', 3, '--minutes', 2, '--seed', 5, '--speed', 120]);
$t = time - $t;
is($rc, 0, '--speed: exit 0') or diag($err);
my $last = (sort { $b <=> $a } map { decode_json((split / /, $_, 4)[3])
    ->{event_ts} } split /\n/, slurp("$tmp/http3.log"))[0];
my $span = ($last - json_decode_ok($out)->{start_ms}) / 120000;
cmp_ok($t, '>=', $span - 0.05, sprintf('--speed 120: paced (%.2f s for '
       . '%.2f s of events)', $t, $span));
cmp_ok($t, '<', $span + 5, '--speed 120: not slower than needed');
kill 'TERM', $srv;
waitpid($srv, 0);

($rc, $out, $err) = run_zoomtrack(['simulate', '--url',
    'http://127.0.0.1:' . free_port() . '/', '--secret-file',
    "$tmp/secret", '--participants', 2], timeout => 60);
is($rc, 1, 'connection refused: exit 1 after retries');
like($err, qr/retrying/, 'it retried');

done_testing();
