#!/bin/sh
# The full census of trixie (issue #19): every package of main, contrib, non-free and
# non-free-firmware (amd64 + all) that ships trained models, inspected and placed under each
# profile.  Downloads the candidate .debs (a few GB) into $CACHE; a re-run inspects only the
# packages whose version changed.  Time and peak memory come from /usr/bin/time -v.
#
#   bench/census_trixie.sh            # writes bench/out/census-trixie/{census.json,csv,html,time.txt,stderr.log}
#   MIRROR=http://ftp.de.debian.org/debian CACHE=/srv/cache bench/census_trixie.sh
#
# docs/census.md is made from its output with bench/census_table.py.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SUITE=${SUITE:-trixie}
CACHE=${CACHE:-/var/tmp/mlmodel-census-cache}
OUT=${OUT:-$top/bench/out/census-$SUITE}
PYTHON=${PYTHON:-/usr/bin/python3}
JOBS=${JOBS:-4}
MIN_FREE_GB=${MIN_FREE_GB:-30}
mkdir -p "$OUT" "$CACHE"
free_gb=$(df -Pk "$CACHE" | awk 'NR==2 {print int($4 / 1048576)}')
if [ "$free_gb" -lt "$MIN_FREE_GB" ]; then
  echo "census_trixie: only ${free_gb} GB free under $CACHE (want $MIN_FREE_GB)" >&2
  exit 2
fi
echo "census_trixie: $MIRROR $SUITE -> $OUT (cache $CACHE, ${free_gb} GB free)" >&2
set +e
PYTHONPATH=$top /usr/bin/time -v -o "$OUT/time.txt" nice -n 19 "$PYTHON" -m dh_mlmodel.cli census \
  --mirror "$MIRROR" --suite "$SUITE" \
  --component main --component contrib --component non-free --component non-free-firmware \
  --arch amd64 --cache "$CACHE" --jobs "$JOBS" \
  --json "$OUT/census.json" --csv "$OUT/census.csv" --html "$OUT/census.html" \
  >"$OUT/stdout.log" 2>"$OUT/stderr.log"
rc=$?
set -e
cat "$OUT/stdout.log"
grep -E "Elapsed|Maximum resident" "$OUT/time.txt" >&2
du -sh "$CACHE" >&2
exit $rc
