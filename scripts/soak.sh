#!/usr/bin/env bash
# The soak test (make soak): the service as its own process on private
# PostgreSQL and MinIO servers on loopback, mixed valid and hostile uploads
# from 32 clients, bounded in time and requests. Usage:
#   scripts/soak.sh [DURATION [MAX_REQUESTS]]      (default 3m 50000)
# The report is printed and kept in .artifacts/soak.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
. "$root/scripts/setup.sh"
go test -tags soak -count=1 -timeout 60m -run '^TestSoak$' -v ./cmd/accredpack \
	-args -soak.duration "${1:-3m}" -soak.requests "${2:-50000}" | grep -v '^=== '
