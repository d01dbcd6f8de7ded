# Helpers shared by the drain tests (t/1[0-3]?-drain-*.t) and bench/drain:
# queue records built like core's zt_event_record, a pipelined RESP
# pusher, a drain config writer, and process control for `zoomtrack drain`.
# Loaded with `require`; everything lives in package ZtDrain.

package ZtDrain;

use strict;
use warnings;

use File::Path qw(make_path);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(strftime);
use Time::HiRes qw(time);

use ZtTest;

my $JSON = JSON::PP->new->canonical;

my @ALL = qw(archive warehouse status);

# every sink of the sink table (zoomtrack/drain/zt_sinks.c) is linked in
sub sinks { @ALL }

sub rfc3339 {
    my ($ms) = @_;
    return strftime('%Y-%m-%dT%H:%M:%S', gmtime(int($ms / 1000)))
        . sprintf('.%03dZ', $ms % 1000);
}

# a UUID-shaped id unique to ($run, $n)
sub event_id {
    my ($run, $n) = @_;
    return sprintf('%08x-%04x-4%03x-8%03x-%012x', $run & 0xffffffff,
                   ($n >> 24) & 0xffff, ($n >> 12) & 0xfff, $n & 0xfff, $n);
}

# a queue record for payload bytes $body (fields as the record contract
# lists them); %o overrides fields (undef deletes one)
sub make_record {
    my ($body, %o) = @_;
    my $p = decode_json($body);
    my $obj = $p->{payload}{object} || {};
    my $part = $obj->{participant} || {};
    my $ts = $p->{event_ts} // 0;
    my $type = $p->{event} // '';
    my $action = $type =~ /_joined|_admitted/ ? 'JOIN'
               : $type =~ /_left/ ? 'LEAVE' : '';
    my %r = (
        event_id            => $o{event_id} // event_id($$, int(rand(1e9))),
        event_type          => $type,
        event_ts            => $ts,
        event_timestamp     => rfc3339($ts),
        account_id          => $p->{payload}{account_id} // '',
        meeting_id          => "" . ($obj->{id} // ''),
        meeting_uuid        => $obj->{uuid} // '',
        breakout_room_uuid  => $obj->{breakout_room_uuid} // '',
        participant_user_id => $part->{user_id} // '',
        participant_uuid    => $part->{participant_uuid} // '',
        participant_id      => $part->{id} // '',
        parent_user_id      => $part->{parent_user_id} // '',
        registrant_id       => $part->{registrant_id} // '',
        participant_name    => $part->{user_name} // '',
        participant_email   => $part->{email} // '',
        action              => $action,
        leave_reason        => $part->{leave_reason} // '',
        received_at         => rfc3339(int(time * 1000)),
        raw_payload         => $body,
    );
    for my $k (keys %o) {
        if (defined $o{$k}) { $r{$k} = $o{$k} } else { delete $r{$k} }
    }
    return $JSON->encode(\%r);
}

# $n distinct records: the joined/left example payloads with event_ts and
# the participant varied, so bodies differ too; returns (records, ids).
# Each template is encoded once with placeholders, then filled in by
# substitution (JSON::PP per record is too slow for 100,000).
sub make_records {
    my ($n, %o) = @_;
    my $base = $o{ts} // 1626230691572;
    my $run = $o{run} // (($$ << 8) ^ int(time));
    my @tpl;
    for my $name (qw(meeting.participant_joined meeting.participant_left
                     meeting.participant_joined_breakout_room)) {
        my $body = ZtTest::payload($name);
        $body =~ s/"event_ts": \d+/"event_ts": 7777777777777/;
        $body =~ s/"user_name": "[^"]*"/"user_name": "Person __N__"/;
        my $r = make_record($body, event_id => '__ID__',
                            event_timestamp => '__STAMP__');
        push @tpl, $r;
    }
    my (@recs, @ids);
    for my $i (0 .. $n - 1) {
        my $r = $tpl[$i % @tpl];
        my $ts = $base + $i * 1000;
        my $id = event_id($run, $i);
        my $stamp = rfc3339($ts);
        $r =~ s/7777777777777/$ts/g;
        $r =~ s/__N__/$i/g;
        $r =~ s/__ID__/$id/;
        $r =~ s/__STAMP__/$stamp/;
        push @recs, $r;
        push @ids, $id;
    }
    return (\@recs, \@ids);
}

