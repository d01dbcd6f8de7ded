# The room board (web/board) in headless Debian chromium, against the real
# stack: nginx with the module serving the page and _data/ as `make run`
# does, redis, a running drainer writing the CSV and the timeline JSON,
# and `zoomtrack simulate` playing a meeting that is still running.
#
# During the meeting the DOM shows each online person under the room
# simulate says they are in, with the right head counts, the people who
# left below, one timeline band per room visit; a participant named
# <img src=x onerror=alert(1)> is text and runs nothing; the stale warning
# comes when the heartbeat stops (drainer stopped) and goes when it
# resumes; nginx going away shows the offline warning and the page
# recovers by itself; after meeting.ended the meeting moves to "Recently
# ended".  Screenshots go to build/artifacts/ (ZT_ARTIFACTS=dir moves them).

use strict;
use warnings;
use utf8;

use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use POSIX qw(strftime);
use Test::More;
binmode(Test::More->builder->$_, ":utf8") for qw(output failure_output todo_output);
use Time::HiRes qw(time);
use ZtBrowser;
use ZtTest;
use ZtWebhook;

require "$FindBin::Bin/139-drain-lib.pl";

# like a missing binary, a missing browser fails rather than skips
BAIL_OUT('chromium is not installed (scripts/install-deps)')
    unless ZtBrowser::chromium_path();

my $top = top_dir();
my $tmp = tmp_dir();
my $art = $ENV{ZT_ARTIFACTS} // "$top/build/artifacts";
my $data = "$tmp/data";
mkdir $data;
mkdir "$data/_data";
mkdir "$tmp/csvonly";

# ------------------------------------------------------------ the stack

# a second origin serving only the page, for the cross-origin check; the
# data names it in its CORS header, as CORS_ORIGIN= does for `make run`
my $port2 = free_port();
my $locations = <<"LOC";
        location /_data/ {
            alias $data/_data/;
            add_header Cache-Control "no-store" always;
            add_header Access-Control-Allow-Origin "http://127.0.0.1:$port2" always;
        }
        location /csvonly/ {
            alias $tmp/csvonly/;
            add_header Cache-Control "no-store" always;
        }
        location / {
            include /etc/nginx/mime.types;
            root $top/web/board;
            index index.html;
            add_header Cache-Control "no-cache" always;
        }
LOC
my $other = <<"SRV";
    server {
        listen 127.0.0.1:$port2;
        location / {
            include /etc/nginx/mime.types;
            root $top/web/board;
        }
    }
SRV
my @queues = ('zoomtrack:status');
my ($redis, $ng) = setup(queues => \@queues, locations => $locations,
                         extra => $other);
spit("$tmp/secret", SECRET . "\n");

my $conf = ZtDrain::write_conf("$tmp/board.conf", data_dir => $data,
                               redis => $redis->address,
                               timezone => 'Europe/Istanbul',
                               'archive.enabled' => 'no',
                               'warehouse.enabled' => 'no',
                               'status.enabled' => 'yes',
                               'status.heartbeat_s' => 1);
spit($conf, "status_interval_ms = 200\n" . slurp($conf));
my $log = "$tmp/drain.log";
my $drain = ZtDrain::start_drain($conf, $log);
my $json_file = "$data/_data/zoom-room-timeline.json";
ok(wait_until(sub { -s $json_file }, 20, 'the first timeline'),
   'the drainer writes the timeline JSON');

# a meeting that started 20 minutes ago and is still running
my $minutes = 20;
my $start = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time - $minutes * 60));
my ($rc, $out, $err) = run_zoomtrack(
    ['simulate', '-c', $conf, '--url', $ng->url('/webhook'),
     '--secret-file', "$tmp/secret", '--participants', 14, '--rooms', 3,
     '--minutes', $minutes, '--seed', 11, '--start', $start, '--no-end',
     '--duplicates', 0.1, '--shuffle', 4]);
is($rc, 0, 'simulate: a meeting still running') or diag($err);
my $sim = json_decode_ok($out) or BAIL_OUT("simulate said: $out");
my @people = @{ $sim->{participants} };

