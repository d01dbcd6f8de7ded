#!/usr/bin/perl
# zoomtrack reconcile on BigQuery: the same webhooks, some of them lost,
# drained into SQLite and into the strict BigQuery double; `zoomtrack
# reconcile` asks the same Zoom Report API answers on both and stores the
# missing joins and leaves through the configured warehouse sink, marked
# source = report_api (a raw_events column, NULL for webhooks).  The
# report's data_source column then says report_api for the reconciled
# people and webhook for the others, on both warehouses, and the CSVs are
# the same bytes; with --meeting too.  A rerun adds nothing.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use ZtTest;
use ZtGoogle;
use ZoomDouble;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
plan skip_all => "$bin not built (make zoomtrack)" unless -x $bin;

my $M = '/rc+Uuid//x==';
my $MID = '85011112222';
my $N = 'Nq7Zk1x2Rr+AbCdEfGh0Ow==';
my $NID = '85011113333';
my $DAY = '2026-11-20';
my $Q = 'zoomtrack:warehouse';

my $tmp = tmp_dir();
my $redis = start_redis();
my $gport = ZtTest::free_port();
my $key = test_key("$tmp/key", "http://127.0.0.1:$gport/token");
my $g = start_google_double(port => $gport, key_n => $key->{n},
                            page_size => 5);

# what Zoom's Report API says happened (UTC)
sub session {
    my ($id, $name, $email, $from, $to) = @_;
    return { id => $id, participant_user_id => $id, user_id => '1677',
             name => $name, user_email => $email, registrant_id => '',
             join_time => "${DAY}T$from:00Z", leave_time => "${DAY}T$to:00Z",
             duration => 60, failover => JSON::PP::false(),
             status => 'in_meeting', customer_key => '' };
}

my $zd = start_zoom_double(reports => {
    $M => { participants => [
        session('uA', 'Ana Lima', 'ana@example.org', '09:00', '10:00'),
        session('uB', 'Bo Chen', 'bo@example.org', '09:05', '09:50'),
        session('', 'Cy (Guest)', '', '09:00', '09:20'),
        session('', 'Cy (Guest)', '', '09:30', '10:00') ] },
    $N => { participants => [
        session('uD', 'Dee Park', 'dee@example.org', '13:00', '13:45') ] },
});

# ------------------------------------------------------------------ events

my %P = (
    ana => { id => 'uA', user_id => '1001', user_name => 'Ana Lima',
             email => 'ana@example.org' },
    bo  => { id => 'uB', user_id => '1002', user_name => 'Bo Chen',
             email => 'bo@example.org' },
    cy  => { user_name => 'Cy (Guest)' },
    dee => { id => 'uD', user_id => '1004', user_name => 'Dee Park',
             email => 'dee@example.org' },
);

my $n = 0;
sub rec {
    my ($type, $hhmm, $uuid, $mid, $who, %o) = @_;
    my ($h, $m) = split /:/, $hhmm;
    my $ts = 1795165200000 + ($h * 60 + $m) * 60000 - 9 * 3600000;
    my %obj = (id => $mid, uuid => $uuid, host_id => 'host-1',
               topic => 'Class', type => 2);
    $obj{participant} = { %{ $P{$who} } } if $who;
    $obj{breakout_room_uuid} = $o{room} if $o{room};
    my $body = JSON::PP->new->canonical->encode({ event => "meeting.$type",
        event_ts => $ts, payload => { account_id => 'acc-1',
                                      object => \%obj } });
    return ZtDrain::make_record($body,
                                event_id => ZtDrain::event_id(0x660, ++$n));
}

# Cy's rejoin at 09:30 and Bo's leave at 09:50 were never delivered
my @day = (
    rec('started', '09:00', $M, $MID),
    rec('participant_joined', '09:00', $M, $MID, 'ana'),
    rec('participant_joined', '09:00', $M, $MID, 'cy'),
    rec('participant_joined', '09:05', $M, $MID, 'bo'),
    rec('participant_joined_breakout_room', '09:10', $M, $MID, 'ana',
        room => 'rc-room-1'),
    rec('participant_left_breakout_room', '09:20', $M, $MID, 'ana',
        room => 'rc-room-1'),
    rec('participant_left', '09:20', $M, $MID, 'cy'),
    rec('participant_left', '10:00', $M, $MID, 'ana'),
    rec('participant_left', '10:00', $M, $MID, 'cy'),
    rec('ended', '10:00', $M, $MID),
    rec('started', '13:00', $N, $NID),
    rec('participant_joined', '13:00', $N, $NID, 'dee'),
    rec('participant_left', '13:45', $N, $NID, 'dee'),
    rec('ended', '13:45', $N, $NID),
);
is(JSON::PP::decode_json($day[1])->{event_ts}, 1795165200000,
   '09:00 UTC is 2026-11-20T09:00:00Z');

