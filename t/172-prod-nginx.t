# The shipped production nginx configuration, as `make install` puts it
# (DESTDIR into a temp dir, paths then pointed there): every file passes
# `nginx -t`, and the whole site (TLS, the include, a reverse proxy to a
# static site) answers as README "Production" says: the webhook queues,
# /zoomtrack/status only for this host, /_data/ fresh, text/csv, CORS for
# the configured origin only, and never public (issue 8): from another
# address it needs the password.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use File::Path qw(make_path);
use POSIX ();
use Test::More;
use ZtTest;

plan skip_all => 'make install uses the regular build'
    if $ENV{ZT_VALGRIND} || $ENV{ZT_SANITIZE};

my $top = top_dir();
my $d = tmp_dir() . '/root';
my $out = `make -s -C $top install DESTDIR=$d 2>&1`;
is($?, 0, 'make install DESTDIR=') or diag($out);

for my $f (qw(usr/local/bin/zoomtrack usr/lib/nginx/modules/ngx_http_zoomtrack_module.so
              usr/local/share/zoomtrack/www/index.html
              usr/local/share/zoomtrack/sql/sqlite/003-daily_reports.sql
              usr/local/lib/zoomtrack/zoomtrack-daily
              etc/zoomtrack/zoomtrack.conf etc/nginx/zoomtrack/zoomtrack.conf
              etc/nginx/sites-available/zoomtrack
              etc/nginx/modules-enabled/50-mod-http-zoomtrack.conf
              etc/systemd/system/zoomtrack-drain.service
              usr/lib/sysusers.d/zoomtrack.conf usr/lib/tmpfiles.d/zoomtrack.conf
              usr/local/share/zoomtrack/redis/zoomtrack.conf)) {
    ok(-e "$d/$f", "installed $f");
}
ok(-x "$d/usr/local/bin/zoomtrack", 'binary executable');

# a second install keeps an edited config and puts the new one beside it
open(my $fh, '>>', "$d/etc/zoomtrack/zoomtrack.conf") or die;
print $fh "# edited by the admin\n";
close $fh;
$out = `make -s -C $top install DESTDIR=$d 2>&1`;
like($out, qr{/etc/zoomtrack/zoomtrack.conf was changed here}, 'upgrade says so');
like(slurp("$d/etc/zoomtrack/zoomtrack.conf"), qr/edited by the admin/,
     'edited config kept');
ok(-e "$d/etc/zoomtrack/zoomtrack.conf.new", 'new version beside it');
ok(!-e "$d/etc/nginx/zoomtrack/zoomtrack.conf.new",
   'an unchanged config is not duplicated');

# ------------------------------------------------ the world the site needs
my $redis = start_redis(password => 'r3dis-pw');
my ($https, $http, $static) = (free_port(), free_port(), free_port());
my $secret = 'prod-secret-1';
spit("$d/etc/zoomtrack/webhook-secret", "old-secret\n$secret\n");
spit("$d/etc/zoomtrack/redis-password", "r3dis-pw\n");
# user "board", password "b0ard" (openssl passwd -apr1, as README says)
chomp(my $hash = `openssl passwd -apr1 b0ard`);
spit("$d/etc/zoomtrack/htpasswd", "board:$hash\n");
make_path("$d/var/lib/zoomtrack/_data", "$d/var/spool/zoomtrack",
          "$d/var/log/nginx", "$d/static", "$d/prefix/logs");
spit("$d/var/lib/zoomtrack/_data/zoom-room-dashboard.csv",
     "\"Username\",\"Status\"\n\"Zoë\",\"online\"\n");
spit("$d/static/index.html", "the static site\n");
system("openssl req -x509 -newkey rsa:2048 -nodes -days 2 "
       . "-subj /CN=zoom.example.org -keyout $d/tls.key -out $d/tls.crt "
       . "2>/dev/null") == 0 or die 'openssl';
symlink("$d/usr/lib/nginx/modules", "$d/prefix/modules") or die;

