# End to end: nginx with the module fanning every webhook out to the three
# queues, redis, a running `zoomtrack drain`, and two meetings played by
# `zoomtrack simulate` with duplicate deliveries and shuffled order (one
# ended, one still running).  The archive holds one file per distinct
# event, the warehouse one row per distinct event, and the status CSV is
# exactly what simulate says the presence must be: duplicates dropped,
# shuffling harmless.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtTest;
use ZtWebhook;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
my $so = build_dir() . '/ngx_http_zoomtrack_module.so';
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;
BAIL_OUT("$so not built (make module)") unless -f $so;

my $tmp = tmp_dir();
my @queues = map { "zoomtrack:$_" } qw(archive warehouse status);
my ($redis, $ng) = setup(queues => \@queues);
spit("$tmp/secret", SECRET . "\n");

my $data = "$tmp/data";
my $conf = ZtDrain::write_conf("$tmp/e2e.conf", data_dir => $data,
                               redis => $redis->address,
                               timezone => 'Europe/Istanbul',
                               'status.enabled' => 'yes',
                               # the seeded meetings are from January
                               'status.keep_hours' => 100000);
spit($conf, "status_interval_ms = 200\n" . slurp($conf));
my $csv = "$data/_data/zoom-room-dashboard.csv";
my $db = "$data/zoomtrack.db";
my $log = "$tmp/drain.log";

my $drain = ZtDrain::start_drain($conf, $log);

# ------------------------------------------------------------ simulate

my @runs = (
    [ '--participants', 16, '--rooms', 3, '--minutes', 60, '--seed', 7,
      '--duplicates', 0.2, '--shuffle', 16 ],
    [ '--participants', 9, '--rooms', 2, '--minutes', 30, '--seed', 8,
      '--duplicates', 30, '--shuffle', 10, '--no-end' ],
);
my @res;
for my $i (0 .. $#runs) {
    my $args = $runs[$i];
    my ($rc, $out, $err) = run_zoomtrack(
        ['simulate', '-c', $conf, '--url', $ng->url('/webhook'),
         '--secret-file', "$tmp/secret", @$args], timeout => 120);
    is($rc, 0, 'simulate meeting ' . ($i + 1) . ': exit 0') or diag($err);
    my $r = json_decode_ok($out);
    ok($r && $r->{events_sent} > $r->{unique_events},
       'sent with duplicates') or diag($out);
    push @res, $r;
}

my $unique = 0;
$unique += $_->{unique_events} for @res;

# ------------------------------------------------------------ expected CSV

sub cell {
    my ($s) = @_;
    $s = "'$s" if $s =~ /^[=+\-\@\t\r]/;
    $s =~ s/"/""/g;
    return qq{"$s"};
}

my @rows;
for my $r (@res) {
    for my $p (@{ $r->{participants} }) {
        my $act = $p->{last_join};
        $act = $p->{last_left} if ($p->{last_left} // 0) > $act;
        push @rows, { act => $act, name => $p->{name}, key => $p->{person_key},
                      uuid => $r->{meeting_uuid},
                      line => join(',', map { cell($_) } $p->{name},
                                   $p->{status}, $p->{last_join_local},
                                   $p->{last_left_local}, $p->{room},
                                   $r->{meeting_id}) . "\n" };
    }
}
@rows = sort { $b->{act} <=> $a->{act} || $a->{name} cmp $b->{name}
               || $a->{uuid} cmp $b->{uuid} || $a->{key} cmp $b->{key} }
        @rows;
my $want = qq{"Username","Status","Last Join","Last Left","Room","Meeting"\n}
    . join('', map { $_->{line} } @rows);
utf8::encode($want);

ok((grep { $_->{status} eq 'online' && $_->{room} ne '' }
    @{ $res[1]{participants} }), 'someone is still in a room');

# ------------------------------------------------------------ the sinks

ok(wait_until(sub { ZtDrain::archive_files("$data/raw") == $unique },
              60, "$unique archive files"),
   "archive: one file per distinct event ($unique)")
    or diag(scalar ZtDrain::archive_files("$data/raw"));
ok(wait_until(sub { ZtDrain::db_count($db) == $unique }, 60,
              "$unique rows"), "warehouse: one row per distinct event")
    or diag(ZtDrain::db_count($db));
ok(wait_until(sub { (slurp($csv) // '') eq $want }, 60, 'the status CSV'),
   'status CSV = simulate\'s expected presence')
    or diag("got:\n" . (slurp($csv) // '') . "want:\n$want");

is(ZtDrain::sql($db, 'SELECT count(DISTINCT meeting_uuid) FROM raw_events '
                . "WHERE event_type = 'meeting.participant_joined'"), 2,
   'warehouse: two meetings');

kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 30), 0, 'drain exits 0 on SIGTERM');
is(slurp($csv), $want, 'CSV unchanged at exit');
for my $q (@queues) {
    is($redis->llen($q) + $redis->llen("$q:processing:test")
       + $redis->llen("$q:dead"), 0, "$q: nothing left or dead");
}
unlike(slurp($log), qr/\[error\]/, 'no [error] in the drain log')
    or diag(slurp($log));
error_log_clean($ng, 'nginx');

done_testing();
