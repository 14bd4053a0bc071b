#!/bin/sh
# Checks the build dependencies of pm on Debian; installs the missing ones
# when run as root, otherwise prints the exact command to run and fails.
#   tools/deps.sh build     - what `make`, `make test` and `make demo` need
#   tools/deps.sh browser   - Chromium and LibreOffice for `make check-browser`
#   tools/deps.sh valgrind  - valgrind for `make valgrind`
#   tools/deps.sh test      - optional tools the tests use (a test skips without them):
#                             YAML readers, hledger, beancount, Miller, GNU parallel
set -u
what=${1:-build}

# package:file-that-proves-it-is-there
case $what in
build)
    want="pkg-config:/usr/bin/pkg-config
gcc:/usr/bin/gcc
make:/usr/bin/make
libyaml-dev:/usr/include/yaml.h
libcsv-dev:/usr/include/csv.h
libpcre2-dev:/usr/include/pcre2.h
libcriterion-dev:/usr/include/criterion/criterion.h
nettle-dev:/usr/include/nettle/sha2.h
libxlsxwriter-dev:/usr/include/xlsxwriter.h
tzdata:/usr/share/zoneinfo/Asia/Shanghai"
    ;;
browser)
    want="chromium:/usr/bin/chromium
libreoffice-calc:/usr/bin/libreoffice"
    ;;
valgrind)
    want="valgrind:/usr/bin/valgrind"
    ;;
test)
    want="python3-yaml:/usr/lib/python3/dist-packages/yaml/__init__.py
ruby:/usr/bin/ruby
node-js-yaml:/usr/share/nodejs/js-yaml/package.json
hledger:/usr/bin/hledger
beancount:/usr/bin/bean-check
miller:/usr/bin/mlr
parallel:/usr/bin/parallel"
    ;;
*)
    echo "deps.sh: unknown set '$what'" >&2; exit 2 ;;
esac

missing=""
for pair in $want; do
    pkg=${pair%%:*}; file=${pair#*:}
    [ -e "$file" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "pm: installing missing packages:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || true
    apt-get install -y -qq $missing >&2 || {
        echo "pm: apt-get install failed; run: apt-get install -y$missing" >&2
        exit 1
    }
    exit 0
fi
echo "pm: missing build dependencies:$missing" >&2
echo "pm: install them with: sudo apt-get install -y$missing" >&2
exit 1
