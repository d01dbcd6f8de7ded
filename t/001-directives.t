# `nginx -t` catches every bad zoomtrack setting with a clear message, and
# accepts the good ones (including a unix socket address, a password file,
# a spool directory and settings inherited from http/server level).

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use Test::More;
use ZtTest;
use ZtWebhook;

my $dir = tmp_dir();
spit("$dir/secrets", SECRET . "\n" . SECRET2 . "\n");
spit("$dir/empty", "\n# only a comment\n\n");
spit("$dir/password", "s3cret-pass\n");
spit("$dir/nopassword", "\n");
spit("$dir/longpassword", ('s3cret-pass' x 50) . "\n");
chmod 0600, "$dir/secrets", "$dir/password";
mkdir "$dir/spool";
mkdir "$dir/adir";

sub conf {
    my ($http, $loc) = @_;
    $loc //= 'zoomtrack_webhook;';
    return <<"CONF";
    $http
    server {
        listen 127.0.0.1:__PORT__;
        location = /webhook { $loc }
    }
CONF
}

my $sf = "zoomtrack_secret_file $dir/secrets;";

# name, http-level text, location text, expected output (undef: success)
my @cases = (
    [ 'minimal', $sf, undef, undef ],
    [ 'everything set', "$sf zoomtrack_redis 127.0.0.1:6380; "
      . "zoomtrack_redis_password_file $dir/password; "
      . "zoomtrack_queue a b c; zoomtrack_redis_timeout 250ms; "
      . "zoomtrack_max_skew 10m; zoomtrack_spool $dir/spool;", undef, undef ],
    [ 'unix socket', "$sf zoomtrack_redis unix:/run/redis.sock;",
      undef, undef ],
    [ 'localhost', "$sf zoomtrack_redis localhost:6379;", undef, undef ],
    [ 'status without secret', '', 'zoomtrack_status;', undef ],
    [ 'location-level settings', '',
      "zoomtrack_secret_file $dir/secrets; zoomtrack_queue q; "
      . "zoomtrack_webhook;", undef ],
    [ 'webhook without secret file', '', undef,
      qr/"zoomtrack_webhook" requires "zoomtrack_secret_file"/ ],
    [ 'secret file missing', "zoomtrack_secret_file $dir/nope;", undef,
      qr/zoomtrack: cannot open secret file "[^"]*nope"/ ],
    [ 'secret file empty', "zoomtrack_secret_file $dir/empty;", undef,
      qr/zoomtrack: secret file "[^"]*empty" holds no secret/ ],
    [ 'secret file unreadable (a directory)',
      "zoomtrack_secret_file $dir/adir;", undef,
      qr/zoomtrack: cannot (read|open) secret file/ ],
    [ 'secret file twice', "$sf $sf", undef,
      qr/"zoomtrack_secret_file" directive is duplicate/ ],
    [ 'bad port', "$sf zoomtrack_redis 127.0.0.1:99999;", undef,
      qr/zoomtrack: invalid redis address "127.0.0.1:99999"/ ],
    [ 'address with a path', "$sf zoomtrack_redis 127.0.0.1:6379/0;", undef,
      qr/zoomtrack: invalid redis address/ ],
    [ 'empty address', "$sf zoomtrack_redis \"\";", undef,
      qr/zoomtrack: invalid redis address/ ],
    [ 'empty unix path', "$sf zoomtrack_redis unix:;", undef,
      qr/zoomtrack: invalid redis address/ ],
    [ 'empty queue name', "$sf zoomtrack_queue \"\";", undef,
      qr/zoomtrack: empty queue name/ ],
    [ 'no queue', "$sf zoomtrack_queue;", undef,
      qr/invalid number of arguments in "zoomtrack_queue"/ ],
    [ 'queue twice in the list', "$sf zoomtrack_queue a b a;", undef,
      qr/zoomtrack: queue "a" is listed twice/ ],
    [ 'bad timeout', "$sf zoomtrack_redis_timeout 1parsec;", undef,
      qr/"zoomtrack_redis_timeout" directive invalid value/ ],
    [ 'zero timeout', "$sf zoomtrack_redis_timeout 0;", undef,
      qr/zoomtrack: "zoomtrack_redis_timeout" must be positive/ ],
    [ 'bad max_skew', "$sf zoomtrack_max_skew soon;", undef,
      qr/"zoomtrack_max_skew" directive invalid value/ ],
    [ 'max_skew 0 is not "off"', "$sf zoomtrack_max_skew 0;", undef,
      qr/"zoomtrack_max_skew" directive must be more than 0/ ],
    [ 'password file missing',
      "$sf zoomtrack_redis_password_file $dir/nopw;", undef,
      qr/zoomtrack: cannot open redis password file "[^"]*nopw"/ ],
    [ 'password file empty',
      "$sf zoomtrack_redis_password_file $dir/nopassword;", undef,
      qr/zoomtrack: redis password file "[^"]*" holds no password/ ],
    [ 'password file unreadable (a directory)',
      "$sf zoomtrack_redis_password_file $dir/adir;", undef,
      qr/zoomtrack: cannot read redis password file "[^"]*adir" \(21: Is a directory\)/ ],
    [ 'password too long to be read whole',
      "$sf zoomtrack_redis_password_file $dir/longpassword;", undef,
      qr/zoomtrack: redis password file "[^"]*longpassword": the password is longer than 510 bytes/ ],
    [ 'spool dir missing', "$sf zoomtrack_spool $dir/nospool;", undef,
      qr/zoomtrack: spool directory "[^"]*nospool" is not accessible/ ],
    [ 'spool is a file', "$sf zoomtrack_spool $dir/password;", undef,
      qr/zoomtrack: spool "[^"]*password" is not a directory/ ],
    [ 'webhook outside location', "$sf zoomtrack_webhook;", undef,
      qr/"zoomtrack_webhook" directive is not allowed here/ ],
    [ 'webhook and status together', $sf,
      'zoomtrack_webhook; zoomtrack_status;',
      qr/"zoomtrack_status" directive is duplicate/ ],
);

