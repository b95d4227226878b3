# The two commands of the README:
#   make run    serve the API on the embedded default (SQLite + files under ./data)
#   make test   every test, with real MinIO and PostgreSQL servers (.ci/run calls this)
# and, beside them:
#   make bench  the benchmark table: service beside baselines, medians of 3 rounds, peak RSS
#   make soak   the soak test (3 minutes, 32 clients, PostgreSQL + MinIO; report in .artifacts/soak.txt)

GO ?= go
# The version `accredpack version` and /healthz report; without it the
# binary says devel and the VCS revision Go recorded, if any.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)

.PHONY: run test build soak bench

run:
	$(GO) run ./cmd/accredpack serve

# The service and its sandbox child, side by side (the service looks for
# accredpack-child beside itself; without it, it is its own child, slower).
# Static, without cgo, as the image builds them (Dockerfile).
build:
	CGO_ENABLED=0 $(GO) build -ldflags "-X main.version=$(VERSION)" -o bin/ ./cmd/accredpack ./cmd/accredpack-child

test:
	./scripts/test.sh

soak:
	./scripts/soak.sh

bench:
	./scripts/bench.sh
