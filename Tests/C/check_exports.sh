#!/bin/sh
# check_exports.sh HEADER LIBRARY
#
# 1. The global dynamic symbols the library defines (nm -D --defined-only,
#    upper-case type letters) are exactly the functions the header declares.
#    The declared names come from the header itself: it is preprocessed (which
#    drops comments) and every `swiftopt_name(` is taken as a declaration.
# 2. ldd lists no Swift runtime library (libswiftCore, libswift_Concurrency, ...).
# 3. Prints the library's size, its ldd output and the export count.
set -eu

header=$1
lib=$2
cc=${CC:-cc}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

[ -f "$lib" ] || { echo "test-exports: $lib does not exist (run make lib)"; exit 1; }

# Functions declared by the header (C view; no macros are function-like).
"$cc" -E -P -x c "$header" \
    | tr '\n' ' ' | grep -oE '(^|[^A-Za-z0-9_])swiftopt_[A-Za-z0-9_]+[[:space:]]*\(' \
    | sed -E 's/^[^s]//; s/[[:space:]]*\($//' | sort -u > "$tmp/declared"

# Global symbols defined by the library (strip any @VERSION suffix).
nm -D --defined-only "$lib" | awk 'NF >= 3 && $2 ~ /^[A-Z]$/ { print $3 }' \
    | sed 's/@.*//' | sort -u > "$tmp/exported"

n_declared=$(wc -l < "$tmp/declared" | tr -d ' ')
n_exported=$(wc -l < "$tmp/exported" | tr -d ' ')

if [ "$n_declared" -eq 0 ]; then
    echo "FAIL: found no function declarations in $header"
    status=1
fi
if ! cmp -s "$tmp/declared" "$tmp/exported"; then
    echo "FAIL: exported symbols differ from the header's declarations"
    echo "  declared in the header but not exported:"
    comm -23 "$tmp/declared" "$tmp/exported" | sed 's/^/    /'
    echo "  exported but not declared in the header:"
    comm -13 "$tmp/declared" "$tmp/exported" | sed 's/^/    /'
    status=1
else
    echo "ok: the $n_exported global exports are exactly the $n_declared functions declared in $header"
fi

ldd "$lib" > "$tmp/ldd"
if grep -i 'libswift' "$tmp/ldd" > "$tmp/swiftlibs"; then
    echo "FAIL: $lib depends on the Swift runtime:"
    sed 's/^/    /' "$tmp/swiftlibs"
    status=1
elif grep -q 'not found' "$tmp/ldd"; then
    echo "FAIL: $lib has unresolved dependencies"
    status=1
else
    echo "ok: ldd lists no Swift runtime library"
fi

size=$(wc -c < "$lib" | tr -d ' ')
echo "library: $lib"
echo "size: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.2f MiB", s / 1048576 }'))"
echo "exports: $n_exported"
echo "ldd:"
sed 's/ (0x[0-9a-f]*)$//; s/^[[:space:]]*/    /' "$tmp/ldd"

[ "$status" -eq 0 ] && echo "test-exports passed" || echo "test-exports FAILED"
exit "$status"