my $secret = "$tmp/client_secret";
ZtTest::spit($secret, "$ZoomDouble::CRED{client_secret}\n");
chmod 0600, $secret;

sub conf {
    my ($name, %wh) = @_;
    return zoom_conf(dir => "$tmp/$name", name => $name, redis => $redis,
                     zoom => $zd, secret => $secret, key => $key,
                     google => $g, timezone => 'Europe/Berlin', log_level => 'info',
                     warehouse => \%wh);
}

my $sq = conf('sq');
my $bq = conf('bq', backend => 'bigquery', project => 'zt-proj');
my %ENVX = (GOOGLE_APPLICATION_CREDENTIALS => '');
delete $ENV{$_} for grep { /^ZOOMTRACK_/ } keys %ENV;

my @outputs;
sub zt {
    my @r = run_zoomtrack([@_], env => \%ENVX, timeout => 120);
    push @outputs, $r[1], $r[2];
    return @r;
}

my ($rc, $out, $err) = zt('setup', '-c', $bq);
is($rc, 0, 'setup') or diag($out, $err);
for my $c ($sq, $bq) {
    ZtDrain::push_records($redis->port, [$Q], \@day);
    ($rc, $out, $err) = zt('drain', '-c', $c, '--once');
    is($rc, 0, 'drain into ' . ($c eq $sq ? 'SQLite' : 'BigQuery'))
        or diag($err);
}

my $raw = $g->rows('zoom_tracker.raw_events', 'event_id,source');
is(scalar(@$raw), scalar(@day), 'BigQuery holds the webhooks');
is(scalar(grep { defined $_->{source} } @$raw), 0,
   'a webhook row has no source (NULL)');

# ------------------------------------------------------------ the CSV

