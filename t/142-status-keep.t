# The status sink keeps only live meetings and those that ended less than
# [status] keep_hours ago by Zoom's timestamps: the CSV and the saved state
# show the same set, a restart does not bring a dropped meeting back, the
# journal is folded into a snapshot once it outgrows it (and the snapshot
# holds only the kept meetings), a late event of a dropped meeting does not
# make it again, and a bad keep_hours stops the drainer.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my $NOW = int(Time::HiRes::time() * 1000);
my $H = 3600 * 1000;
my $n = 0;

# a record of meeting $m at $ms; $name undef: meeting.ended
sub ev {
    my ($type, $m, $ms, $name) = @_;
    my $obj = { id => "id-$m", uuid => "uuid-$m==", host_id => 'h',
                type => 2 };
    $obj->{participant} = { user_name => $name, id => "p-$name",
                            email => '' } if defined $name;
    my $body = JSON::PP->new->canonical->encode({
        event => $type, event_ts => $ms,
        payload => { account_id => 'acct', object => $obj } });
    return ZtDrain::make_record($body,
                                event_id => ZtDrain::event_id(142, ++$n));
}

sub joined { ev('meeting.participant_joined', @_) }
sub ended  { ev('meeting.ended', $_[0], $_[1]) }

my @recs = (
    # ended 25 hours ago: past the default 24
    joined('old', $NOW - 30 * $H, 'Olga'),
    ended('old', $NOW - 25 * $H),
    # ended 23 hours ago: kept
    joined('recent', $NOW - 26 * $H, 'Rita'),
    ended('recent', $NOW - 23 * $H),
    # started two days ago and still going: live, kept whatever its age
    joined('live', $NOW - 48 * $H, 'Lena'),
);

sub conf {
    my ($dir, %o) = @_;
    my $c = ZtDrain::write_conf("$tmp/$dir.conf", data_dir => "$tmp/$dir",
                                redis => $redis->address,
                                'archive.enabled' => 'no',
                                'warehouse.enabled' => 'no',
                                'status.enabled' => 'yes', %o);
    spit($c, "status_interval_ms = 100\n" . slurp($c));
    return $c;
}

sub drain_once {
    my ($c, $what) = @_;
    my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $c, '--once'],
                                         timeout => 120);
    is($rc, 0, "$what: drain --once exits 0") or diag($err);
    unlike($err, qr/\[error\]/, "$what: no [error] in the log")
        or diag($err);
    return $err;
}

sub people { my $c = slurp($_[0]) // ''; [ sort $c =~ /^"(\w+)"/mg ] }

# ------------------------------------------------------------ default 24 h

my $conf = conf('d24');
my $csv = "$tmp/d24/_data/zoom-room-dashboard.csv";
my $state = "$tmp/d24/status-state.json";
ZtDrain::push_records($redis->port, ['zoomtrack:status'], \@recs);
drain_once($conf, 'keep 24');
is_deeply(people($csv), [qw(Lena Rita Username)],
          'keep 24: the meeting ended 25 h ago is not shown');

my $ino = (stat $csv)[1];
my $err = drain_once($conf, 'restart');
like($err, qr/2 meeting\(s\) kept/, 'restart: the dropped meeting stays '
     . 'dropped though its lines are in the journal');
is((stat $csv)[1], $ino, 'restart: CSV not rewritten');

# a redelivered record of the dropped meeting does not revive it
ZtDrain::push_records($redis->port, ['zoomtrack:status'], [@recs[0, 1]]);
drain_once($conf, 'late redelivery');
is_deeply(people($csv), [qw(Lena Rita Username)],
          'late redelivery: still dropped');

# ------------------------------------------------------------ compaction

# enough changed records to pass the 1 MiB journal: a snapshot is made,
# the journal emptied, and the snapshot holds only the kept meetings
my @many = map { joined('live', $NOW - 47 * $H + $_, "P$_") } 1 .. 6000;
ZtDrain::push_records($redis->port, ['zoomtrack:status'], \@many);
drain_once($conf, 'compaction');
ok(-f $state, 'compaction: snapshot written');
is((stat $state)[2] & 0777, 0600, 'compaction: snapshot is private');
ok(-s "$state.journal" < 1024 * 1024, 'compaction: journal emptied '
   . '(' . (-s "$state.journal") . ' bytes)');
my $snap = decode_json(slurp($state));
is_deeply([ sort map { $_->{uuid} } @{ $snap->{meetings} } ],
          [qw(uuid-live== uuid-recent==)], 'compaction: snapshot holds the kept '
          . 'meetings only');
is(scalar(@{ people($csv) }), 6003, 'compaction: every live person shown');

my $before = slurp($csv);
drain_once($conf, 'restart after compaction');
is(slurp($csv), $before, 'restart after compaction: same CSV');

# ------------------------------------------------------------ keep 0

my $conf0 = conf('d0', 'status.keep_hours' => 0);
ZtDrain::push_records($redis->port, ['zoomtrack:status'], \@recs);
drain_once($conf0, 'keep 0');
is_deeply(people("$tmp/d0/_data/zoom-room-dashboard.csv"),
          [qw(Lena Username)], 'keep 0: only the live meeting');

# a late join and a late leave of a dropped meeting (a Zoom retry, an event
# hours late): ignored, not a meeting of their own with nobody to end it
ZtDrain::push_records($redis->port, ['zoomtrack:status'],
    [joined('recent', $NOW - 24 * $H, 'Remy'),
     ev('meeting.participant_left', 'old', $NOW - 26 * $H, 'Olga')]);
drain_once($conf0, 'keep 0, late events');
is_deeply(people("$tmp/d0/_data/zoom-room-dashboard.csv"),
          [qw(Lena Username)], 'keep 0: late events of dropped meetings '
          . 'are not shown');
drain_once($conf0, 'keep 0, restart');
ZtDrain::push_records($redis->port, ['zoomtrack:status'],
    [joined('recent', $NOW - 24 * $H + 1, 'Remy')]);
drain_once($conf0, 'keep 0, late event after a restart');
is_deeply(people("$tmp/d0/_data/zoom-room-dashboard.csv"),
          [qw(Lena Username)], 'keep 0: still after a restart');

# Zoom's meeting.ended is not final: a join after it brings the meeting back
ZtDrain::push_records($redis->port, ['zoomtrack:status'],
    [joined('recent', $NOW - 22 * $H, 'Remy')]);
drain_once($conf0, 'keep 0, joined again');
is_deeply(people("$tmp/d0/_data/zoom-room-dashboard.csv"),
          [qw(Lena Remy Username)], 'keep 0: a join after the end is shown');

# ------------------------------------------------------------ bad values

for my $bad ('-1', 'soon', '9999999') {
    my $c = conf('bad', 'status.keep_hours' => $bad);
    my ($rc, $out, $e) = run_zoomtrack(['drain', '-c', $c, '--once'],
                                       timeout => 60);
    isnt($rc, 0, "keep_hours = $bad: refused");
    like($e, qr/status\.keep_hours "\Q$bad\E" must be 0\.\.878400/,
         "keep_hours = $bad: says which value");
}

done_testing();