# one more guest, with a name that is HTML
my $evil = '<img src=x onerror=alert(1)>';
my $now_ms = int(time * 1000);
my $body = JSON::PP->new->canonical->encode({
    event => 'meeting.participant_joined', event_ts => $now_ms,
    payload => { account_id => 'acct', object => {
        id => $sim->{meeting_id}, uuid => $sim->{meeting_uuid},
        host_id => 'h', topic => $sim->{topic}, type => 2,
        participant => { user_id => '990001', user_name => $evil, id => '',
                         email => '', join_time => strftime(
                             '%Y-%m-%dT%H:%M:%SZ', gmtime($now_ms / 1000)),
                         participant_uuid => 'EVIL-1' } } } });
is(post_webhook($ng->url('/webhook'), SECRET, $body)->{status}, 200,
   'the guest with an HTML name joins');
push @people, { name => $evil, status => 'online', room => '', visits => [],
                intervals => [[$now_ms, undef]] };

my $csv_file = "$data/_data/zoom-room-dashboard.csv";
my $rows_want = @people;
ok(wait_until(sub {
    my $c = slurp($csv_file) // '';
    my $n = () = $c =~ /\n/g;
    my $j = json_decode_ok(slurp($json_file) // '');
    return $n == 1 + $rows_want && index($c, 'onerror') >= 0
        && $j && @{ $j->{meetings} } == 1
        && @{ $j->{meetings}[0]{people} } == $rows_want;
}, 60, 'CSV and timeline'), "CSV and timeline hold the $rows_want people");

my $tl = json_decode_ok(slurp($json_file));
is($tl->{heartbeat_s}, 1, 'timeline: heartbeat_s');
is($tl->{timezone}, 'Europe/Istanbul', 'timeline: timezone');
like($tl->{generated_at_iso}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+03:00$/,
     'timeline: ISO times in the zone');
unlike(slurp($json_file), qr/\@example\.org/i, 'timeline: no emails');

# ------------------------------------------------------------ expected

my %room_of;      # name => room name ('' = main room); online people only
my @left;
for my $p (@people) {
    if ($p->{status} eq 'online') {
        push @{ $room_of{ $p->{room} } }, $p->{name};
    } else {
        push @left, $p->{name};
    }
}
ok(keys(%room_of) >= 3, 'people are spread over the main room and rooms')
    or diag(explain(\%room_of));
ok(@left >= 1, 'someone has left') or diag(explain(\@people));

# ------------------------------------------------------------ the board

my $br = ZtBrowser->new(width => 1280, height => 900);
$br->visit($ng->url('/?poll=1'));
ok($br->wait_for('document.querySelectorAll("section.room").length >= 3',
                20, 'rooms on the board'), 'the board shows rooms');

my $js_rooms = <<'JS';
(() => {
  const out = {};
  for (const s of document.querySelectorAll("section.meeting.live section.room")) {
    out[s.dataset.room] = {
      count: +s.dataset.count,
      badge: s.querySelector("h3 .count").textContent,
      names: [...s.querySelectorAll("tbody th.name")].map(e => e.textContent)
    };
  }
  out.left = [...document.querySelectorAll("section.left tbody th.name")]
      .map(e => e.textContent);
  out.leftCount = +(document.querySelector("section.left") || {dataset: {}})
      .dataset.count;
  return out;
})()
JS
ok($br->wait_for('document.body.textContent.includes("onerror=alert")', 10,
                'the guest'), 'the guest is on the board');
my $dom = $br->eval($js_rooms);
for my $room (sort keys %room_of) {
    my $label = $room eq '' ? 'Main room' : $room;
    my @want = sort @{ $room_of{$room} };
    my $got = $dom->{$label} || {};
    is_deeply([ sort @{ $got->{names} || [] } ], \@want,
              "$label: the right people");
    is($got->{count}, scalar @want, "$label: count " . @want);
    is($got->{badge}, scalar @want, "$label: the badge shows it");
}
is_deeply([ sort @{ $dom->{left} } ], [ sort @left ],
          'the people who left are listed below');
is($dom->{leftCount}, scalar @left, 'with their count');
like($br->eval('document.querySelector("section.meeting.live h2")'
               . '.textContent'), qr/^\Q$sim->{topic}\E$/,
     'the meeting is titled with its topic');
my @order = grep { $_ ne 'left' && $_ ne 'leftCount' }
    @{ $br->eval('[...document.querySelectorAll("section.meeting.live '
                . 'section.room")].map(s => s.dataset.room)') };
is($order[0], 'Main room', 'the main room comes first');

# the hostile name is text, nothing ran, nothing was parsed as HTML
is($br->eval('document.querySelectorAll("img").length'), 0,
   'no <img> element anywhere');
ok($br->eval("[...document.querySelectorAll('th.name')].some(e => "
            . "e.textContent === " . JSON::PP->new->allow_nonref->encode($evil)
            . ")"), 'the name is shown as typed');
is_deeply([ $br->dialogs ], [], 'no alert() ran');
is_deeply([ $br->errors ], [], 'no script errors');

# the timeline: one band per room visit, a main-room band per stretch
my $bands = $br->eval(<<'JS');
[...document.querySelectorAll("section.meeting.live svg.tl g.row")].map(g => ({
  name: g.dataset.name,
  main: g.querySelectorAll("rect.band.main").length,
  rooms: [...g.querySelectorAll("rect.band.visit")].map(r => r.dataset.room)
}))
JS
# two people may share a display name: compare per name, as multisets
my (%got, %want);
for my $row (@$bands) {
    push @{ $got{ $row->{name} } }, join(' ', @{ $row->{rooms} });
    ok($row->{main} >= 1, "$row->{name}: a main-room band") unless
        $row->{main} >= 1;
}
for my $p (@people) {
    push @{ $want{ $p->{name} } }, join(' ', map { $_->{room_name} }
        sort { $a->{join_ms} <=> $b->{join_ms} } @{ $p->{visits} });
}
$_ = [ sort @$_ ] for values %got, values %want;
is_deeply(\%got, \%want, 'timeline: one coloured band per room visit, in '
          . 'order, for every person');
is($br->eval('document.querySelectorAll("section.meeting.live .legend li")'
            . '.length'), 4, 'legend: main room and the three rooms');
ok($br->eval('!!document.querySelector("svg.tl line.now")'), 'a "now" line');
my $tip = $br->eval(<<'JS');
(() => {
  const r = document.querySelector("svg.tl rect.band.visit");
  r.focus();
  const t = document.getElementById("tip");
  return t.hidden ? "" : t.textContent;
})()
JS
like($tip, qr/Room-\d .*\d\d:\d\d:\d\d – (now|\d\d:\d\d:\d\d)/,
     'focus on a band shows its exact times');
$br->eval('document.activeElement.blur()');

like($br->eval('document.getElementById("updated").textContent'),
     qr/^Updated (just now|\d s ago)$/, '"Updated … ago"');
is($br->eval('document.body.dataset.state'), 'ok', 'state ok');
ok($br->eval('document.getElementById("warning").hidden'), 'no warning');

# accessibility basics: landmarks, headers, labels
ok($br->eval('!!document.querySelector("main") && !!document.querySelector('
            . '"header") && !!document.querySelector("[role=search]")'),
   'landmarks: header, main, search');
is($br->eval('[...document.querySelectorAll("table")].filter(t => '
            . '!t.querySelector("thead th[scope=col]")).length'), 0,
   'every table has column headers');
ok($br->eval('document.querySelector("label[for=q]").textContent.length > 0'),
   'the search box has a label');

# screenshots: the board, its timeline, a phone
$br->screenshot("$art/board.png", full => 1);
my $rect = $br->eval('(() => { const r = document.querySelector('
                    . '"section.meeting.live section.timeline")'
                    . '.getBoundingClientRect(); return [r.x, r.y + '
                    . 'window.scrollY, r.width, r.height]; })()');
{
    my $r = $br->cmd('Page.captureScreenshot', {
        format => 'png', captureBeyondViewport => JSON::PP::true,
        clip => { x => $rect->[0] - 8, y => $rect->[1] - 8,
                  width => $rect->[2] + 16, height => $rect->[3] + 16,
                  scale => 1 } });
    require MIME::Base64;
    spit("$art/timeline.png", MIME::Base64::decode_base64($r->{data}));
}
ok(-s "$art/board.png" && -s "$art/timeline.png", "screenshots in $art");

# a phone
{
    my $p = ZtBrowser->new(width => 390, height => 844);
    $p->visit($ng->url('/?poll=1'));
    ok($p->wait_for('document.querySelectorAll("section.room").length >= 3',
                    20, 'the phone board'), 'phone: the board loads');
    my $w = $p->eval('document.documentElement.scrollWidth');
    cmp_ok($w, '<=', 390, "phone: no sideways scrolling ($w px)")
        or diag($p->eval(q{[...document.querySelectorAll("body *")].filter(
            e => !e.closest("svg") && e.getBoundingClientRect().right > 392)
            .map(e => e.tagName + "." + e.className + " "
                 + Math.round(e.getBoundingClientRect().right)).join("\n")}));
    $p->screenshot("$art/board-phone.png", full => 1);
    $p->quit;
}

# ------------------------------------------------------------ search

$br->eval(<<'JS');
(() => {
  const q = document.getElementById("q");
  q.value = "onerror";
  q.dispatchEvent(new Event("input"));
})()
JS
my $shown = $br->eval('[...document.querySelectorAll("section.meeting.live '
                     . 'tbody th.name")].map(e => e.textContent)');
is_deeply($shown, [$evil], 'search: only the matching name is listed');
like($br->eval('document.getElementById("matches").textContent'),
     qr/^1 of \d+ people match$/, 'search: says how many match');
$br->eval('(() => { const q = document.getElementById("q"); q.value = ""; '
         . 'q.dispatchEvent(new Event("input")); })()');

# ------------------------------------------------------------ heartbeat

# the drainer stops: no heartbeat, the board says so after 3 periods
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 20), 0, 'drainer stopped');
my $t0 = time;
ok($br->wait_for('document.body.dataset.state === "stale"', 15,
                'the stale warning'), 'heartbeat stopped: stale warning');
