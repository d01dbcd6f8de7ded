# Private data on disk.  Participant names, emails and presence are
# personal data: by default every file and directory the drainer and the
# report create is owner-only.  [drain] file_mode / dir_mode widen that to
# a group (the live CSV and _data/ for the group nginx serves them with).
# A bad mode is a configuration error (exit 2).  Secret files readable by
# the group or by everyone get a warning on stderr.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/lib";
use File::Find;
use Test::More;
use ZtTest;

require "$FindBin::Bin/139-drain-lib.pl";

my $bin = zoomtrack_bin();
BAIL_OUT("$bin not built (make zoomtrack)") unless -x $bin;

my $tmp = tmp_dir();
my $redis = start_redis();
my @lists = map { "zoomtrack:$_" } qw(archive warehouse status);
my ($recs) = ZtDrain::make_records(20);

# every file and directory under $dir => its mode
sub modes {
    my ($dir) = @_;
    my %m;
    find({ no_chdir => 1, wanted => sub {
        $m{$File::Find::name} = (lstat $File::Find::name)[2] & 07777 } },
        $dir);
    return \%m;
}

sub run_drain {
    my ($name, %o) = @_;
    my $data = "$tmp/$name/data";
    my $conf = ZtDrain::write_conf("$tmp/$name.conf", data_dir => $data,
                                   redis => $redis->address, %o);
    ZtDrain::push_records($redis->port, \@lists, $recs);
    # runs under the umask 000 set below: the caller's must not matter
    my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
    is($rc, 0, "$name: drain --once exits 0") or diag($err);
    ($rc, $out, $err) = run_zoomtrack(['report', '-c', $conf, '--date',
                                       '2021-07-14']);
    is($rc, 0, "$name: report exits 0") or diag($err);
    return ($data, $conf);
}

umask 000;

# ------------------------------------------------------------- defaults

my ($data) = run_drain('default');
my $m = modes($data);
my @files = grep { -f $_ } keys %$m;
my @dirs = grep { -d $_ } keys %$m;
ok(scalar(grep { m{/raw/.+\.json$} } @files) == 20, 'archive written');
ok((grep { m{/zoomtrack\.db$} } @files), 'warehouse written');
ok((grep { m{/_data/zoom-room-dashboard\.csv$} } @files), 'CSV written');
ok((grep { m{/reports/} } @files), 'report written');
ok((grep { m{/drain-status\.json$} } @files), 'drain-status.json written');
my @open_f = grep { $m->{$_} != 0600 && $m->{$_} != 0400 } @files;
my @open_d = grep { $m->{$_} != 0700 && $_ ne $data } @dirs;
is_deeply(\@open_f, [], 'every file is owner-only (0600)')
    or diag(join "\n", map { sprintf('%04o %s', $m->{$_}, $_) } @open_f);
is_deeply(\@open_d, [], 'every directory is owner-only (0700)')
    or diag(join "\n", map { sprintf('%04o %s', $m->{$_}, $_) } @open_d);

# ------------------------------------------------- widened for a group

($data) = run_drain('group', 'drain.file_mode' => '0640',
                    'drain.dir_mode' => '0750');
$m = modes($data);
is($m->{"$data/_data/zoom-room-dashboard.csv"}, 0640,
   'file_mode 0640: the live CSV is group-readable');
is($m->{"$data/_data"}, 0750, 'dir_mode 0750: _data/ is group-searchable');
my @world = grep { $m->{$_} & 007 } keys %$m;
is_deeply(\@world, [], 'nothing is open to others');
is($m->{"$data/status-state.json"}, 0600,
   'the presence state (emails) stays owner-only');

# ------------------------------------------------------------ bad modes

for my $bad (['0999', qr/use an octal mode/],
             ['0646', qr/others may not write/],
             ['0060', qr/the owner needs access/]) {
    my $conf = ZtDrain::write_conf("$tmp/bad.conf", data_dir => "$tmp/bad",
                                   redis => $redis->address,
                                   'drain.file_mode' => $bad->[0]);
    my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
    is($rc, 2, "file_mode $bad->[0]: exit 2");
    like($err, qr/drain\.file_mode "$bad->[0]": /, 'names the key');
    like($err, $bad->[1], 'and the rule');
}

# -------------------------------------------------- readable secrets

my $secret = start_redis(password => 'sesame');
my $pw = "$tmp/redis.pw";
ZtTest::spit($pw, "sesame\n");
my $conf = ZtDrain::write_conf("$tmp/pw.conf", data_dir => "$tmp/pw",
                               redis => $secret->address,
                               'redis.password_file' => $pw);
for my $c ([0644, qr/is readable by every user \(mode 0644\); chmod 600 it/],
           [0640, qr/is readable by its group \(mode 0640\); chmod 600 it/],
           [0600, undef]) {
    chmod $c->[0], $pw;
    my ($rc, $out, $err) = run_zoomtrack(['drain', '-c', $conf, '--once']);
    is($rc, 0, sprintf('password file %04o: drain works', $c->[0]))
        or diag($err);
    if ($c->[1]) {
        like($err, qr/warning: redis\.password_file "\Q$pw\E" $c->[1]/,
             sprintf('%04o: warned on stderr', $c->[0]));
    } else {
        unlike($err, qr/warning/, '0600: no warning');
    }
    unlike($err, qr/sesame/, 'the secret itself is never printed');
}

done_testing();
