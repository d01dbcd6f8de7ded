package Fixture;

# Report scenarios: a compact event list (t/data/report/*.ev) becomes SQL
# that fills a zoomtrack SQLite warehouse the way the drainer would.
#
#   tz Europe/Istanbul                     configured time zone
#   date 2026-02-03                        base date for HH:MM:SS times
#   meeting M uuid=U id=123                meeting instance alias
#   person P id=.. reg=.. email=.. name=.. identity fields (quote spaces)
#   room R uuid=U                          breakout room alias
#   at TIME M start|end                    meeting.started / meeting.ended
#   at TIME M join P                       participant_joined
#   at TIME M leave P                      (left_breakout_room +)
#                                          participant_left
#   at TIME M move P R|main                Zoom's room move: main left +
#                                          joined, room left/joined
#   at TIME M ev TYPE P [R] [reason=TEXT]  one raw event (TYPE without
#                                          "meeting." prefix), with
#                                          Zoom's leave_reason
#   camera M P FROM TO on|off              camera_minutes, one per minute
#   camera_status M ok|pending|unavailable camera_fetches row
#   room_name M|id:M R NAME                room_names row
#   preassign M NAME EMAIL...              preassigned_rooms rows
#   copies N [sameid|newid]                insert every event N times
#   shuffle SEED                           insert in a shuffled order
#
# TIME is HH:MM:SS[.mmm] on the base date (UTC) or a full ISO UTC time.
# Lines after # are comments.

use strict;
use warnings;

use Exporter qw(import);
use Text::ParseWords qw(shellwords);
use Time::Local qw(timegm);
use POSIX qw(strftime);

our @EXPORT_OK = qw(parse_fixture fixture_sql person_key sql_quote iso_ms
    load_warehouse);

sub sql_quote {
    my ($s) = @_;
    $s =~ s/'/''/g;
    return "'$s'";
}