my $waited = time - $t0;
cmp_ok($waited, '>=', 2, sprintf('not before 3 heartbeats (%.1f s)', $waited));
like($br->eval('document.getElementById("warning").textContent'),
     qr/No update from the tracker/, 'the warning says why');
ok(!$br->eval('document.getElementById("warning").hidden'), 'and is visible');
$br->screenshot("$art/board-stale.png");

$drain = ZtDrain::start_drain($conf, $log);
ok($br->wait_for('document.body.dataset.state === "ok" && '
                . 'document.getElementById("warning").hidden', 20,
                'the warning to go'), 'heartbeat back: the warning goes');

# nginx goes away: the page says so, keeps its data, and recovers
$ng->stop;
ok($br->wait_for('document.body.dataset.state === "offline"', 15,
                'the offline warning'), 'server gone: offline warning');
like($br->eval('document.getElementById("warning").textContent'),
     qr/Cannot reach the data/, 'the warning says why');
ok($br->eval('document.querySelectorAll("section.room").length >= 3'),
   'the last data stays on screen');
$ng->start;
ok($br->wait_for('document.body.dataset.state === "ok"', 20, 'recovery'),
   'server back: the page recovers by itself');

# ------------------------------------------------------------ CSV only

# a Lookout-style server: the CSV, no timeline
spit("$tmp/csvonly/zoom-room-dashboard.csv", slurp($csv_file));
my $c = ZtBrowser->new(width => 1024, height => 800);
$c->visit($ng->url('/?poll=1&data=/csvonly/&tz=Europe/Istanbul'));
ok($c->wait_for('document.querySelectorAll("section.room").length >= 3', 20,
                'the CSV board'), 'CSV only: the board still works');
