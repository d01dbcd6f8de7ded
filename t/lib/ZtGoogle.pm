package ZtGoogle;

# Perl side of the Google Cloud tests (t/6xx-*.t): a throwaway
# service-account key, the Google double (t/doubles/google-double.py:
# token endpoint, metadata server, BigQuery, a strict front for GCS) and
# Google's own Storage emulator (t/gcs-emulator, installed on demand from
# the npm registry into a cache shared by checkouts, with the pinned
# Node.js it runs on).  A test that cannot get the emulator fails (BAIL_OUT
# with $ZtGoogle::EMU_ERROR), never skips.

use strict;
use warnings;

use Exporter qw(import);
use File::Path qw(make_path);
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

use ZtTest;

our @EXPORT = qw(test_key start_google_double start_gcs_emulator
    gcs_emulator_dir zoom_conf);

my $JSON = JSON::PP->new->canonical;
my $N = 0;
our @STOP;

END { local $?; $_->stop for reverse @STOP; }

our $ISS = 'zt-test@zt-proj.iam.gserviceaccount.com';
our $PROJECT = 'zt-proj';

# a 2048-bit RSA key as a service-account JSON file whose token_uri is
# $token_uri; returns { file, n (modulus hex), pem }
sub test_key {
    my ($dir, $token_uri, %o) = @_;
    make_path($dir);
    my $pem = "$dir/key.pem";
    system("openssl genrsa -out '$pem' 2048 2>/dev/null") == 0
        or die "openssl genrsa failed";
    my $mod = `openssl rsa -in '$pem' -noout -modulus 2>/dev/null`;
    $mod =~ s/^Modulus=//;
    chomp $mod;
    my $key = {
        type => 'service_account', project_id => $PROJECT,
        private_key_id => 'kid-' . int(rand(1e9)),
        private_key => ZtTest::slurp($pem),
        client_email => $o{email} // $ISS, client_id => '1234567890',
        token_uri => $token_uri,
    };
    my $file = "$dir/key.json";
    ZtTest::spit($file, $JSON->encode($key));
    chmod 0600, $file;
    return { file => $file, n => $mod, pem => $key->{private_key} };
}

# A drainer/camera/reconcile configuration with the Zoom API double and,
# when %{$o{warehouse}} is not empty, the warehouse on the BigQuery double:
#   zoom_conf(dir => D, name => N, redis => R, zoom => ZOOM_DOUBLE,
#             secret => FILE, key => test_key(), google => DOUBLE,
#             timezone => TZ, log_level => L, warehouse => { ... })
# Returns the path of D/zt.conf.  The caller has loaded ZoomDouble.
sub zoom_conf {
    my (%o) = @_;
    my $dir = $o{dir};
    mkdir $dir;
    my %wh = %{ $o{warehouse} || {} };
    my %z = (account_id => $ZoomDouble::CRED{account_id},
             client_id => $ZoomDouble::CRED{client_id},
             client_secret_file => $o{secret},
             oauth_url => $o{zoom}->url('/oauth/token'),
             api_base => $o{zoom}->url('/v2'), timeout_ms => 2000,
             max_retries => 2);
    my %sec = (redis => { address => $o{redis}->address },
               drain => { consumer => $o{name}, block_ms => 100 },
               archive => { enabled => 'no' },
               status => { enabled => 'no' },
               zoom => \%z, warehouse => \%wh);
    $sec{camera} = $o{camera} if $o{camera};
    $sec{google} = { credentials_file => $o{key}{file},
                     bigquery_endpoint => $o{google}->url } if %wh;
    my $c = "data_dir = $dir\ntimezone = $o{timezone}\n"
          . "log_level = $o{log_level}\nlog_file = $dir/zoomtrack.log\n";
    for my $s (sort keys %sec) {
        $c .= "\n[$s]\n" . join('', map { "$_ = $sec{$s}{$_}\n" }
                                    sort keys %{ $sec{$s} });
    }
    ZtTest::spit("$dir/zt.conf", $c);
    return "$dir/zt.conf";
}

# ------------------------------------------------------------ the double

sub start_google_double { ZtGoogle::Double->new(@_) }

# why the last start_gcs_emulator() returned undef
our $EMU_ERROR = '';