# ------------------------------------------------------------------- redis

sub _resp { my $s = '*' . @_ . "\r\n"; $s .= '$' . length($_) . "\r\n$_\r\n" for @_; $s }

# sends many commands on one connection, reads all replies
sub pipeline {
    my ($port, @cmds) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Timeout => 10) or die "redis: $!";
    my @r;
    while (my @chunk = splice(@cmds, 0, 200)) {
        print $s join('', map { _resp(@$_) } @chunk);
        push @r, ZtTest::Redis::_read_reply($s) for @chunk;
    }
    close $s;
    return @r;
}

# LPUSHes records (in order) to each list
sub push_records {
    my ($port, $lists, $recs) = @_;
    my @cmds;
    for my $l (@$lists) {
        for (my $i = 0; $i < @$recs; $i += 500) {
            my $j = $i + 499 < $#$recs ? $i + 499 : $#$recs;
            push @cmds, [ 'LPUSH', $l, @{$recs}[$i .. $j] ];
        }
    }
    pipeline($port, @cmds);
}

# ------------------------------------------------------------------ config

# writes an INI file; %o: data_dir, redis, consumer, spool_dir, and
# section.key => value pairs
sub write_conf {
    my ($path, %o) = @_;
    my %sec;
    for my $k (keys %o) {
        next unless $k =~ /^(\w+)\.(\w+)$/;
        $sec{$1}{$2} = $o{$k};
    }
    my $c = "data_dir = $o{data_dir}\nlog_level = " . ($o{log_level} // 'info')
        . "\n";
    $c .= "timezone = $o{timezone}\n" if $o{timezone};
    $sec{redis}{address} //= $o{redis};
    $sec{drain}{consumer} //= $o{consumer} // 'test';
    $sec{drain}{block_ms} //= 100;
    $sec{drain}{backoff_min_ms} //= 20;
    $sec{drain}{backoff_max_ms} //= 300;
    $sec{spool}{dir} //= $o{spool_dir} if $o{spool_dir};
    for my $s (sort keys %sec) {
        $c .= "\n[$s]\n";
        $c .= "$_ = $sec{$s}{$_}\n" for sort keys %{ $sec{$s} };
    }
    ZtTest::spit($path, $c);
    return $path;
}

# A private Redis and a drainer's configuration in a new temporary
# directory: { tmp, redis, data, db, log, conf, lists }.  %o as write_conf.
sub fixture {
    my (%o) = @_;
    my $tmp = ZtTest::tmp_dir();
    my $redis = ZtTest::start_redis();
    my %f = (tmp => $tmp, redis => $redis, data => "$tmp/data",
             db => "$tmp/data/zoomtrack.db", log => "$tmp/drain.log",
             lists => [ map { "zoomtrack:$_" } sinks() ]);
    $f{conf} = write_conf("$tmp/drain.conf", data_dir => $f{data},
                          redis => $redis->address, %o);
    return \%f;
}

# ------------------------------------------------------------------ process

sub drain_cmd {
    my ($conf, @extra) = @_;
    my @cmd = (ZtTest::zoomtrack_bin(), 'drain', '-c', $conf, @extra);
    unshift @cmd, ZtTest::valgrind_zoomtrack() if $ENV{ZT_VALGRIND};
    return @cmd;
}

# starts `zoomtrack drain` in the background; log appended to $log
sub start_drain {
    my ($conf, $log) = @_;
    return ZtTest::spawn(cmd => [ drain_cmd($conf) ], log => $log);
}

# waits for $pid; returns its exit code (-1 if it was killed by a signal)
sub wait_exit {
    my ($pid, $timeout) = @_;
    my $st = ZtTest::reap($pid, $timeout);
    return $st & 127 ? -1 : $st >> 8;
}

# ------------------------------------------------------------------ sinks

sub sql {
    my ($db, $q) = @_;
    return undef unless -f $db;
    my $out = `sqlite3 -cmd '.timeout 5000' '$db' "$q" 2>/dev/null`;
    chomp $out;
    return $out;
}

sub db_count { sql($_[0], 'SELECT count(*) FROM raw_events') || 0 }

sub archive_files {
    my ($dir) = @_;
    my @f = glob("$dir/*/*.json");
    return @f;
}

sub dead_entries {
    my ($redis, $list) = @_;
    return map { decode_json($_) } @{ $redis->lrange("$list:dead") || [] };
}

1;
