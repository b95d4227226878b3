# The two commands of the README:
#   make run    serve the API on the embedded default (SQLite + files under ./data)
#   make test   every test, as CI runs it (.ci/run calls this)

GO ?= go

.PHONY: run test vet fmt-check build

run:
	$(GO) run ./cmd/accredpack serve

build:
	$(GO) build -o bin/accredpack ./cmd/accredpack

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

# Every package runs as production builds do. The race detector then runs
# over the packages with concurrent code paths; not over checks, whose tests
# prove that an address-space limit kills a starving PDF parser: a race
# build reserves its memory differently and the limit does not bind there.
RACE_PKGS = ./sandbox/... ./database/... ./storage/... ./intake/... ./api/... ./cmd/...

test: fmt-check vet
	$(GO) test -count=1 ./...
	$(GO) test -race -count=1 $(RACE_PKGS)
