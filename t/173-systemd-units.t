# The systemd units `make install` puts in place pass `systemd-analyze
# verify` without a single warning (paths pointed at the DESTDIR copy, as
# verify checks that ExecStart exists), carry the production settings
# README promises, and zoomtrack-daily picks the day the timers mean.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Path qw(make_path);
use Test::More;
use ZtTest;

plan skip_all => 'make install uses the regular build'
    if $ENV{ZT_VALGRIND} || $ENV{ZT_SANITIZE};

my $top = top_dir();
my $d = tmp_dir() . '/root';
my $out = `make -s -C $top install DESTDIR=$d 2>&1`;
is($?, 0, 'make install DESTDIR=') or diag($out);

my $sa = '/usr/bin/systemd-analyze';
ok(-x $sa, 'systemd-analyze present (scripts/install-deps: systemd)');

my $units = "$d/etc/systemd/system";
my @units = map { s{.*/}{}r } glob("$units/*.service"), glob("$units/*.timer");
is_deeply([sort @units],
          [qw(zoomtrack-camera.service zoomtrack-camera.timer
              zoomtrack-drain.service zoomtrack-prune.service
              zoomtrack-prune.timer zoomtrack-report.service
              zoomtrack-report.timer zoomtrack-spool.service)],
          'the eight units installed');

my $v = tmp_dir() . '/verify';
make_path($v);
for my $u (@units) {
    my $t = slurp("$units/$u");
    $t =~ s{(?<![\w.])/usr/local/}{$d/usr/local/}g;
    spit("$v/$u", $t);
}
$out = `cd $v && $sa verify @units 2>&1`;
is($?, 0, 'systemd-analyze verify passes');
is($out, '', 'without a warning') or diag($out);

my $drain = slurp("$units/zoomtrack-drain.service");
for my $kv ('Restart=on-failure', 'RestartPreventExitStatus=2',
            'User=zoomtrack', 'ProtectSystem=strict', 'NoNewPrivileges=yes',
            'PrivateTmp=yes', 'UMask=0027',
            'ReadWritePaths=/var/lib/zoomtrack -/var/spool/zoomtrack',
            'ExecStart=/usr/local/bin/zoomtrack drain -c /etc/zoomtrack/zoomtrack.conf') {
    like($drain, qr/^\Q$kv\E/m, "drain: $kv");
}
# the spool is www-data's 0600 files: zoomtrack-spool imports them, and
# the main drainer must not try (the installed config names the spool)
like($drain, qr/^Environment=ZOOMTRACK_SPOOL_DIR=$/m,
     'drain: no spool import of its own');
like(slurp("$units/zoomtrack-spool.service"),
     qr{^Environment=ZOOMTRACK_SPOOL_DIR=/var/spool/zoomtrack$}m,
     'spool: imports the spool');
like(slurp("$units/zoomtrack-spool.service"),
     qr/^Environment=ZOOMTRACK_LOG_FILE=$/m,
     'spool: logs to the journal, whatever log_file the config names');
for my $job (['camera', '20:00'], ['report', '23:00']) {
    my ($j, $at) = @$job;
    my $timer = slurp("$units/zoomtrack-$j.timer");
    like($timer, qr/^OnCalendar=\*-\*-\* $at:00$/m, "$j at $at");
    like($timer, qr/^Persistent=true$/m, "$j: a missed run at boot");
    like(slurp("$units/zoomtrack-$j.service"),
         qr{^ExecStart=/usr/local/lib/zoomtrack/zoomtrack-daily $j $at }m,
         "$j service and timer agree on $at");
}

# every job may talk to Google (README "Google Cloud": BigQuery, GCS, the
# report's bucket upload) or Zoom: none may be held to local sockets
for my $j (qw(report camera prune)) {
    like(slurp("$units/zoomtrack-$j.service"),
         qr/^RestrictAddressFamilies=.*\bAF_INET\b.*\bAF_INET6\b/m,
         "$j: may reach the network");
}

