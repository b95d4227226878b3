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

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
minio_dir=$root/.cache/minio/$MINIO_VERSION
if [ ! -x "$minio_dir/minio" ]; then
	echo "== building MinIO $MINIO_VERSION (2-3 minutes once; cached in .cache/minio)"
	mkdir -p "$minio_dir"
	GOBIN="$minio_dir" GOFLAGS=-mod=mod go install "github.com/minio/minio@$MINIO_VERSION"
fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
	echo "== installing PostgreSQL (apt-get install postgresql)"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

# poppler (pdfinfo, pdftotext) reads the generated PDFs in tests; qpdf is the
# benchmark's reference merger; chromium runs the web interface's tests.
if ! command -v pdftotext >/dev/null || ! command -v qpdf >/dev/null || ! command -v chromium >/dev/null; then
	echo "== installing poppler-utils, qpdf and chromium"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils qpdf chromium >/dev/null
fi

export ACCREDPACK_TEST_MINIO=$minio_dir/minio
export ACCREDPACK_TEST_PG_BIN=$(pg_bin)
export ACCREDPACK_TEST_BACKENDS=require
# Screenshots of the browser tests land here.
export ACCREDPACK_TEST_ARTIFACTS=$root/.artifacts
rm -rf "$ACCREDPACK_TEST_ARTIFACTS"

cleanup() {
	pkill -KILL -f "^$ACCREDPACK_TEST_MINIO server" 2>/dev/null || true
	pkill -KILL -f "^$ACCREDPACK_TEST_PG_BIN/postgres -D /tmp/pg-" 2>/dev/null || true
	rm -rf /tmp/pg-* /tmp/minio-* 2>/dev/null || true
}
trap cleanup EXIT

echo "== gofmt, go vet"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
go vet ./...

echo "== tests (MinIO: $ACCREDPACK_TEST_MINIO, PostgreSQL: $ACCREDPACK_TEST_PG_BIN)"
go test -count=1 -timeout 20m ./...

# A short run of every fuzz target (seeds committed in the tests; a crasher
# found lands in testdata/fuzz/ and fails this step). Longer runs: README.
echo "== fuzzing, 10 s a target"
for target in identifiers:FuzzSNILS identifiers:FuzzPhone identifiers:FuzzIKP identifiers:FuzzINN \
	dossier:FuzzParseSlotRef catalog:FuzzLookup api:FuzzMultipart checks:FuzzCheckStream; do
	echo "-- ${target#*:}"
	go test -run '^$' -fuzz "^${target#*:}\$" -fuzztime 10s "./${target%%:*}" 2>&1 | grep -v '^fuzz: elapsed'
done

# The race detector then runs over the packages with concurrent code paths.
# Not over the tests that prove an address-space limit kills a starving
# PDF parse or merge (package checks, TestBundleFailureAndRetry): under the
# race detector the sandbox children are race builds, which reserve memory
# differently, and the limit does not bind there. Those tests run above.
# Nor the access matrix (TestAccessMatrix): several hundred sequential calls
# that prove the policy, not concurrency, and take minutes with race-built
# sandbox children; it runs above.
echo "== race detector"
go test -race -count=1 -timeout 20m -skip 'TestBundleFailureAndRetry|TestAccessMatrix' \
	./sandbox/... ./database/... ./storage/... ./intake/... ./api/... ./bundles/... ./cmd/... ./accounts/... ./access/... ./audit/...