my $cdom = $c->eval($js_rooms);
for my $room (sort keys %room_of) {
    my $label = $room eq '' ? 'Main room' : $room;
    is($cdom->{$label}{count}, scalar @{ $room_of{$room} },
       "CSV only: $label count");
}
is($c->eval('document.body.dataset.state'), 'ok', 'CSV only: no warning');
is($c->eval('document.querySelectorAll("img").length'), 0,
   'CSV only: no <img> either');
is_deeply([ $c->dialogs ], [], 'CSV only: no alert() ran');

# ?data= is a URL the footer links use as their href: a javascript: URL is
# not taken (clicking the link would run it), the default is
$c->visit($ng->url('/?poll=1&data=javascript:alert(1)//'));
ok($c->wait_for('document.body.dataset.state === "ok"', 20, 'default data'),
   'a javascript: data URL falls back to /_data/');
like($c->eval('document.getElementById("csv-link").getAttribute("href")'),
     qr{^/_data/zoom-room-dashboard\.csv$}, 'and the link is the default');

# names the CSV writer neutralised (a ' before a formula starter, after
# blanks or in full width) are shown as the person typed them
spit("$tmp/csvonly/zoom-room-dashboard.csv",
     qq{"Username","Status","Last Join","Last Left","Room","Meeting"\n}
     . qq{"' =cmd","online","2026-02-03 09:00:00","","","1"\n}
     . qq{"'\xef\xbc\x9d1+1","online","2026-02-03 09:00:00","","","1"\n}
     . qq{"O'Brien","online","2026-02-03 09:00:00","","","1"\n});
