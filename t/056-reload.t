# nginx -s reload (HUP) and a graceful stop (QUIT): the old workers close
# their Redis connections and exit without "open socket left" alerts, the
# new ones connect and accept events; the counters survive the reload.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";

use JSON::PP;
use Test::More;
use ZtTest;
use ZtWebhook;

plan skip_all => 'single-process valgrind mode cannot reload'
    if $ENV{ZT_VALGRIND};

my ($redis, $ng) = setup();
my $body = payload('meeting.participant_joined');

is(post_signed($ng, $body)->{status}, 200, 'before reload: 200');

sub clients {
    my $l = $redis->cmd('CLIENT', 'LIST');
    return scalar grep { /cmd=(?!client)/ } split /\n/, $l;
}
ok(wait_until(sub { clients() == 2 }, 10), 'two workers, two connections');

$ng->reload;
ok(wait_until(sub { $ng->error_log =~ /worker process \d+ exited with code 0/ },
              20), 'an old worker exited with code 0');
ok(wait_until(sub { clients() == 2 }, 20),
   'after reload: old connections closed, two new ones');

is(post_signed($ng, $body)->{status}, 200, 'after reload: 200');
my $s = json_decode_ok(http()->get($ng->url('/status'))->{content});
is($s->{accepted}, 2, 'counters kept across the reload');
is($redis->llen('zt:a'), 2, 'both events queued');

is($ng->stop, 0, 'graceful stop');
my $log = $ng->error_log;
unlike($log, qr/open socket #\d+ left/, 'no socket left open');
unlike($log, qr/\[(alert|crit|error)\]/, 'no [error]');
ok(index($log, SECRET) < 0, 'no secret in the log');
ok(wait_until(sub { clients() == 0 }, 10), 'no connection left in redis');

done_testing();