# installed paths -> the temp root; the example's names -> this machine
sub localise {
    my ($text) = @_;
    $text =~ s{/etc/letsencrypt/live/zoom.example.org/fullchain.pem}{$d/tls.crt}g;
    $text =~ s{/etc/letsencrypt/live/zoom.example.org/privkey.pem}{$d/tls.key}g;
    $text =~ s{(?<![\w.])/(etc|usr|var)/}{$d/$1/}g;
    $text =~ s{listen \[::\]:\d+[^;]*;\n}{}g;
    $text =~ s{listen 443 }{listen 127.0.0.1:$https }g;
    $text =~ s{listen 80;}{listen 127.0.0.1:$http;}g;
    $text =~ s{example\.github\.io}{127.0.0.1:$static}g;
    $text =~ s{zoomtrack_redis 127\.0\.0\.1:6379}{zoomtrack_redis 127.0.0.1:${\ $redis->port }}g;
    return $text;
}
for my $f ('etc/nginx/zoomtrack/zoomtrack.conf',
           'etc/nginx/sites-available/zoomtrack',
           'etc/nginx/modules-available/mod-http-zoomtrack.conf') {
    spit("$d/$f", localise(slurp("$d/$f")));
}
my $user = $> == 0 ? 'user root root;' : '';
spit("$d/nginx.conf", <<"CONF");
include $d/etc/nginx/modules-enabled/*.conf;
$user
daemon off;
worker_processes 1;
pid $d/prefix/nginx.pid;
error_log $d/prefix/logs/error.log info;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    client_body_temp_path $d/prefix/body;
    proxy_temp_path $d/prefix/proxy;
    fastcgi_temp_path $d/prefix/fastcgi;
    uwsgi_temp_path $d/prefix/uwsgi;
    scgi_temp_path $d/prefix/scgi;
    include $d/etc/nginx/sites-available/zoomtrack;
    # the static site the example proxies to (GitHub Pages stand-in)
    server {
        listen 127.0.0.1:$static ssl;
        ssl_certificate $d/tls.crt;
        ssl_certificate_key $d/tls.key;
        root $d/static;
    }
}
CONF

my @ngx = ('/usr/sbin/nginx', '-p', "$d/prefix/", '-c', "$d/nginx.conf");
$out = `@ngx -t 2>&1`;
is($?, 0, 'nginx -t: the installed site, include and load_module')
    or diag($out);

# the include alone, without a CORS origin defined: -t refuses it loudly
spit("$d/bare.conf", "include $d/etc/nginx/modules-enabled/*.conf;\n"
     . "pid $d/prefix/bare.pid; error_log $d/prefix/logs/bare.log;\n"
     . "events {}\nhttp { server { listen 127.0.0.1:1;\n"
     . "include $d/etc/nginx/zoomtrack/zoomtrack.conf; } }\n");
$out = `/usr/sbin/nginx -p $d/prefix/ -c $d/bare.conf -t 2>&1`;
isnt($?, 0, 'the include needs $zoomtrack_cors_origin defined');
like($out, qr/unknown "zoomtrack_cors_origin" variable/, '... and says so');

# README's first nginx example, as a newcomer copies it: a whole file that
# passes nginx -t (the module and secret paths pointed at this tree)
{
    my ($ex) = slurp("$top/README.md") =~ /^```nginx\n(.*?)^```/ms;
    ok($ex, "README's nginx example found");
    $ex //= '';
    spit("$d/readme-secret", "x\n");
    chmod 0600, "$d/readme-secret";
    $ex =~ s{modules/ngx_http_zoomtrack_module\.so}
            {$d/usr/lib/nginx/modules/ngx_http_zoomtrack_module.so};
    $ex =~ s{/etc/zoomtrack/webhook-secret}{$d/readme-secret};
    $ex =~ s/server \{/server { listen 127.0.0.1:1;/;
    spit("$d/readme.conf", "pid $d/prefix/readme.pid; "
         . "error_log $d/prefix/logs/readme.log;\n$ex");
    $out = `/usr/sbin/nginx -p $d/prefix/ -c $d/readme.conf -t 2>&1`;
    is($?, 0, "nginx -t: README's example as it is") or diag($out);
}

# make run's config, as scripts/run fills it in
my $run = slurp("$top/conf/nginx-run.conf.in");
my %v = (TOP => $top, VAR => "$d/run", PORT => free_port(),
         REDIS_PORT => $redis->port, USER => $user,
         QUEUES => 'zoomtrack:archive zoomtrack:warehouse zoomtrack:status',
         PAGE_DIR => "$d/usr/local/share/zoomtrack/www");
$run =~ s{\@(\w+)\@}{$v{$1} // "\@$1\@"}ge;
make_path("$d/run/nginx/tmp", "$d/run/spool", "$d/run/_data");
spit("$d/run/webhook-secret", "x\n");
spit("$d/run/nginx/nginx.conf", $run);
$out = `/usr/sbin/nginx -p $d/run/nginx/ -c $d/run/nginx/nginx.conf -t 2>&1`;
is($?, 0, "nginx -t: make run's config") or diag($out);

# ------------------------------------------------------- the site running
my $pid = fork // die;
if ($pid == 0) {
    open(STDOUT, '>', "$d/prefix/logs/stderr.log");
    open(STDERR, '>&', \*STDOUT);
    exec(@ngx) or POSIX::_exit(127);
}
END { if ($pid) { kill 'QUIT', $pid; ZtTest::reap($pid, 20) } }
ok(wait_until(sub { ZtTest::port_open($https) }, 15, 'site'), 'site up')
    or diag(slurp("$d/prefix/logs/error.log"));

# curl: [status, headers (lowercased), body]; from another loopback
# address with --interface
sub get {
    my ($url, @opt) = @_;
    my $r = `curl -sk -D - @opt '$url' 2>&1`;
    my ($head, $body) = split /\r\n\r\n/, $r, 2;
    my ($st) = $head =~ m{^HTTP/\S+ (\d+)};
    my %h = map { /^([^:]+):\s*(.*)$/ ? (lc $1 => $2) : () }
            split /\r\n/, $head;
    return [$st // 0, \%h, $body // ''];
}
my $base = "https://127.0.0.1:$https";
my $csv = "$base/_data/zoom-room-dashboard.csv";

is(get("http://127.0.0.1:$http/x")->[0], 301, 'http goes to https');

my $body = '{"event":"meeting.started","event_ts":1700000000000,'
    . '"payload":{"account_id":"a","object":{"uuid":"u1","id":"1"}}}';
my $h = zoom_headers($secret, $body);
my $hdr = join ' ', map { "-H '$_: $h->{$_}'" } sort keys %$h;
my $r = `curl -sk -o /dev/null -w '%{http_code}' $hdr --data-binary '$body' $base/webhook`;
is($r, '200', 'webhook over TLS, signed with the second secret line');
is($redis->llen('zoomtrack:archive'), 1, 'queued in Redis (with AUTH)');

is(get("$base/zoomtrack/status")->[0], 200, 'status from this host');
is(get("$base/zoomtrack/status", '--interface 127.0.0.2')->[0], 403,
   'status refused from another address');

my $g = get($csv);
is($g->[0], 200, 'CSV from this host');
is($g->[1]{'content-type'}, 'text/csv; charset=utf-8', 'text/csv; utf-8');
is($g->[1]{'cache-control'}, 'no-store', 'no-store');
like($g->[2], qr/Zoë/, 'the CSV');
ok(!exists $g->[1]{'access-control-allow-origin'}, 'no CORS without Origin');

$g = get($csv, "-H 'Origin: https://board.example.org'");
is($g->[1]{'access-control-allow-origin'}, 'https://board.example.org',
   'CORS for the configured origin');
$g = get($csv, "-H 'Origin: https://evil.example'");
ok(!exists $g->[1]{'access-control-allow-origin'}, 'no CORS for another');

$g = get($csv, '--interface 127.0.0.2');
is($g->[0], 401, 'CSV not public: another address needs the password');
like($g->[1]{'www-authenticate'} // '', qr/Basic/, 'asks for it');
is(get($csv, '--interface 127.0.0.2 -u board:wrong')->[0], 401,
   'a wrong password is refused');
$g = get($csv, '--interface 127.0.0.2 -u board:b0ard');
is($g->[0], 200, 'the password opens it');
like($g->[2], qr/Zoë/, '... the CSV');

$g = get("$base/live/");
is($g->[0], 200, 'the page under /live/');
like($g->[2], qr/<html/i, '... is the page');
like(get("$base/")->[2], qr/the static site/, 'the rest is proxied');

# a burst answered without a rate limit: 200 requests, no 4xx/5xx
my $codes = `for i in \$(seq 1 200); do curl -sk -o /dev/null -w '%{http_code}\\n' $hdr --data-binary '$body' $base/webhook & done; wait`;
my %c;
$c{$_}++ for split /\n/, $codes;
is_deeply(\%c, { 200 => 200 }, 'a burst of 200 webhooks: all 200')
    or diag(explain(\%c));

unlike(slurp("$d/prefix/logs/error.log") // '', qr/\[(emerg|alert|crit)\]/,
       'no serious errors');

# ------------------------------------------------ the Redis snippet, live
{
    my $rp = free_port();
    my $rd = tmp_dir() . '/redis-prod';
    make_path($rd);
    my $rpid = fork // die;
    if ($rpid == 0) {
        open(STDOUT, '>', "$rd/out.log");
        open(STDERR, '>&', \*STDOUT);
        exec('redis-server', "$d/usr/local/share/zoomtrack/redis/zoomtrack.conf",
             '--port', $rp, '--dir', $rd, '--daemonize', 'no')
            or POSIX::_exit(127);
    }
    my $pw = 'CHANGE-ME-openssl-rand-hex-32';
    my $cli = "redis-cli -p $rp --no-auth-warning";
    ok(wait_until(sub { `$cli -a $pw ping 2>&1` =~ /PONG/ }, 10, 'redis'),
       'redis-server takes conf/redis/zoomtrack.conf')
        or diag(slurp("$rd/out.log"));
    like(`$cli ping 2>&1`, qr/NOAUTH/, 'requirepass: no password, no access');
    my $cfg = `$cli -a $pw config get appendonly 2>&1`
        . `$cli -a $pw config get appendfsync 2>&1`
        . `$cli -a $pw config get bind 2>&1`
        . `$cli -a $pw config get maxmemory-policy 2>&1`;
    like($cfg, qr/appendonly\s+yes/, 'appendonly yes');
    like($cfg, qr/appendfsync\s+everysec/, 'appendfsync everysec');
    like($cfg, qr/bind\s+127\.0\.0\.1 -::1/, 'bound to loopback');
    like($cfg, qr/noeviction/, 'never evicts queued events');
    kill 'TERM', $rpid;
    ZtTest::reap($rpid, 20);
}

done_testing();
