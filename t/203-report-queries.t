#!/usr/bin/perl

# The SQLite example queries (sql/sqlite/queries/) run on a report CSV
# loaded with sqlite3 .import, as their headers explain.

use strict;
use warnings;

use Test::More;

use lib 't/lib';
use ZtTest;

my $top = top_dir();
chdir $top or die;

my $db = tmp_dir() . '/queries.db';
system('sqlite3', $db, '.import --csv t/data/report/camera.2026-02-03.csv '
       . 'daily_reports') == 0 or die 'sqlite3 .import failed';

my $j = `sqlite3 -csv $db < sql/sqlite/queries/participant_journey.sql`;
is($j, "2026-02-03,\"Jane Doe\",jane\@example.com,1,Room-1,"
       . "\"2026-02-03 09:10:00\",\"2026-02-03 09:30:00\",20.00,60.0,ok,"
       . "\"Main room\"\n"
       . "2026-02-03,\"Jane Doe\",jane\@example.com,1,Room-1,"
       . "\"2026-02-03 11:05:00\",\"2026-02-03 11:15:00\",10.00,\"\",pending,"
       . "\"Main room\"\n",
   'participant journey: visits in order, rows without a room left out');

my $s = `sqlite3 -csv $db < sql/sqlite/queries/room_activity_summary.sql`;
is($s, "Room-1,1,2,15.0,60.0\n",
   'room summary: pending camera cells are skipped, not averaged as 0');

done_testing();
