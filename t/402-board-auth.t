#!/usr/bin/perl

# The room board behind a password, as README "Production" serves it: the
# page at /live/ for everyone, /_data/ with auth_basic (from elsewhere than
# the host).  The page's polls are same-origin requests that carry the
# browser's credentials: a viewer who logged in (or whom the browser asks,
# as it does for a same-origin 401) sees the rooms, not "HTTP 401" for
# ever.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use ZtBrowser;
use ZtTest;

BAIL_OUT('chromium is not installed (scripts/install-deps)')
    unless ZtBrowser::chromium_path();

my $top = top_dir();
my $tmp = tmp_dir();

# the drainer's files as a live meeting leaves them
mkdir "$tmp/data" or die;
spit("$tmp/data/zoom-room-dashboard.csv",
     qq("Username","Status","Last Join","Last Left","Room","Meeting"\n)
     . qq("Ana Lima","online","2026-12-03 10:00:00","","Room-1",)
     . qq("85012345678"\n));
# user "board", password "b0ard"
chomp(my $hash = `openssl passwd -apr1 b0ard`);
spit("$tmp/htpasswd", "board:$hash\n");
chmod 0644, "$tmp/htpasswd", glob("$tmp/data/*");

my $ng = ZtTest::Nginx->new(conf => <<"CONF");
    server {
        listen 127.0.0.1:__PORT__;
        location /live/ { alias $top/web/board/; }
        location /_data/ {
            auth_basic "zoomtrack";
            auth_basic_user_file $tmp/htpasswd;
            alias $tmp/data/;
            default_type "text/csv; charset=utf-8";
            add_header Cache-Control "no-store" always;
        }
    }
CONF
my $base = "http://127.0.0.1:$ng->{port}";
is(http()->get("$base/_data/zoom-room-dashboard.csv")->{status}, 401,
   '/_data/ asks for the password');

my $b = ZtBrowser->new(width => 1024, height => 800);
$b->visit("$base/live/");
# the browser's login dialog: DevTools answers the challenge a same-origin
# poll raises, as the viewer would
$b->cmd('Fetch.enable', { handleAuthRequests => JSON::PP::true,
                          patterns => [ { urlPattern => '*' } ] });
my ($asked, $shown) = (0, 0);
my $deadline = time + 30;
while (time < $deadline && !$shown) {
    # a paused request may have come while a command waited for its answer
    # (ZtBrowser queues such events): it must be answered too, or the
    # page's poll hangs until it times out
    my ($i) = grep { ($b->{events}[$_]{method} // '') =~ /^Fetch\./ }
                   0 .. $#{ $b->{events} };
    my $m = defined $i ? splice(@{ $b->{events} }, $i, 1)
                       : ZtBrowser::_read($b, 0.5);
    my $ev = $m && $m->{method} ? $m->{method} : '';
    if ($ev eq 'Fetch.requestPaused') {
        $b->cmd('Fetch.continueRequest',
                { requestId => $m->{params}{requestId} });
    } elsif ($ev eq 'Fetch.authRequired') {
        $asked++;
        $b->cmd('Fetch.continueWithAuth',
                { requestId => $m->{params}{requestId},
                  authChallengeResponse => { response => 'ProvideCredentials',
                                             username => 'board',
                                             password => 'b0ard' } });
    } elsif ($m && $ev) {
        ZtBrowser::_event($b, $m);
    }
    $shown = eval {
        $b->eval('document.body.innerText.indexOf("Ana Lima") >= 0') };
}
ok($asked, 'the poll asks the browser for the password')
    or diag(eval { $b->eval('document.body.innerText') });
ok($shown, 'the board shows who is in the room')
    or diag(eval { $b->eval('document.body.innerText') });
unlike(eval { $b->eval('document.body.innerText') } // '', qr/HTTP 401/,
       'no "HTTP 401" left on the page');
$b->quit;

done_testing();
