# `zoomtrack report --format html`: a simulated meeting goes through nginx,
# redis and the drainer into the warehouse; the day's report as HTML is
# one self-contained file (no script, nothing fetched), with the meeting's
# timeline as inline SVG (one band per room visit of the report's rows),
# the room summaries and the full table, every value escaped.  Opened in
# headless chromium with JavaScript disabled, it shows all of it; a
# screenshot goes to build/artifacts/report.png.

use strict;
use warnings;
use utf8;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use POSIX qw(strftime);
use Test::More;
use ZtBrowser;
use ZtTest;
use ZtWebhook;

require "$FindBin::Bin/139-drain-lib.pl";

BAIL_OUT('chromium is not installed (scripts/install-deps)')
    unless ZtBrowser::chromium_path();

binmode(Test::More->builder->$_, ':utf8')
    for qw(output failure_output todo_output);

my $top = top_dir();
my $tmp = tmp_dir();
my $art = $ENV{ZT_ARTIFACTS} // "$top/build/artifacts";
my $data = "$tmp/data";

my ($redis, $ng) = setup(queues => ['zoomtrack:warehouse']);
spit("$tmp/secret", SECRET . "\n");
my $conf = ZtDrain::write_conf("$tmp/r.conf", data_dir => $data,
                               redis => $redis->address,
                               timezone => 'Europe/Istanbul',
                               'archive.enabled' => 'no',
                               'status.enabled' => 'no',
                               'warehouse.enabled' => 'yes');
my $log = "$tmp/drain.log";
my $drain = ZtDrain::start_drain($conf, $log);

my ($rc, $out, $err) = run_zoomtrack(
    ['simulate', '-c', $conf, '--url', $ng->url('/webhook'),
     '--secret-file', "$tmp/secret", '--participants', 10, '--rooms', 3,
     '--minutes', 45, '--seed', 21]);
is($rc, 0, 'simulate: a 45-minute meeting') or diag($err);
my $sim = json_decode_ok($out) or BAIL_OUT("simulate said: $out");

# a guest whose name is HTML, present for two minutes
my $evil = '<img src=x onerror=alert(1)>';
my $n = 0;
for my $e (['meeting.participant_joined', 60_000],
           ['meeting.participant_left', 180_000])
{
    my $ts = $sim->{start_ms} + $e->[1];
    my $body = JSON::PP->new->canonical->encode({
        event => $e->[0], event_ts => $ts,
        payload => { account_id => 'acct', object => {
            id => $sim->{meeting_id}, uuid => $sim->{meeting_uuid},
            host_id => 'h', type => 2,
            participant => { user_id => '99000' . ++$n, user_name => $evil,
                             id => '', email => '',
                             participant_uuid => 'EVIL-1' } } } });
    is(post_webhook($ng->url('/webhook'), SECRET, $body)->{status}, 200,
       "the guest: $e->[0]");
}

my $db = "$data/zoomtrack.db";
my $want = $sim->{unique_events} + 2;
ok(wait_until(sub { ZtDrain::db_count($db) == $want }, 60, 'warehouse'),
   "warehouse holds the $want events");
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 20), 0, 'drainer stopped');

my $date = strftime('%Y-%m-%d', gmtime($sim->{start_ms} / 1000 + 3 * 3600));
($rc, $out, $err) = run_zoomtrack(['report', '-c', $conf, '--date', $date,
                                   '--format', 'html']);
is($rc, 0, 'report --format html: exit 0') or diag($err);
my $file = "$data/reports/DAILY_REPORT_$date.html";
like($out, qr/-> \Q$file\E/, 'the summary names the .html file');
my $html = slurp($file) // '';
utf8::decode($html);

# the CSV of the same day, for the expected figures
($rc, my $csv, $err) = run_zoomtrack(['report', '-c', $conf, '--date', $date,
                                      '--format', 'json', '--out', '-']);
my $rows = json_decode_ok($csv) || [];
ok(@$rows > 10, scalar(@$rows) . ' report rows') or diag($err);
my @visits = grep { defined $_->{room_uuid} && $_->{room_uuid} ne '' }
    @$rows;
my %visitors;
# two people may share a name: a person is name, email and first join
$visitors{ $_->{room_name} }{ join "\0", map { $_ // '' }
    @$_{qw(participant_name participant_email meeting_join_time)} } = 1
    for @visits;

# ------------------------------------------------------------ the file

like($html, qr/^<!doctype html>/i, 'an HTML document');
unlike($html, qr/<script/i, 'no script');
unlike($html, qr/<[^>]*\s(?:src|href)\s*=/i, 'nothing fetched: no src or href');
unlike($html, qr/<img/i, 'the hostile name never becomes a tag');
like($html, qr/&lt;img src=x onerror=alert\(1\)&gt;/,
     'it is there, escaped');
like($html, qr/<svg[^>]*viewBox/, 'an inline SVG timeline');
my $bands = () = $html =~ /<rect class="b visit"/g;
is($bands, scalar @visits, "one coloured band per room visit ($bands)");
like($html, qr/<title>[^<]+ · Room-\d · \d\d:\d\d:\d\d – \d\d:\d\d:\d\d /,
     'each band has a title with its exact times');

# ------------------------------------------------------------ in a browser

my $br = ZtBrowser->new(width => 1200, height => 900);
$br->cmd('Emulation.setScriptExecutionDisabled', { value => JSON::PP::true });
$br->visit("file://$file");
is($br->eval('1 + 1'), 2, 'DevTools evaluation still works');
is($br->eval('document.querySelectorAll("svg rect.visit").length'),
   scalar @visits, 'rendered: the bands');
my $rooms = $br->eval(<<'JS');
Object.fromEntries([...document.querySelectorAll("table.rooms tbody tr")]
  .map(tr => [tr.querySelector("th").textContent.trim(),
              +tr.querySelector("td").textContent]))
JS
is_deeply($rooms, { map { $_ => scalar keys %{ $visitors{$_} } }
                    keys %visitors }, 'room summaries: visitors per room');
is($br->eval('document.querySelectorAll("table.full tbody tr").length'),
   scalar @$rows, 'the full table: every row');
is($br->eval('document.querySelectorAll("table.full thead th").length'), 25,
   'and every column');
is($br->eval('document.querySelectorAll("img").length'), 0, 'no <img>');
is_deeply([ $br->dialogs ], [], 'no alert()');
$br->screenshot("$art/report.png", full => 1);
ok(-s "$art/report.png", "screenshot $art/report.png");

($rc, $out, $err) = run_zoomtrack(['report', '-c', $conf, '--date', $date,
                                   '--format', 'pdf']);
is($rc, 2, 'an unknown format: exit 2');
like($err, qr/unknown format "pdf" \(csv, json or html\)/, 'named');

done_testing();
