package ZoomDouble;

# Perl side of the Zoom API double (t/zoom-double.py): starts it on a free
# loopback port with a scenario, reads its request log, changes its faults,
# and prepares what `zoomtrack camera` needs around it (a warehouse with
# raw_events, a config file, the client secret in a file).  Used by
# t/300-camera-*.t .. t/329-*.t.

use strict;
use warnings;

use Exporter qw(import);
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use ZtTest;

our @EXPORT = qw(start_zoom_double camera_env make_warehouse sql_rows
    sql_value raw_event camera_conf);

my $JSON = JSON::PP->new->canonical;
my $N = 0;

our %CRED = (account_id => 'acct-Zt1', client_id => 'cid-Zt1',
             client_secret => 'S3cr3t-Do-Not-Log-9f2a');

sub start_zoom_double { ZoomDouble->new(@_) }

sub new {
    my ($class, %sc) = @_;
    my $dir = ZtTest::tmp_dir() . "/zoom-" . ++$N;
    File::Path::make_path($dir);
    my $self = bless { dir => $dir, port => ZtTest::free_port(),
                       log => "$dir/requests.jsonl" }, $class;
    my $scenario = { %CRED, expires_in => 3600, meetings => {},
                     settings => {}, faults => [], %sc };
    ZtTest::spit("$dir/scenario.json", $JSON->encode($scenario));
    ZtTest::spit($self->{log}, '');
    my $py = ZtTest::top_dir() . '/t/zoom-double.py';
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open(STDOUT, '>>', "$dir/double.out");
        open(STDERR, '>&', \*STDOUT);
        exec('python3', $py, '--port', $self->{port}, '--scenario',
             "$dir/scenario.json", '--log', $self->{log})
            or POSIX::_exit(127);
    }
    $self->{pid} = $pid;
    ZtTest::wait_until(sub {
        my $r = ZtTest::http(1)->get($self->url('/_health'));
        return $r->{status} == 200;
    }, 15, "zoom double on $self->{port}")
        or die "zoom double did not start: "
               . (ZtTest::slurp("$dir/double.out") // '');
    return $self;
}

sub DESTROY { $_[0]->stop }

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    local $?;
    kill 'TERM', $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
}

sub port { $_[0]{port} }
sub dir  { $_[0]{dir} }
sub url  { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '') }

# every request so far, oldest first (hash refs, see zoom-double.py)
sub requests {
    my ($self) = @_;
    my $d = ZtTest::slurp($self->{log}) // '';
    return [ map { decode_json($_) } grep { length } split /\n/, $d ];
}

sub clear_log { ZtTest::spit($_[0]{log}, '') }

# replaces the faults (and optionally expires_in, or some meetings)
sub control {
    my ($self, %o) = @_;
    my $r = ZtTest::http(5)->post($self->url('/_control'),
        { content => $JSON->encode({ %o }),
          headers => { 'content-type' => 'application/json' } });
    die "control: $r->{status}" unless $r->{status} == 200;
}

sub token_requests {
    [ grep { $_->{path} eq '/oauth/token' } @{ $_[0]->requests } ]
}

sub qos_requests {
    [ grep { $_->{path} =~ m{/participants/qos$} } @{ $_[0]->requests } ]
}

# ------------------------------------------------------------- warehouse

# a raw_events row; %o overrides columns
sub raw_event {
    my (%o) = @_;
    my $id = $o{event_id} // sprintf('ev-%06d', ++$N);
    my %r = (event_id => $id, event_date => '2026-11-20',
             event_type => 'meeting.participant_joined',
             event_timestamp => '', event_ts => 0, account_id => '',
             meeting_id => '', meeting_uuid => '', participant_id => '',
             participant_user_id => '', participant_uuid => '',
             parent_user_id => '', registrant_id => '',
             participant_name => '', participant_email => '',
             person_key => '', breakout_room_uuid => '', action => '',
             leave_reason => '', raw_payload => '{}', gcs_path => '',
             received_at => '', inserted_at => '2026-11-20T00:00:00Z', %o);
    return \%r;
}