sub person_key {
    my (%p) = @_;
    return "id:$p{id}" if defined $p{id} && $p{id} ne '';
    return "reg:$p{reg}" if defined $p{reg} && $p{reg} ne '';
    return 'email:' . lc($p{email}) if defined $p{email} && $p{email} ne '';
    return 'name:' . ($p{name} // '');
}

sub iso_ms {
    my ($t, $base) = @_;
    my ($d, $h, $mi, $s, $ms);
    if ($t =~ /^(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?$/) {
        ($h, $mi, $s, $ms) = ($1, $2, $3, $4);
        $d = $base // die "time $t without a date line\n";
    } elsif ($t =~ /^(\d{4}-\d\d-\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?Z$/x)
    {
        ($d, $h, $mi, $s, $ms) = ($1, $2, $3, $4, $5);
    } else {
        die "bad time \"$t\"\n";
    }
    my ($y, $mo, $da) = split /-/, $d;
    $ms = defined $ms ? substr($ms . '00', 0, 3) : 0;
    return (timegm($s, $mi, $h, $da, $mo - 1, $y) * 1000) + $ms;
}

sub kv {
    my %h;
    for (@_) {
        /^(\w+)=(.*)$/s or die "expected key=value, got \"$_\"\n";
        $h{$1} = $2;
    }
    return %h;
}

# returns a hash: tz, events (list of row hashes), sql (extra statements)
sub parse_fixture {
    my ($text) = @_;
    my %f = (tz => 'UTC', events => [], extra => [], copies => 1,
             idmode => 'sameid', meetings => {}, persons => {}, rooms => {},
             loc => {});
    my $n = 0;
    for my $line (split /\n/, $text) {
        $n++;
        $line =~ s/^\s+//;
        next if $line eq '' || $line =~ /^#/;
        $line =~ s/\s+#.*$//;
        my @w = shellwords($line);
        my $verb = shift @w;
        eval { fixture_line(\%f, $verb, @w); 1 }
            or die "fixture line $n: $@";
    }
    return \%f;
}

sub fixture_line {
    my ($f, $verb, @w) = @_;
    if ($verb eq 'tz') { $f->{tz} = $w[0]; return }
    if ($verb eq 'date') { $f->{date} = $w[0]; return }
    if ($verb eq 'meeting') {
        my $a = shift @w;
        $f->{meetings}{$a} = { kv(@w) };
        return;
    }
    if ($verb eq 'person') {
        my $a = shift @w;
        my %p = kv(@w);
        $p{key} = person_key(%p);
        $f->{persons}{$a} = \%p;
        return;
    }
    if ($verb eq 'room') {
        my $a = shift @w;
        $f->{rooms}{$a} = { kv(@w) };
        return;
    }
    if ($verb eq 'copies') {
        $f->{copies} = $w[0];
        $f->{idmode} = $w[1] // 'sameid';
        return;
    }
    if ($verb eq 'shuffle') { $f->{shuffle} = $w[0]; return }
    if ($verb eq 'at') { return at_line($f, @w) }

    my $m = sub { $f->{meetings}{$_[0]} // die "unknown meeting $_[0]\n" };
    if ($verb eq 'camera') {
        my ($ma, $pa, $from, $to, $on) = @w;
        my $p = $f->{persons}{$pa} // die "unknown person $pa\n";
        my ($a, $b) = (iso_ms($from, $f->{date}), iso_ms($to, $f->{date}));
        for (my $t = $a; $t < $b; $t += 60000) {
            push @{ $f->{extra} }, sprintf(
                "INSERT OR REPLACE INTO camera_minutes "
                . "VALUES (%s, %s, %d, %d);",
                sql_quote($m->($ma)->{uuid}), sql_quote($p->{key}), $t,
                $on eq 'on' ? 1 : 0);
        }
        return;
    }
    if ($verb eq 'camera_status') {
        push @{ $f->{extra} }, sprintf(
            "INSERT OR REPLACE INTO camera_fetches VALUES (%s, %s, '', "
            . "'2026-01-01T00:00:00.000Z');",
            sql_quote($m->($w[0])->{uuid}), sql_quote($w[1]));
        return;
    }
    if ($verb eq 'room_name') {
        my ($ma, $ra, $name) = @w;
        my $ref = $ma =~ s/^id:// ? $m->($ma)->{id} : $m->($ma)->{uuid};
        my $r = $f->{rooms}{$ra} // die "unknown room $ra\n";
        push @{ $f->{extra} }, sprintf(
            "INSERT OR REPLACE INTO room_names VALUES (%s, %s, %s);",
            sql_quote($ref), sql_quote($r->{uuid}), sql_quote($name));
        return;
    }
    if ($verb eq 'preassign') {
        my ($ma, $name, @emails) = @w;
        for my $e (@emails) {
            push @{ $f->{extra} }, sprintf(
                "INSERT OR REPLACE INTO preassigned_rooms VALUES "
                . "(%s, %s, %s, '2026-01-01T00:00:00.000Z');",
                sql_quote($m->($ma)->{id}), sql_quote($name),
                sql_quote(lc $e));
        }
        return;
    }
    die "unknown verb \"$verb\"\n";
}

sub at_line {
    my ($f, $time, $ma, $what, @w) = @_;
    my $ts = iso_ms($time, $f->{date});
    my $m = $f->{meetings}{$ma} // die "unknown meeting $ma\n";
    my $person = sub {
        return $f->{persons}{$_[0]} // die "unknown person $_[0]\n";
    };
    my $room = sub {
        return $f->{rooms}{$_[0]} // die "unknown room $_[0]\n";
    };
    my $add = sub {
        my ($type, $p, $r, $why) = @_;
        push @{ $f->{events} }, { type => "meeting.$type", ts => $ts,
                                  m => $m, p => $p, r => $r, why => $why };
    };

    if ($what eq 'start' || $what eq 'end') {
        $add->($what eq 'start' ? 'started' : 'ended');
        return;
    }
    if ($what eq 'ev') {
        my $type = shift @w;
        my $p = $person->(shift @w);
        my $why = @w && $w[-1] =~ /^reason=(.*)$/s ? (pop(@w), $1)[1] : undef;
        my $r = @w ? $room->(shift @w) : undef;
        $add->($type, $p, $r, $why);
        return;
    }
    my $pa = shift @w;
    my $p = $person->($pa);
    my $loc = \$f->{loc}{"$ma/$pa"};

    if ($what eq 'join') {
        $add->('participant_joined', $p);
        $$loc = 'main';
    } elsif ($what eq 'leave') {
        if ($$loc && $$loc ne 'main') {
            $add->('participant_left_breakout_room', $p, $room->($$loc));
        }
        $add->('participant_left', $p);
        $$loc = undef;
    } elsif ($what eq 'move') {
        my $to = shift @w;
        $add->('participant_left', $p);
        $add->('participant_joined', $p);
        if ($$loc && $$loc ne 'main') {
            $add->('participant_left_breakout_room', $p, $room->($$loc));
        }
        if ($to ne 'main') {
            $add->('participant_joined_breakout_room', $p, $room->($to));
        }
        $$loc = $to;
    } else {
        die "unknown event \"$what\"\n";
    }
}

sub local_date {
    my ($ms, $tz) = @_;
    local $ENV{TZ} = $tz;
    POSIX::tzset();
    my $d = strftime('%Y-%m-%d', localtime(int($ms / 1000)));
    return $d;
}

# the SQL that fills a warehouse whose DDL was already applied
sub fixture_sql {
    my ($f) = @_;
    my @rows;
    my $i = 0;
    for my $e (@{ $f->{events} }) {
        $i++;
        for my $c (1 .. $f->{copies}) {
            my $id = $f->{idmode} eq 'newid' ? "ev-$i-$c" : "ev-$i";
            push @rows, row_sql($f, $e, $id);
        }
    }
    if (defined $f->{shuffle}) {
        srand($f->{shuffle});
        for (my $j = @rows - 1; $j > 0; $j--) {
            my $k = int(rand($j + 1));
            @rows[$j, $k] = @rows[$k, $j];
        }
    }
    my $sql = "BEGIN;\n" . join("\n", @rows, @{ $f->{extra} }) . "\nCOMMIT;\n";
    local $ENV{TZ} = $ENV{TZ};
    POSIX::tzset();
    return $sql;
}

sub row_sql {
    my ($f, $e, $id) = @_;
    my $p = $e->{p} // {};
    my $r = $e->{r};
    my $action = $e->{type} =~ /joined/ ? 'JOIN'
               : $e->{type} =~ /left/ ? 'LEAVE' : '';
    my $ts = $e->{ts};
    my $iso = strftime('%Y-%m-%dT%H:%M:%S', gmtime(int($ts / 1000)))
              . sprintf('.%03dZ', $ts % 1000);
    my %c = (
        event_id => $id,
        event_date => local_date($ts, $f->{tz}),
        event_type => $e->{type},
        event_timestamp => $iso,
        event_ts => $ts,
        meeting_id => $e->{m}{id} // '',
        meeting_uuid => $e->{m}{uuid} // '',
        participant_id => $p->{id} // '',
        registrant_id => $p->{reg} // '',
        participant_name => $p->{name} // '',
        participant_email => $p->{email} // '',
        person_key => $e->{p} ? $p->{key} : '',
        breakout_room_uuid => $r ? $r->{uuid} : '',
        action => $action,
        leave_reason => $e->{why} // '',
        raw_payload => '{}',
        inserted_at => $iso,
    );
    my @k = sort keys %c;
    return 'INSERT OR IGNORE INTO raw_events (' . join(', ', @k)
        . ') VALUES (' . join(', ', map {
            $_ eq 'event_ts' ? $c{$_} : sql_quote($c{$_}) } @k) . ');';
}

# applies the DDL of sql/sqlite/0*.sql and the fixture to DIR/zoomtrack.db
sub load_warehouse {
    my ($f, $dir, $top) = @_;
    mkdir $dir;
    my $sql = '';
    for my $ddl (sort glob("$top/sql/sqlite/0*.sql")) {
        open(my $fh, '<', $ddl) or die "$ddl: $!";
        local $/;
        $sql .= <$fh>;
    }
    $sql .= fixture_sql($f);
    open(my $out, '>', "$dir/load.sql") or die "$dir/load.sql: $!";
    print $out $sql;
    close $out;
    system("sqlite3 $dir/zoomtrack.db < $dir/load.sql > /dev/null") == 0
        or die "sqlite3 failed on $dir/load.sql";
}

1;
