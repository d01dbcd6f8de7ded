#!/usr/bin/perl
# zoomtrack camera usage and configuration errors: --help, a missing or bad
# --date, unknown options, and missing credentials exit 2 with a message
# naming the missing key, before any request is made.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZoomDouble;

my $zd = start_zoom_double();
make_warehouse($zd->warehouse);

sub camera {
    my ($args, %o) = @_;
    return run_zoomtrack([ 'camera', @$args ], env => camera_env(%o));
}

my ($rc, $out, $err) = camera([ '--help' ]);
is($rc, 0, '--help exits 0');
like($out, qr/usage: zoomtrack camera --date YYYY-MM-DD/, '--help: usage');
like($out, qr/ZOOMTRACK_ZOOM_CLIENT_SECRET/, '--help names the secret env');

($rc, $out, $err) = camera([ '-c', $zd->camera_conf ]);
is($rc, 2, 'no --date: exit 2');
like($err, qr/--date YYYY-MM-DD is required/, 'no --date: message');

($rc, $out, $err) = camera([ '-c', $zd->camera_conf, '--date',
                             '2026-02-30' ]);
is($rc, 2, 'impossible date: exit 2');
like($err, qr/bad --date "2026-02-30"/, 'bad date: message');

($rc, $out, $err) = camera([ '--date', '2026-11-20', '--frobnicate' ]);
is($rc, 2, 'unknown option: exit 2');
like($err, qr/unknown option "--frobnicate"/, 'unknown option: message');

($rc, $out, $err) = camera([ '-c', '/nonexistent/zoomtrack.conf',
                             '--date', '2026-11-20' ]);
is($rc, 2, 'unreadable config: exit 2');

my %cases = (
    account_id => qr/missing zoom\.account_id.*ZOOMTRACK_ZOOM_ACCOUNT_ID/,
    client_id  => qr/missing zoom\.client_id.*ZOOMTRACK_ZOOM_CLIENT_ID/,
    client_secret_file => qr/no\ client_secret:\ set
                             \ ZOOMTRACK_ZOOM_CLIENT_SECRET
                             \ or\ zoom\.client_secret_file/x,
);
for my $key (sort keys %cases) {
    my $conf = $zd->camera_conf(zoom => { $key => '' });
    ($rc, $out, $err) = camera([ '-c', $conf, '--date', '2026-11-20' ]);
    is($rc, 2, "missing $key: exit 2");
    like($err, $cases{$key}, "missing $key: the message names it");
    unlike($err, qr/\Q$ZoomDouble::CRED{client_secret}\E/,
           "missing $key: no secret");
}

my $conf = $zd->camera_conf(zoom => { client_secret_file =>
                                      '/nonexistent/secret' });
($rc, $out, $err) = camera([ '-c', $conf, '--date', '2026-11-20' ]);
is($rc, 2, 'unreadable secret file: exit 2');
like($err, qr/cannot open zoom\.client_secret_file "\/nonexistent\/secret"/,
     'unreadable secret file: message');

# an account id from the environment completes the configuration
$conf = $zd->camera_conf(zoom => { account_id => '' });
($rc, $out, $err) = camera([ '-c', $conf, '--date', '2026-11-20' ],
                           ZOOMTRACK_ZOOM_ACCOUNT_ID =>
                               $ZoomDouble::CRED{account_id});
is($rc, 0, 'account_id from the environment: exit 0') or diag($err);

$conf = $zd->camera_conf(zoom => { max_retries => 'lots' });
($rc, $out, $err) = camera([ '-c', $conf, '--date', '2026-11-20' ]);
is($rc, 2, 'bad max_retries: exit 2');
like($err, qr/zoom\.max_retries/, 'bad max_retries: message');

is(scalar(@{ $zd->token_requests }), 0, 'no token was requested by any of '
   . 'them (an empty day needs no token)');

done_testing();