# (directory holding node_modules, node binary to run the emulator with) as
# t/gcs-emulator/install prints them; () with $EMU_ERROR set when it fails
sub gcs_emulator_dir {
    my $inst = ZtTest::top_dir() . '/t/gcs-emulator/install';
    my $log = ZtTest::tmp_dir() . '/gcs-emu-install.log';
    my $out = `'$inst' 2>'$log'`;
    my $rc = $?;
    my @err = grep { /\S/ } split /\n/, (ZtTest::slurp($log) // '');
    my ($dir, $node) = split /\n/, $out // '';
    if ($rc || !$dir || !$node) {
        # the whole story on stderr, its last line (install's own verdict)
        # as the reason: BAIL_OUT shows one line
        print STDERR map { "# $_\n" } @err > 20 ? @err[-20 .. -1] : @err;
        $EMU_ERROR = 't/gcs-emulator/install failed (exit ' . ($rc >> 8)
                   . '): ' . ($err[-1] // 'no output');
        return;
    }
    unless (-d "$dir/node_modules/firebase-tools") {
        $EMU_ERROR = "no firebase-tools in $dir: remove it and retry";
        return;
    }
    return ($dir, $node);
}

sub start_gcs_emulator { ZtGoogle::Emulator->new(@_) }


package ZtGoogle::Double;

use JSON::PP;
use POSIX qw(WNOHANG);

sub new {
    my ($class, %o) = @_;
    my $dir = ZtTest::tmp_dir() . '/google-' . ++$N;
    File::Path::make_path($dir);
    my $self = bless { dir => $dir, port => $o{port} // ZtTest::free_port(),
                       log => "$dir/requests.jsonl" }, $class;
    my @args = ('--port', $self->{port}, '--log', $self->{log},
                '--project', $PROJECT, '--iss', $o{iss} // $ISS);
    push @args, '--key-n', $o{key_n} if $o{key_n};
    push @args, '--gcs-upstream', $o{gcs_upstream} if $o{gcs_upstream};
    push @args, '--gcs-auth' if $o{gcs_auth};
    push @args, '--gcs-roles', $o{gcs_roles} if $o{gcs_roles};
    push @args, '--no-dedup' if $o{no_dedup};
    push @args, '--expires-in', $o{expires_in} if $o{expires_in};
    push @args, '--page-size', $o{page_size} if $o{page_size};
    push @args, '--streaming-buffer-s', $o{streaming_buffer_s}
        if $o{streaming_buffer_s};
    push @args, '--gcs-max-results', $o{gcs_max_results}
        if $o{gcs_max_results};
    my $py = ZtTest::top_dir() . '/t/doubles/google-double.py';
    $self->{pid} = ZtTest::spawn(cmd => [ 'python3', $py, @args ],
                                 log => "$dir/double.out");
    ZtTest::wait_until(sub {
        my $r = ZtTest::http(1)->get($self->url('/_health'));
        return $r->{status} == 200;
    }, 15, "google double on $self->{port}")
        or die "google double did not start: "
               . (ZtTest::slurp("$dir/double.out") // '');
    push @ZtGoogle::STOP, $self;
    return $self;
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    local $?;
    kill 'TERM', $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
}

sub port { $_[0]{port} }
sub url  { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '') }

sub control {
    my ($self, $c) = @_;
    my $r = ZtTest::http(5)->post($self->url('/_control'),
        { content => encode_json($c),
          headers => { 'content-type' => 'application/json' } });
    die "control: $r->{status}" unless $r->{status} == 200;
}

sub faults { $_[0]->control({ faults => $_[1] }) }

sub state {
    my ($self, @fields) = @_;
    my $r = ZtTest::http(10)->get($self->url('/_state'
        . (@fields ? '?fields=' . join(',', @fields) : '')));
    die "state: $r->{status}" unless $r->{status} == 200;
    return decode_json($r->{content});
}

sub counts { $_[0]->state('-')->{counts} }

sub requests {
    my ($self) = @_;
    my $d = ZtTest::slurp($self->{log}) // '';
    return [ map { decode_json($_) } grep { length } split /\n/, $d ];
}

# rows of table ("dataset.table"), all fields or only @fields
sub rows {
    my ($self, $table, @fields) = @_;
    my $t = $self->state(@fields)->{tables}{$table};
    return $t ? $t->{rows} : [];
}


package ZtGoogle::Emulator;

use JSON::PP;

sub new {
    my ($class, %o) = @_;
    my ($dist, $node) = ZtGoogle::gcs_emulator_dir() or return undef;
    my $dir = ZtTest::tmp_dir() . '/gcs-emu-' . ++$N;
    File::Path::make_path("$dir/tmp");
    my $self = bless { dir => $dir, port => ZtTest::free_port() }, $class;
    my $js = ZtTest::top_dir() . '/t/gcs-emulator/gcs-emu.js';
    $self->{pid} = ZtTest::spawn(
        cmd => [ $node, $js ], log => "$dir/emu.out",
        env => { ZT_GCS_EMU_DIR => $dist, PORT => $self->{port},
                 TMPDIR => "$dir/tmp" });
    ZtTest::wait_until(sub {
        (ZtTest::slurp("$dir/emu.out") // '') =~ /ready/
    }, 60, "gcs emulator on $self->{port}")
        or die "gcs emulator did not start: "
               . (ZtTest::slurp("$dir/emu.out") // '');
    push @ZtGoogle::STOP, $self;
    return $self;
}

sub stop {
    my ($self) = @_;
    return unless $self->{pid};
    local $?;
    kill 'CONT', $self->{pid};
    kill 'TERM', $self->{pid};
    waitpid($self->{pid}, 0);
    delete $self->{pid};
}

# an outage that keeps the stored objects: the process stops answering
sub pause  { kill 'STOP', $_[0]{pid} }
sub resume { kill 'CONT', $_[0]{pid} }

sub port { $_[0]{port} }
sub url  { "http://127.0.0.1:$_[0]{port}" . ($_[1] // '') }

sub _enc { my $s = shift; $s =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge; $s }

# an object's bytes, or undef
sub object {
    my ($self, $bucket, $name) = @_;
    my $r = ZtTest::http(10)->get(
        $self->url("/storage/v1/b/$bucket/o/" . _enc($name) . '?alt=media'));
    return $r->{status} == 200 ? $r->{content} : undef;
}

# every object name under prefix (follows nextPageToken)
sub list {
    my ($self, $bucket, $prefix) = @_;
    my (@names, $tok);
    do {
        my $u = "/storage/v1/b/$bucket/o?prefix=" . _enc($prefix // '')
              . ($tok ? '&pageToken=' . _enc($tok) : '');
        my $r = ZtTest::http(30)->get($self->url($u));
        die "list: $r->{status}" unless $r->{status} == 200;
        my $d = decode_json($r->{content});
        push @names, map { $_->{name} } @{ $d->{items} || [] };
        $tok = $d->{nextPageToken};
    } while ($tok);
    return @names;
}

1;