# rows of a CSV as hashes by header name (RFC 4180 quoting)
sub csv_rows {
    my ($csv) = @_;
    my @lines = map { [ map { my $v = $_; $v =~ s/^"|"$//g; $v =~ s/""/"/g;
                              $v } /("(?:[^"]|"")*"|[^,]*)(?:,|$)/g ] }
                split /\r?\n/, $csv // '';
    my $h = shift @lines or return [];
    return [ map { my $r = $_; +{ map { $h->[$_] => $r->[$_] } 0 .. $#$h } }
             @lines ];
}

sub sources {
    my ($csv) = @_;
    my %s;
    for my $r (@{ csv_rows($csv) }) {
        my $k = $r->{participant_name};
        die "$k: data_source $s{$k} and $r->{data_source}\n"
            if defined $s{$k} && $s{$k} ne $r->{data_source};
        $s{$k} = $r->{data_source};
    }
    return \%s;
}

sub report {
    my ($c, @more) = @_;
    my $out = $c;
    $out =~ s{/zt\.conf$}{/r.csv};
    my ($rc, $o, $e) = zt('report', '-c', $c, '--date', $DAY, '--out', $out,
                          @more);
    is($rc, 0, 'report on ' . ($c eq $sq ? 'SQLite' : 'BigQuery'))
        or diag($e);
    return ZtTest::slurp($out) // '';
}

my %webhook = map { $_ => 'webhook' } ('Ana Lima', 'Bo Chen', 'Cy (Guest)',
                                       'Dee Park');
my $before = report($bq);
is_deeply(sources($before), \%webhook, 'before reconcile: all webhook');
is($before, report($sq), 'before reconcile: the same CSV on both');

# ------------------------------------------------------------ reconcile

for my $c ($sq, $bq) {
    my $what = $c eq $sq ? 'SQLite' : 'BigQuery';
    ($rc, $out, $err) = zt('reconcile', '-c', $c, '--date', $DAY);
    is($rc, 0, "reconcile on $what exits 0") or diag($out, $err);
    like($out, qr/1 join\(s\) and 1 leave\(s\) added/,
         "$what: Cy's rejoin and Bo's leave are added") or diag($out);
}

$raw = $g->rows('zoom_tracker.raw_events',
                'event_type,person_key,source,event_ts');
my @rec = sort { $a->{event_ts} <=> $b->{event_ts} }
          grep { defined $_->{source} } @$raw;
is_deeply([ map { "$_->{event_type} $_->{person_key} $_->{source}" } @rec ],
          [ 'meeting.participant_joined name:Cy (Guest) report_api',
            'meeting.participant_left id:uB report_api' ],
          'BigQuery: the two events stored with source = report_api');
my $sqrows = ZoomDouble::sql_rows("$tmp/sq/zoomtrack.db",
    "SELECT event_type, person_key, source FROM raw_events "
    . "WHERE source = 'report_api' ORDER BY event_ts");
is_deeply([ map { "@$_" } @$sqrows ], [ map {
              "$_->{event_type} $_->{person_key} $_->{source}" } @rec ],
          'the same two in SQLite');

my $q0 = $g->counts->{query} // 0;
my $csv = report($bq);
ok(($g->counts->{query} // 0) > $q0, 'the report asked BigQuery');
is_deeply(sources($csv), { %webhook, 'Bo Chen' => 'report_api',
                           'Cy (Guest)' => 'report_api' },
          'BigQuery: data_source is report_api for Bo and Cy, webhook for '
          . 'Ana and Dee');
isnt($csv, $before, 'the reconciled report differs from the one before');
my $sqcsv = report($sq);
ok(length($sqcsv) > 300, 'the SQLite report has rows');
is($csv, $sqcsv, 'after reconcile: the CSV on BigQuery = the CSV on '
   . 'SQLite, byte for byte');

my @dr = grep { $_->{report_date} eq $DAY }
         @{ $g->rows('zoom_tracker.daily_reports',
                     'report_date,participant_name,data_source') };
is_deeply({ map { $_->{participant_name} => $_->{data_source} } @dr },
          sources($csv), 'daily_reports carries the same data_source');

# the meeting filter reaches the reconciled query too
for my $m ($MID, $N) {
    my $b = report($bq, '--meeting', $m);
    is($b, report($sq, '--meeting', $m), "--meeting $m: the same CSV");
    is_deeply(sources($b), $m eq $N ? { 'Dee Park' => 'webhook' }
              : { 'Ana Lima' => 'webhook', 'Bo Chen' => 'report_api',
                  'Cy (Guest)' => 'report_api' },
              "--meeting $m: data_source of that meeting's people");
}

# a rerun adds nothing
($rc, $out, $err) = zt('reconcile', '-c', $bq, '--date', $DAY);
is($rc, 0, 'reconcile again on BigQuery');
like($out, qr/0 join\(s\) and 0 leave\(s\) added/, 'adds nothing')
    or diag($out);
is(scalar(grep { defined $_->{source} }
          @{ $g->rows('zoom_tracker.raw_events', 'source') }), 2,
   'still two report_api rows');
is(report($bq), $csv, 'and the report is unchanged');

# the double answers only the query zoomtrack sends: a @date that is not
# a DATE is refused, so the reports above could fail
my $hr = ZtTest::http(5)->get($g->url('/computeMetadata/v1/instance/'
    . 'service-accounts/default/token'),
    { headers => { 'Metadata-Flavor' => 'Google' } });
my $tok = JSON::PP::decode_json($hr->{content})->{access_token};
$hr = ZtTest::http(5)->post($g->url('/bigquery/v2/projects/zt-proj/queries'),
    { headers => { Authorization => "Bearer $tok",
                   'Content-Type' => 'application/json' },
      content => JSON::PP::encode_json({ useLegacySql => JSON::PP::false(),
        query => "-- zoomtrack:reconciled\nSELECT DISTINCT meeting_uuid, "
               . "person_key FROM (SELECT * FROM `zt-proj.zoom_tracker."
               . "raw_events` QUALIFY ROW_NUMBER() OVER (PARTITION BY "
               . "event_id ORDER BY inserted_at) = 1) WHERE source = "
               . "'report_api'", parameterMode => 'NAMED',
        queryParameters => [
            map { { name => $_, parameterType => { type => 'STRING' },
                    parameterValue => { value => '' } } } qw(date meeting)
        ] }) });
is($hr->{status}, 400, 'the double refuses @date as a STRING');
like($hr->{content}, qr/reconciled: parameter date is STRING, not DATE/,
     'and says why');

my $log = join('', map { $_ // '' } @outputs)
        . (ZtTest::slurp("$tmp/bq/zoomtrack.log") // '')
        . $zd->log_text;
unlike($log, qr/\Q$ZoomDouble::CRED{client_secret}\E|ya29\.|Bearer /,
       'no secret or token in any output or log');

done_testing();