# another PREFIX and SYSCONFDIR reach every path of the units and the site
{
    my $d2 = tmp_dir() . '/root2';
    my $o = `make -s -C $top install DESTDIR=$d2 PREFIX=/usr SYSCONFDIR=/etc/zt 2>&1`;
    is($?, 0, 'make install PREFIX=/usr SYSCONFDIR=/etc/zt') or diag($o);
    my $u = slurp("$d2/etc/systemd/system/zoomtrack-drain.service") // '';
    like($u, qr{^ExecStart=/usr/bin/zoomtrack drain -c /etc/zt/zoomtrack/zoomtrack\.conf$}m,
         'the unit names the installed binary and config');
    like(slurp("$d2/etc/zt/nginx/sites-available/zoomtrack") // '',
         qr{include /etc/zt/nginx/zoomtrack/zoomtrack\.conf;(?s:.*)alias /usr/share/zoomtrack/www/;},
         'the site names the installed include and page');
    ok(-x "$d2/usr/bin/zoomtrack" && -x "$d2/usr/lib/zoomtrack/zoomtrack-daily",
       'binaries under PREFIX');
    unlike(join('', map { slurp($_) // '' } glob("$d2/etc/systemd/system/*")),
           qr{/usr/local}, 'no /usr/local left in the units');
}

# zoomtrack-daily: the day of the last HH:MM in the config's zone
my $daily = "$d/usr/local/lib/zoomtrack/zoomtrack-daily";
my $conf = tmp_dir() . '/z.conf';
spit($conf, "timezone = Europe/Istanbul\n[redis]\naddress = x\n");
my $stub = tmp_dir() . '/stub';
spit($stub, "#!/bin/sh\necho \"\$@\"\n");
chmod 0755, $stub;
sub daily {
    my ($utc, $job, $at) = @_;
    chomp(my $now = `date -d '$utc UTC' +%s`);
    my $r = `ZOOMTRACK=$stub ZOOMTRACK_DAILY_NOW=$now $daily $job $at $conf 2>&1`;
    return ($r =~ /--date (\S+)/)[0] // $r;
}
is(daily('2026-03-10 20:30', 'report', '23:00'), '2026-03-10',
   '23:30 in Istanbul: today');
is(daily('2026-03-10 19:30', 'report', '23:00'), '2026-03-09',
   '22:30 in Istanbul: a caught-up run reports yesterday');
is(daily('2026-03-01 05:30', 'camera', '20:00'), '2026-02-28',
   'boot the next morning: the missed day, across a month');
is(daily('2026-03-29 21:30', 'report', '00:15'), '2026-03-30',
   'local date, not UTC date');
# then the day before again: an evening meeting's camera minutes and lost
# sessions come only after its end, after that day's runs
chomp(my $now2 = `date -d '2026-03-30 17:30 UTC' +%s`);
$out = `ZOOMTRACK=$stub ZOOMTRACK_DAILY_NOW=$now2 $daily camera 20:00 $conf 2>&1`;
is($?, 0, 'both days ran');
is_deeply([ $out =~ /--date (\S+)/g ], [ '2026-03-30', '2026-03-29' ],
          'the day, then the day before');
# a failing day does not stop the other; the run fails with its status
spit($stub, "#!/bin/sh\necho \"\$@\"\n"
          . "case \"\$*\" in *2026-03-30*) exit 3 ;; esac\n");
$out = `ZOOMTRACK=$stub ZOOMTRACK_DAILY_NOW=$now2 $daily reconcile 20:00 $conf 2>&1`;
is($? >> 8, 3, 'the failed day\'s exit status');
like($out, qr/--date 2026-03-29/, '... after the other day ran too');
# the zone as zoomtrack reads it: an inline "; comment", white space
# after it, ":" for "=", a BOM and CRLF (README's INI examples comment
# their lines so)
for my $t ("timezone = Europe/Istanbul   ; where the school is\n",
           "timezone = Europe/Istanbul  \n",
           "timezone: Europe/Istanbul\n",
           "\xEF\xBB\xBFtimezone = Europe/Istanbul\r\n[x]\n") {
    spit($conf, $t);
    # 23:30 in Istanbul, 20:30 in UTC: today only in the right zone
    is(daily('2026-03-10 20:30', 'report', '23:00'), '2026-03-10',
       'the zone read as zoomtrack reads it: ' . ($t =~ s/[^ -~]/?/gr));
}
spit($conf, "timezone = Mars/Base\n");
like(daily('2026-03-10 20:30', 'report', '23:00'), qr/unknown time zone/,
     'an unknown zone is refused');
like(`$daily report 25:99 $conf 2>&1`, qr/usage/, 'a bad time is refused');
# the real binary is found next to it, relative to PREFIX
spit($conf, "timezone = UTC\ndata_dir = " . tmp_dir() . "/data\n");
$out = `$daily report 00:00 $conf 2>&1`;
is($?, 0, 'runs the installed zoomtrack') or diag($out);
like($out, qr/report \d{4}-\d\d-\d\d \(UTC\): 0 people/, '... report');

done_testing();