$c->visit($ng->url('/?poll=1&data=/csvonly/'));
ok($c->wait_for('document.querySelectorAll("th.name").length >= 3', 20,
                'three names'), 'the neutralised CSV loads');
my $names = $c->eval('[...document.querySelectorAll("th.name")]'
                     . '.map(e => e.textContent).sort()');
ok((grep { $_ eq ' =cmd' } @$names) && (grep { $_ eq "\x{ff1d}1+1" } @$names)
   && (grep { $_ eq "O'Brien" } @$names),
   'the sink\'s quote is taken off, a name\'s own is kept')
    or diag(explain($names));

# Lookout's own file, as its zoom-dashboard.py wrote it (pandas,
# quoting=1): four columns, the status as Font Awesome HTML, times
# "%Y-%m-%d-%H:%M:%S" in Europe/Istanbul, "N/A" for none
spit("$tmp/csvonly/zoom-room-dashboard.csv",
     qq{"Username","Status","Last Join","Last Left"\n}
     . qq{"Mert","<i class=""fa-solid fa-toggle-on""></i>",}
     . qq{"2023-10-23-10:20:00","N/A"\n}
     . qq{"Ayse","<i class=""fa-solid fa-toggle-off""></i>",}
     . qq{"2023-10-23-09:00:00","2023-10-23-09:45:10"\n});
$c->visit($ng->url('/?poll=1&data=/csvonly/&tz=Europe/Istanbul'));
ok($c->wait_for('document.querySelectorAll("th.name").length >= 2', 20,
                'Lookout\'s CSV'), 'Lookout\'s own CSV loads');
my $lk = $c->eval($js_rooms);
is_deeply($lk->{'Main room'}{names}, ['Mert'],
          'Lookout\'s CSV: the toggle-on person is online')
    or diag(explain($lk));
is_deeply($lk->{left}, ['Ayse'], 'Lookout\'s CSV: the toggle-off one left');
is_deeply($c->eval('[...document.querySelectorAll("section.left time")]'
                   . '.map(e => e.getAttribute("datetime"))'),
          [ '2023-10-23T06:00:00.000Z', '2023-10-23T06:45:10.000Z' ],
          'Lookout\'s CSV: its times are read, in the page\'s time zone');
is($c->eval('document.querySelectorAll("i").length'), 0,
   'Lookout\'s CSV: its HTML is not markup');