sub sqlq { my $s = shift // ''; $s =~ s/'/''/g; "'$s'" }

# creates the warehouse with the project's DDL and the given rows
sub make_warehouse {
    my ($path, @rows) = @_;
    my $sql = '';
    for my $f (sort glob(ZtTest::top_dir() . '/sql/sqlite/[0-9]*.sql')) {
        $sql .= ZtTest::slurp($f) . "\n";
    }
    $sql .= "BEGIN;\n";
    for my $r (@rows) {
        my @k = sort keys %$r;
        $sql .= 'INSERT OR REPLACE INTO raw_events (' . join(',', @k)
              . ') VALUES (' . join(',', map { $_ eq 'event_ts'
                  ? int($r->{$_}) : sqlq($r->{$_}) } @k) . ");\n";
    }
    $sql .= "COMMIT;\n";
    run_sql($path, $sql);
}

sub run_sql {
    my ($path, $sql) = @_;
    my $f = ZtTest::tmp_dir() . "/sql." . ++$N;
    ZtTest::spit($f, $sql);
    my $out = `sqlite3 -bail '$path' < '$f' 2>&1`;
    die "sqlite3: $out" if $?;
    return $out;
}

# rows of a query as array refs (fields joined by \x1f)
sub sql_rows {
    my ($path, $sql) = @_;
    my $f = ZtTest::tmp_dir() . "/sql." . ++$N;
    ZtTest::spit($f, ".separator \"\\037\" \"\\n\"\n$sql;\n");
    my $out = `sqlite3 '$path' < '$f' 2>&1`;
    die "sqlite3: $out" if $?;
    return [ map { [ split /\x1f/, $_, -1 ] } grep { length } split /\n/,
             $out ];
}

sub sql_value {
    my $r = sql_rows(@_);
    return @$r ? $r->[0][0] : undef;
}

# --------------------------------------------------------------- config

# writes a zoomtrack config for the double and returns its path; %o:
# zoom => { key => value } overrides, camera => { key => value } for a
# [camera] section, timezone, log_level
sub camera_conf {
    my ($self, %o) = @_;
    my $dir = $self->{dir};
    my $sec = "$dir/client_secret";
    ZtTest::spit($sec, "$CRED{client_secret}\n");
    my %z = (account_id => $CRED{account_id},
             client_id => $CRED{client_id},
             client_secret_file => $sec,
             oauth_url => $self->url('/oauth/token'),
             api_base => $self->url('/v2'),
             timeout_ms => 2000, max_retries => 3,
             %{ $o{zoom} || {} });
    delete $z{$_} for grep { !defined $z{$_} } keys %z;
    my $conf = "data_dir = $dir/var\ntimezone = "
             . ($o{timezone} // 'UTC') . "\nlog_file = $dir/zoomtrack.log\n"
             . "log_level = " . ($o{log_level} // 'debug') . "\n"
             . "\n[warehouse]\npath = $dir/wh.db\n\n[zoom]\n"
             . join('', map { "$_ = $z{$_}\n" } sort keys %z);
    if (my $c = $o{camera}) {
        $conf .= "\n[camera]\n"
               . join('', map { "$_ = $c->{$_}\n" } sort keys %$c);
    }
    my $path = "$dir/zoomtrack-" . ++$N . ".conf";
    ZtTest::spit($path, $conf);
    return $path;
}

sub warehouse { "$_[0]{dir}/wh.db" }
sub log_text  { ZtTest::slurp("$_[0]{dir}/zoomtrack.log") // '' }

# an environment without any ZOOMTRACK_* variables of the caller's shell
sub camera_env {
    my (%e) = @_;
    delete $ENV{$_} for grep { /^ZOOMTRACK_/ } keys %ENV;
    return \%e;
}

1;
