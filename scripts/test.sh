#!/usr/bin/env bash
# The test command (make test, .ci/run): installs the real servers the tests
# need, then runs every test. MinIO is built once from the Go module proxy
# and cached under .cache/minio; PostgreSQL comes from Debian's packages.
# Each test starts its own private servers on loopback (internal/testenv)
# and stops them when it ends; the servers also die with their test binary,
# and the trap below removes anything left, even when tests fail.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

started=$SECONDS
stage() { echo "== $1 (at $((SECONDS - started)) s)"; }

. "$root/scripts/setup.sh"
rm -rf "$ACCREDPACK_TEST_ARTIFACTS"

stage "gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
go vet ./...

stage "tests" && echo "   (MinIO: $ACCREDPACK_TEST_MINIO, PostgreSQL: $ACCREDPACK_TEST_PG_BIN)"
go test -count=1 -timeout 20m ./...

# A short run of every fuzz target (seeds committed in the tests; a crasher
# found lands in testdata/fuzz/ and fails this step). Longer runs: docs/development.md.
# Budgets are execution counts sized to 5-10 s each here, not -fuzztime
# durations: Go 1.26's fuzz coordinator can report a spurious "context
# deadline exceeded" when a duration ends mid-execution (golang/go#75804,
# fixed in Go 1.27); a count has no deadline to race.
stage "fuzzing, a fixed number of runs a target"
for target in identifiers:FuzzSNILS:500000 identifiers:FuzzPhone:500000 identifiers:FuzzIKP:500000 identifiers:FuzzINN:500000 \
	dossier:FuzzParseSlotRef:500000 catalog:FuzzLookup:300000 api:FuzzMultipart:60000 checks:FuzzCheckStream:2000 \
	compose:FuzzOrientation:200000; do
	pkg=${target%%:*}
	rest=${target#*:}
	name=${rest%%:*}
	count=${rest#*:}
	echo "-- $name ($count runs)"
	go test -run '^$' -fuzz "^$name\$" -fuzztime "${count}x" "./$pkg" 2>&1 | grep -v '^fuzz: elapsed'
done

# The race detector then runs over the packages with concurrent code paths.
# Not over the tests that prove an address-space limit kills a starving
# PDF parse or merge (package checks, TestBundleFailureAndRetry): under the
# race detector the sandbox children are race builds, which reserve memory
# differently, and the limit does not bind there. (The services that the
# tests of cmd/accredpack start use the dedicated accredpack-child, which
# the tests build once, without the race detector, as in production.) Those tests run above.
# Nor the access matrix (TestAccessMatrix): several hundred sequential calls
# that prove the policy, not concurrency, and take minutes with race-built
# sandbox children; it runs above. Nor the one-readiness contract
# (OneReadiness): some fifty sequential uploads and a browser proving that
# every place agrees on readiness, not concurrency; it runs above on both
# backends, and its webhook and bundle paths run under the race detector in
# the Webhooks and Bundles contracts. Nor the browser tests (TestWeb*): a
# person's walk through the pages, not concurrency, and minutes with a
# race-built service behind chromium; they run above. The API contract runs
# here once, on PostgreSQL and MinIO (the backends several processes
# share); on the embedded default it runs above (it took seven minutes
# under the race detector; its concurrent paths are the same code apart
# from the drivers, whose own packages run here). Nor the overload test
# (TestOverloadFiveTimesCapacity): 30 s at five times the bounds proving
# peak memory, which a race-built service does not keep to; the bounds'
# concurrency is tested in package api here. Nor the hostile uploads
# (TestHostileUploads: the corpus one file after another, two minutes under
# the race detector) and the service's OCR walks (TestReadings*, a turned
# scan stored upright, the portfolio's text layer: sequential uploads and
# readings, Tesseract's time); they run above, and the reading job's and
# reader's own concurrency runs here in packages readings and ocr.
stage "race detector"
# Each top-level test's time is printed (-v, filtered): the slowest ones
# are where this stage's minutes go. The whole output is kept in
# .artifacts/race.log.
mkdir -p "$ACCREDPACK_TEST_ARTIFACTS"
go test -race -count=1 -timeout 20m -v -skip 'TestBundleFailureAndRetry|TestAccessMatrix|TestContract/OneReadiness|TestWeb|TestContractEmbedded|TestOverloadFiveTimesCapacity|TestHostileUploads|TestReadings|TestTurnedScanIsStoredUpright|TestPortfolioTextLayer' \
	./sandbox/... ./database/... ./storage/... ./intake/... ./api/... ./bundles/... ./jobs/... ./webhooks/... ./certimport/... ./cmd/... ./accounts/... ./access/... ./audit/... ./reminders/... ./mail/... ./keyring/... ./ocr/... ./readings/... \
	2>&1 | tee "$ACCREDPACK_TEST_ARTIFACTS/race.log" | grep --line-buffered -E '^(--- |ok |FAIL|panic:|WARNING: DATA RACE)|^    [^ ]+_test\.go:[0-9]+: ' | grep --line-buffered -v -- '^--- SKIP'

stage "done"
