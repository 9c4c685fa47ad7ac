# rowgate — the two promised commands are `make dev` and `make test`.
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

GO       ?= go
BIN      := bin/rowgate
WORKDIR  ?= examples/todos
PKGS     := ./...

.PHONY: all build dev test check gotest conformance bench bench-smoke pg-server clean

all: build

build:
	$(GO) build -trimpath -o $(BIN) ./cmd/rowgate

# Installs the PostgreSQL server binaries when they are missing and we are
# allowed to (root with apt-get); otherwise rowgate explains what to install.
pg-server:
	@if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && ! command -v postgres >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing PostgreSQL server packages (apt-get install postgresql)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null; \
	    service postgresql stop >/dev/null 2>&1 || true; \
	  fi; \
	fi

# Runs rowgate on its embedded default: a private PostgreSQL under
# $(WORKDIR)/supabase/.rowgate, the example's migrations, a dev issuer.
dev: pg-server build
	./$(BIN) dev --workdir $(WORKDIR)

# Every test: formatting, vet, Go tests with the race detector against real
# PostgreSQL, the supabase-js conformance suite, and a smoke run of the load
# benchmark (tiny data, 1 s cells; fails on any failed request).
test: pg-server check gotest conformance bench-smoke

check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)

gotest:
	$(GO) test -race -count=1 -timeout 20m $(PKGS)

conformance: build
	cd conformance && npm ci --no-audit --no-fund --loglevel=error
	cd conformance && ROWGATE_BIN=$(CURDIR)/$(BIN) node --experimental-websocket --test --test-concurrency=1 ./*.test.mjs

bench-smoke: pg-server
	out=$$(mktemp -d) && $(GO) run ./bench/cmd/loadbench -smoke -out "$$out" >/dev/null && rm -rf "$$out"

bench: pg-server
	$(GO) run ./bench/cmd/loadbench $(BENCHFLAGS)

clean:
	rm -rf bin
