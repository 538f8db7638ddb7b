#!/usr/bin/env bash
# Runs Redis 7.0.15's TCL test suite (external-server mode) against Cove, one fresh
# node per unit, and prints pass/fail counts per unit. The suite is upstream code:
# fetch it yourself (e.g. valkey-io/valkey, branch 7.0) into a folder OUTSIDE this
# repository and pass that folder; nothing of it is committed here.
#
#   npm run build && scripts/redis-suite.sh /path/to/redis-7.0-tree [unit ...]
#
# With no units, runs the 33 units of shared/reference/compat-suites.md.
set -uo pipefail
tree=${1:?usage: redis-suite.sh /path/to/redis-7.0-tree [unit ...]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
units=("$@")
if [ ${#units[@]} -eq 0 ]; then
  units=(type/string type/incr type/hash type/list type/list-3 type/set type/zset expire keyspace protocol pubsub
    multi info-command quit scan sort bitops bitfield hyperloglog introspection introspection-2 pause latency-monitor
    slowlog other type/stream type/stream-cgroups geo tracking dump scripting functions lazyfree)
fi
logdir=${COVE_SUITE_LOGS:-/tmp/cove-redis-suite}
mkdir -p "$logdir"
tags="-slow -needs:debug -needs:repl -needs:save -needs:pfdebug -needs:config-maxmemory"
total_ok=0
total_err=0
printf '%-22s %6s %6s %s\n' unit ok err exceptions
for unit in "${units[@]}"; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
  node "$here/dist/src/cli/main.js" server --engine valkey --port "$port" >"$logdir/node-${unit//\//_}.log" 2>&1 &
  pid=$!
  for _ in $(seq 50); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  log="$logdir/${unit//\//_}.log"
  (cd "$tree" && timeout 600 tclsh tests/test_helper.tcl --host 127.0.0.1 --port "$port" --single "unit/$unit" \
    --tags "$tags" --ignore-encoding --timeout 60 --skiptest "UNLINK can reclaim memory in background" --clients 1) >"$log" 2>&1
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  clean=$(sed -r 's/\x1b\[[0-9;]*m//g' "$log")
  ok=$(grep -c '^\[ok\]:' <<<"$clean")
  err=$(grep -c '^\[err\]:' <<<"$clean")
  exc=$(grep -c '^\[exception\]:' <<<"$clean")
  total_ok=$((total_ok + ok))
  total_err=$((total_err + err + exc))
  printf '%-22s %6d %6d %s\n' "$unit" "$ok" "$err" "$([ "$exc" -gt 0 ] && echo "exception (unit stopped)")"
done
printf '%-22s %6d %6d\n' total "$total_ok" "$total_err"
