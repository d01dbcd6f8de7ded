# Poison records: what can never be stored goes to <queue>:dead as
# {"reason","record","sink","at"} with a log line, and the good records
# around it are still delivered.

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
my $data = "$tmp/data";
my $conf = ZtDrain::write_conf("$tmp/drain.conf", data_dir => $data,
                               redis => $redis->address,
                               'status.enabled' => 'no',
                               'drain.batch_size' => 4);
my $db = "$data/zoomtrack.db";

my ($good, $ids) = ZtDrain::make_records(10);
my $join = payload('meeting.participant_joined');

my %poison = (
    'not json'     => "this is not {json",
    'not object'   => '[1,2,3]',
    'no event_id'  => '{"event_type":"meeting.started","raw_payload":"{}"}',
    'empty id'     => '{"event_id":"","raw_payload":"{}"}',
    'bad bytes'    => "\xff\xfe{not utf8",
);
my $nopayload = ZtDrain::make_record($join,
    event_id => 'cccccccc-0000-4000-8000-000000000001', raw_payload => undef);
my $badid = ZtDrain::make_record($join, event_id => '../../../etc/passwd');

# interleave: good, poison, good, ...
my @mixed;
my @p = ((map { $poison{$_} } sort keys %poison), $nopayload, $badid);
for my $i (0 .. $#$good) {
    push @mixed, $good->[$i];
    push @mixed, shift @p if @p;
}

ZtDrain::push_records($redis->port, [ 'zoomtrack:archive',
                                      'zoomtrack:warehouse' ], \@mixed);

my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
is($rc, 0, 'drain --once exits 0 despite poison') or diag($err);

# ----------------------------------------------------------- archive

my @dead = ZtDrain::dead_entries($redis, 'zoomtrack:archive');
is(scalar(@dead), 7, 'archive: 7 dead-lettered');
my %reason = map { $_->{record} => $_->{reason} } @dead;

is($reason{ $poison{'not json'} }, 'record is not valid JSON',
   'not JSON: reason');
is($reason{ $poison{'not object'} }, 'record is not a JSON object',
   'not an object: reason');
is($reason{ $poison{'no event_id'} }, 'record has no event_id',
   'no event_id: reason');
is($reason{ $poison{'empty id'} }, 'record has no event_id',
   'empty event_id: reason');
is($reason{$nopayload}, 'record has no raw_payload',
   'archive record without raw_payload: reason');
is($reason{$badid}, 'event_id is not usable as a file name',
   'path traversal id: reason');
my ($bytes) = grep { $_->{reason} eq 'record is not valid JSON'
                     && $_->{record} ne $poison{'not json'} } @dead;
# bytes that are not UTF-8 are escaped as \u00XX: code points = bytes
ok($bytes && $bytes->{record} eq "\xff\xfe{not utf8",
   'invalid UTF-8 is kept recoverable in the dead entry');

ok(!grep({ $_->{sink} ne 'archive' } @dead), 'entries name the sink');
ok(!grep({ $_->{at} !~ /^\d{4}-\d\d-\d\dT[\d:.]+Z$/ } @dead),
   'entries carry an RFC 3339 time');
ok(!-e "$tmp/etc/passwd.json" && !-e "/etc/passwd.json",
   'nothing written outside the archive');

my @files = ZtDrain::archive_files("$data/raw");
is(scalar(@files), 10, 'archive: the 10 good records are stored');

# --------------------------------------------------------- warehouse

@dead = ZtDrain::dead_entries($redis, 'zoomtrack:warehouse');
is(scalar(@dead), 5, 'warehouse: the 5 unparsable records dead-lettered');
is(ZtDrain::db_count($db), 12,
   'warehouse: 10 good + the record without raw_payload + the odd id');

# ------------------------------------------------------------- log

like($err, qr/\[warn\] \[sink:archive\] dead-lettered a record to "zoomtrack:archive:dead": record has no raw_payload/,
     'a log line per dead letter');
for my $l (qw(zoomtrack:archive zoomtrack:warehouse)) {
    is($redis->llen($l) + $redis->llen("$l:processing:test"), 0,
       "$l and its processing list are empty");
}

done_testing();