for my $c (@cases) {
    my ($name, $http, $loc, $want) = @$c;
    my ($st, $out) = nginx_test(conf => conf($http, $loc));
    if ($want) {
        isnt($st, 0, "$name: nginx -t fails");
        like($out, $want, "$name: message") or diag($out);
    } else {
        is($st, 0, "$name: nginx -t succeeds") or diag($out);
    }
    ok(index($out, SECRET) < 0 && index($out, 's3cret-pass') < 0,
       "$name: no secret in the output");
}

# secrets readable by group or others: nginx -t succeeds but warns, naming
# the file and its mode; an owner-only file gets no warning
spit("$dir/open-secrets", SECRET . "\n");
chmod 0644, "$dir/open-secrets";
spit("$dir/group-password", "s3cret-pass\n");
chmod 0640, "$dir/group-password";
{
    my ($st, $out) = nginx_test(conf => conf(
        "zoomtrack_secret_file $dir/open-secrets; "
        . "zoomtrack_redis_password_file $dir/group-password;"));
    is($st, 0, 'loose secret files: nginx -t still succeeds') or diag($out);
    my $world = 'secret file "\S*open-secrets" is readable by others '
              . '\(mode 0644\): chmod 600 it';
    like($out, qr/\[warn\] .*$world/, 'world-readable secret file: warning')
        or diag($out);
    my $group = 'redis password file "\S*group-password" is readable by '
              . 'its group \(mode 0640\)';
    like($out, qr/\[warn\] .*$group/, 'group-readable password file: warning')
        or diag($out);
    ok(index($out, SECRET) < 0 && index($out, 's3cret-pass') < 0,
       'loose secret files: no secret in the output');

    ($st, $out) = nginx_test(conf => conf(
        "$sf zoomtrack_redis_password_file $dir/password;"));
    unlike($out, qr/readable by/, 'owner-only files: no warning');
}

done_testing();
