#!/bin/sh
# House-style checks on our C and Perl sources (after OpenResty's releng):
# lines over 80 columns, tabs, trailing white space, // comments.
set -u
cd "$(dirname "$0")/.."

status=0
files=$(git ls-files 'core/*.[ch]' 'zoomtrack/*/*.[ch]' \
        'ngx_http_zoomtrack_module/*.[ch]' 't/unit/*.[ch]')

for f in $files; do
    awk -v f="$f" '
        length($0) > 80 { printf "%s:%d: longer than 80 columns\n", f, NR; bad=1 }
        /\t/            { printf "%s:%d: tab\n", f, NR; bad=1 }
        /[ \t]+$/       { printf "%s:%d: trailing white space\n", f, NR; bad=1 }
        /^[^"]*\/\/ /   { printf "%s:%d: // comment\n", f, NR; bad=1 }
        END { exit bad }' "$f" || status=1
done

exit $status