# an empty CSV is a sink that has seen nobody yet, not "No data"
spit("$tmp/csvonly/zoom-room-dashboard.csv", '');
$c->visit($ng->url('/?poll=1&data=/csvonly/'));
ok($c->wait_for('document.body.dataset.state === "ok"', 20, 'empty CSV'),
   'an empty CSV: no warning');
$c->quit;

# ------------------------------------------------------------ CORS

# the page on another origin reads /_data/ thanks to its CORS headers; the
# same page pointed at a location without them cannot
my $x = ZtBrowser->new(width => 1024, height => 800);
$x->visit("http://127.0.0.1:$port2/?poll=1&data=" . $ng->url('/_data/'));
ok($x->wait_for('document.querySelectorAll("section.room").length >= 3', 20,
                'the cross-origin board'), 'another origin: the board works');
is($x->eval('document.body.dataset.state'), 'ok', 'another origin: no warning');
$x->visit("http://127.0.0.1:$port2/?poll=1&data=" . $ng->url('/csvonly/'));
ok($x->wait_for('document.body.dataset.state === "offline"', 20,
                'the CORS failure'), 'without CORS headers: the offline warning');
$x->quit;

# ------------------------------------------------------------ after

$body = JSON::PP->new->canonical->encode({
    event => 'meeting.ended', event_ts => int(time * 1000),
    payload => { account_id => 'acct', object => {
        id => $sim->{meeting_id}, uuid => $sim->{meeting_uuid},
        host_id => 'h', topic => $sim->{topic}, type => 2 } } });
is(post_webhook($ng->url('/webhook'), SECRET, $body)->{status}, 200,
   'the meeting ends');
ok($br->wait_for('document.querySelectorAll("section.meeting.live").length '
                . '=== 0 && !!document.querySelector("details.meeting.ended")',
                20, 'the ended meeting'),
   'after the end: no live meeting, the meeting under "Recently ended"');
like($br->eval('document.querySelector(".empty").textContent'),
     qr/No meeting in progress/, 'and the board says so');
$br->eval('document.querySelector("details.meeting.ended").open = true');
is($br->eval('document.querySelectorAll("details.meeting.ended g.row")'
            . '.length'), scalar @people, 'its timeline keeps everyone');
$br->screenshot("$art/board-ended.png", full => 1);


# ------------------------------------------------------------ privacy

# Lookout's privacy mode: with status_allowlist the CSV and the page show
# only the people listed
kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 20), 0, 'drainer stopped');
my %count;
$count{ $_->{name} }++ for @people;
# (case-insensitive for ASCII letters, as strncasecmp is)
my @allowed = (grep { $count{$_} == 1 && /^[A-Za-z ]+$/ }
               sort keys %count)[0, 1];
spit($conf, 'status_allowlist = ' . join(', ', map { uc } @allowed) . "\n"
     . slurp($conf));
$drain = ZtDrain::start_drain($conf, $log);
ok(wait_until(sub { my $c = slurp($csv_file) // '';
                    (() = $c =~ /\n/g) == 3 }, 20, 'the allowlisted CSV'),
   'allowlist: the CSV has the two people') or diag(slurp($csv_file));
ok($br->wait_for('document.querySelectorAll("details.meeting.ended g.row")'
                 . '.length === 2', 20, 'the allowlisted board'),
   'allowlist: the page shows two people');
is_deeply([ sort @{ $br->eval('[...document.querySelectorAll('
                              . '"details.meeting.ended g.row")].map('
                              . 'g => g.dataset.name)') } ],
          [ sort @allowed ], 'allowlist: exactly those');
unlike(slurp($json_file), qr/onerror/, 'allowlist: the others are not in '
       . 'the timeline file');

kill 'TERM', $drain;
is(ZtDrain::wait_exit($drain, 20), 0, 'drainer exits 0');
unlike(slurp($log), qr/\[error\]/, 'no [error] in the drain log')
    or diag(slurp($log));

done_testing();
