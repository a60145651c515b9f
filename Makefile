# The one entry point for building and checking OpenCITES.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
PG_DSN  ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
# staticcheck 2026.2.2, fetched through the Go module proxy on first use;
# .ci/run runs the same version.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: run test test-pg lint build bench loadtest fuzz

run:
	go run ./cmd/citesd serve

test:
	go test ./...

# The same tests, also on the local PostgreSQL (fails if it is unreachable).
test-pg:
	CITES_TEST_POSTGRES_DSN='$(PG_DSN)' CITES_TEST_REQUIRE_POSTGRES=1 go test ./...

lint:
	test -z "$$(gofmt -l $$(git ls-files '*.go'))"
	go vet ./...
	go run $(STATICCHECK) ./...
	go mod tidy -diff

build:
	CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o bin/citesd ./cmd/citesd
	CGO_ENABLED=0 go build -trimpath -o bin/citesload ./cmd/citesload

bench:
	CITES_TEST_POSTGRES_DSN='$(PG_DSN)' go test -run '^$$' -bench . -benchmem ./permits/

fuzz:
	go test -run '^$$' -fuzz FuzzCheckToken -fuzztime 60s ./verifier/
	go test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./scan/
	go test -run '^$$' -fuzz FuzzJPEGLuma -fuzztime 60s ./scan/
	CITES_TEST_POSTGRES_DSN='$(PG_DSN)' go test -run '^$$' -fuzz FuzzTextFields -fuzztime 60s ./api/

# Load run against the real server on PostgreSQL; see README "Benchmarks".
loadtest: build
	scripts/loadtest.sh
