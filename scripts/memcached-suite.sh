#!/usr/bin/env bash
# Runs memcached 1.6.18's own t/ suite (external-daemon mode) against Cove's memcached
# node and prints pass/fail counts per file. The suite is upstream code: check out
# memcached/memcached at tag 1.6.18 in a folder OUTSIDE this repository and pass that
# folder; nothing of it is committed here.
#
#   npx tsc -p . --outDir dist && scripts/memcached-suite.sh /path/to/memcached-1.6.18 [file.t ...]
#
# COVE_BUILD picks the compiled tree (default: dist). With no files, runs the 30 files of
# shared/reference/compat-suites.md. Each file gets a fresh node on a random port, so no
# file sees another's items, counters or settings. T_MEMD_USE_DAEMON points the harness
# at that node; the harness still runs "./memcached-debug -h" to detect optional
# features, so when the tree has no memcached-debug this writes a stand-in that prints
# the system memcached's help minus SASL/TLS/extstore/proxy/unix sockets (Cove's TCP
# node has none of those in this mode, so those tests skip themselves). A file's -m
# startup argument is passed on to the node; its other arguments do not apply.
set -uo pipefail
tree=$(cd "${1:?usage: memcached-suite.sh /path/to/memcached-1.6.18 [file.t ...]}" && pwd)
shift
here=$(cd "$(dirname "$0")/.." && pwd)
build=${COVE_BUILD:-$here/dist}
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(binary-get binary bogus-commands cas chunked-items evictions flags getandtouch getset incrdecr
    issue_104 issue_108 issue_14 issue_152 issue_163 issue_192 issue_22 issue_29 issue_3 issue_41
    issue_68 issue_70 malicious-commands metaget multiversioning noreply quit stats-detail
    strtol-testing touch)
fi
logdir=${COVE_SUITE_LOGS:-/tmp/cove-memcached-suite}
mkdir -p "$logdir"
if [ ! -e "$tree/memcached-debug" ]; then
  printf '#!/bin/sh\n/usr/bin/memcached -h | grep -viE "sasl|ssl|ext_|extstore|proxy|unix-socket"\n' >"$tree/memcached-debug"
  chmod +x "$tree/memcached-debug"
fi
total_ok=0
total_fail=0
printf '%-20s %6s %6s %s\n' file pass fail note
for f in "${files[@]}"; do
  f=${f%.t}
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  # In daemon mode the harness ignores the file's startup arguments; honour its -m (the
  # eviction files need a 3 MB node to evict anything).
  mem=$(grep -m1 -oE 'new_memcached\(.-m [0-9]+' "$tree/t/$f.t" | grep -oE '[0-9]+$')
  node "$build/src/cli/main.js" server --engine memcached --port "$port" ${mem:+-m "$mem"} >"$logdir/node-$f.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
  log="$logdir/$f.log"
  (cd "$tree" && T_MEMD_USE_DAEMON="127.0.0.1:$port" timeout 300 prove -v -It/lib "t/$f.t") >"$log" 2>&1
  status=$?
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  ok=$(grep -acE '^ok [0-9]+' "$log")
  fail=$(grep -acE '^not ok [0-9]+' "$log")
  planned=$(grep -a -m1 -oE '^1\.\.[0-9]+' "$log" | cut -d. -f3)
  note=""
  if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then note="harness exit $status"; fi
  if [ -n "$planned" ] && [ $((ok + fail)) -lt "$planned" ]; then note="$note ran $((ok + fail)) of $planned"; fi
  total_ok=$((total_ok + ok))
  total_fail=$((total_fail + fail))
  printf '%-20s %6d %6d %s\n' "$f" "$ok" "$fail" "$note"
done
printf '%-20s %6d %6d\n' total "$total_ok" "$total_fail"
