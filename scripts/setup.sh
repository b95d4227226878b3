# Sourced by test.sh and soak.sh: installs the real servers and tools the
# tests need (MinIO built once from the Go module proxy into .cache/minio;
# PostgreSQL, poppler, qpdf and chromium from Debian's packages), exports
# where they are, and removes this run's leftover servers on exit. Expects $root.

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c
minio_dir=$root/.cache/minio/$MINIO_VERSION
if [ ! -x "$minio_dir/minio" ]; then
	echo "== building MinIO $MINIO_VERSION (2-3 minutes once; cached in .cache/minio)"
	mkdir -p "$minio_dir"
	GOBIN="$minio_dir" GOFLAGS=-mod=mod go install "github.com/minio/minio@$MINIO_VERSION"
fi

# Mailpit: the SMTP server of the e-mail tests (its HTTP API reads what
# arrived), built once like MinIO.
MAILPIT_VERSION=v1.33.1
mailpit_dir=$root/.cache/mailpit/$MAILPIT_VERSION
if [ ! -x "$mailpit_dir/mailpit" ]; then
	echo "== building Mailpit $MAILPIT_VERSION (a minute once; cached in .cache/mailpit)"
	mkdir -p "$mailpit_dir"
	GOBIN="$mailpit_dir" GOFLAGS=-mod=mod go install "github.com/axllent/mailpit@$MAILPIT_VERSION"
fi

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
	echo "== installing PostgreSQL (apt-get install postgresql)"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
fi

# poppler (pdfinfo, pdftotext) reads the generated PDFs in tests, and
# (pdfimages, pdftoppm) takes page images for OCR; qpdf is the benchmark's
# reference merger; chromium runs the web interface's tests; Tesseract with
# its Russian and orientation (OSD) models reads the scans.
if ! command -v pdftotext >/dev/null || ! command -v qpdf >/dev/null || ! command -v chromium >/dev/null ||
	! command -v tesseract >/dev/null || ! tesseract --list-langs 2>/dev/null | grep -qx rus || ! tesseract --list-langs 2>/dev/null | grep -qx osd; then
	echo "== installing poppler-utils, qpdf, chromium and tesseract-ocr (rus, osd)"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq poppler-utils qpdf chromium \
		tesseract-ocr tesseract-ocr-rus tesseract-ocr-osd >/dev/null
fi

# LibreOffice Writer (headless) opens the generated DOCX of the report on
# professional activity in the tests, as a real reader would.
if ! command -v soffice >/dev/null; then
	echo "== installing libreoffice-writer-nogui"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui >/dev/null
fi

# axe-core (npm, version and checksum pinned in scripts/npm/package-lock.json)
# checks the accessibility of the web pages in the browser tests.
npm_dir=$root/.cache/npm
if ! cmp -s "$root/scripts/npm/package-lock.json" "$npm_dir/package-lock.json" || [ ! -f "$npm_dir/node_modules/axe-core/axe.min.js" ]; then
	echo "== installing axe-core from npm (scripts/npm/package-lock.json)"
	mkdir -p "$npm_dir"
	cp "$root/scripts/npm/package.json" "$root/scripts/npm/package-lock.json" "$npm_dir/"
	(cd "$npm_dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

export ACCREDPACK_TEST_MINIO=$minio_dir/minio
export ACCREDPACK_TEST_MAILPIT=$mailpit_dir/mailpit
export ACCREDPACK_TEST_AXE=$npm_dir/node_modules/axe-core/axe.min.js
export ACCREDPACK_TEST_PG_BIN=$(pg_bin)
export ACCREDPACK_TEST_BACKENDS=require
# Screenshots of the browser tests land here.
export ACCREDPACK_TEST_ARTIFACTS=$root/.artifacts

# Every scratch folder of this run (the private servers' data, the test
# binaries, temporary files) lives under one folder of its own, so the exit
# trap removes exactly this run's leftovers, never those of another run on
# the same machine. It is world-enterable: PostgreSQL runs as its own user.
run_tmp=$(mktemp -d "${TMPDIR:-/tmp}/accredpack-run.XXXXXX")
chmod 755 "$run_tmp"
export TMPDIR=$run_tmp

cleanup() {
	pkill -KILL -f -- "$run_tmp/" 2>/dev/null || true
	rm -rf "$run_tmp" 2>/dev/null || true
}
trap cleanup EXIT

