#!/usr/bin/env bash
# The benchmark command (make bench): one table of every row of issue 20's
# list, the service (its own process, through the HTTP API) beside a
# baseline doing the same bytes' plain work, medians of 3 rounds, with peak
# RSS. The work is TestBenchTable in cmd/accredpack (behind its -table
# flag); this script installs what it needs as the test command does and
# prints the table (also kept in .artifacts/bench.txt, the whole log in
# .artifacts/bench.log). About 5 minutes on 2 cores, most of it building.
#
#   BENCH_ROUNDS=5 BENCH_WINDOW=10s make bench   more rounds, longer read windows
#   BENCH_ROWS=1,3 make bench                    only these rows
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

. "$root/scripts/setup.sh"

mkdir -p "$ACCREDPACK_TEST_ARTIFACTS"
table=$ACCREDPACK_TEST_ARTIFACTS/bench.txt
log=$ACCREDPACK_TEST_ARTIFACTS/bench.log
rm -f "$table"
: >"$log" # emptied before tail follows it
# CPU time of the run: all of it, and what the hypervisor took for other
# machines (steal): on a shared VM the figures are only as steady as that.
cpu_times() { awk '/^cpu /{t=0; for (i=2;i<=9;i++) t+=$i; print t, $9}' /proc/stat; }
read -r total0 steal0 < <(cpu_times)
echo "== TestBenchTable (each round's figures as they come; the whole log in $log)"
status=0
go test -count=1 -timeout 20m -run '^TestBenchTable$' -v ./cmd/accredpack \
	-table -table.rounds "${BENCH_ROUNDS:-3}" -table.window "${BENCH_WINDOW:-5s}" -table.rows "${BENCH_ROWS:-}" -table.out "$table" \
	>>"$log" 2>&1 &
pid=$!
tail -n +1 --pid=$pid -f "$log" | grep --line-buffered -E 'table_test.go:[0-9]+: |^(--- FAIL|FAIL|panic:)' || true
wait $pid || status=$?
echo
if [ -f "$table" ]; then
	cat "$table"
	read -r total1 steal1 < <(cpu_times)
	stolen=$(awk -v t=$((total1 - total0)) -v s=$((steal1 - steal0)) 'BEGIN { printf "%.1f%%", t ? 100 * s / t : 0 }')
	echo "(machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end; CPU time stolen by the hypervisor during the run: $stolen)" | tee -a "$table"
fi
exit $status
