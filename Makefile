# hcops — build, test, demo. See README.md.
GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT    ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo none)
DATE      ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG       := github.com/cyhealth/hcops
LDFLAGS   := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
GOFLAGS_B := -trimpath -ldflags '$(LDFLAGS)'
export CGO_ENABLED=0

.PHONY: build build-all demo test test-deps test-go race bench completions vet clean

## build: bin/hcops for this machine (static, CGO_ENABLED=0)
build:
	$(GO) build $(GOFLAGS_B) -o bin/hcops ./cmd/hcops

## build-all: static binaries for linux/amd64 and linux/arm64 (Kunpeng)
build-all:
	GOOS=linux GOARCH=amd64 $(GO) build $(GOFLAGS_B) -o bin/hcops-linux-amd64 ./cmd/hcops
	GOOS=linux GOARCH=arm64 $(GO) build $(GOFLAGS_B) -o bin/hcops-linux-arm64 ./cmd/hcops
	@for f in bin/hcops-linux-amd64 bin/hcops-linux-arm64; do \
	  if file $$f 2>/dev/null | grep -q 'dynamically linked'; then echo "$$f is not static" >&2; exit 1; fi; \
	  echo "$$f: $$(du -h $$f | cut -f1)"; done

## demo: the main job on the embedded default — inspect this machine and write the daily report
demo: build
	./scripts/demo.sh

## test: install what the tests need (Debian packages), then run every test
test: test-deps test-go

test-deps:
	./scripts/test-deps.sh

test-go:
	HCOPS_REQUIRE_REAL=1 $(GO) test -count=1 -timeout 30m ./...

## race: the race detector over the concurrent code (SSH sessions, the inspect
## worker pool); about a minute on 2 cores. Needs cgo and gcc; not part of test.
race:
	CGO_ENABLED=1 HCOPS_REQUIRE_REAL=1 $(GO) test -race -count=1 -timeout 20m ./pkg/transport/ ./pkg/inspect/

## bench: Go benchmarks (parsers, evaluator, import/list, reports)
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## completions: regenerate completions/ from the command tree
completions: build
	mkdir -p completions
	./bin/hcops completion bash > completions/hcops.bash
	./bin/hcops completion zsh > completions/_hcops
	./bin/hcops completion fish > completions/hcops.fish
	./bin/hcops completion powershell > completions/hcops.ps1

vet:
	$(GO) vet ./...

clean:
	rm -rf bin
