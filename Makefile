# Tandem — see README.md. `make run` and `make test` are all a newcomer needs.
GO      ?= go
BIN     := bin
PKGS    := ./...
# Bench data sizes: any of tiny, 10k, 100k, 1m (see docs/benchmarks.md).
SIZES   ?= 10k
BENCH_FLAGS ?=

.PHONY: run test bench fuzz build generate check-generated vet lint test-deps clean

build:
	$(GO) build -o $(BIN)/tandem ./cmd/tandem
	$(GO) build -o $(BIN)/devdb ./cmd/devdb

## run: local PostgreSQL in .data/pg (unless DATABASE_URL is set), migrations, demo data, server
run: build
	@$(BIN)/devdb run -- sh -c '$(BIN)/tandem migrate up && $(BIN)/tandem seed demo && exec $(BIN)/tandem serve'

## test: generated files in sync, vet, staticcheck, then every test against a throwaway PostgreSQL;
## prints statement coverage per package and fails when a store method never ran
test: test-deps check-generated vet lint
	@$(GO) build -o $(BIN)/devdb ./cmd/devdb
	@mkdir -p test-output
	$(BIN)/devdb throwaway -- $(GO) test -race -count=1 -timeout 20m -coverpkg=./... -coverprofile=test-output/cover.out $(PKGS)
	$(GO) run ./cmd/covercheck -profile test-output/cover.out

## bench: seed each size once into its own database of a local cluster in .data/bench,
## run the real server and load it; writes docs/benchmarks.md
bench: build
	$(GO) build -o $(BIN)/bench ./cmd/bench
	$(BIN)/devdb run -dir .data/bench -port 54330 -db postgres -- $(BIN)/bench -sizes $(SIZES) $(BENCH_FLAGS)
	@echo "== the job system's deliveries per second, and the write path of a handoff that records its event"
	$(BIN)/devdb throwaway -- $(GO) test -run '^$$' -bench 'BenchmarkDeliveries|BenchmarkWebhookDeliveries|BenchmarkHandOff' -benchtime 2000x ./internal/jobs ./internal/webhooks ./internal/leads

## fuzz: run each Go fuzz test for FUZZTIME (make test runs only their seed inputs)
FUZZTIME ?= 30s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$f ($$pkg, $(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

# The browser tests drive Debian's Chromium; install it when missing (root only).
test-deps:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { [ "$$(id -u)" = 0 ] && echo "installing chromium for the browser tests…" && \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
	  { echo "chromium is needed for the browser tests: apt-get install chromium"; exit 1; }

generate:
	$(GO) tool templ generate

# Fails when `templ generate` would change a committed *_templ.go file.
check-generated:
	@before=$$(find web -name '*_templ.go' -exec sha256sum {} + | sort); \
	$(GO) tool templ generate >/dev/null 2>&1 || { echo "templ generate failed"; exit 1; }; \
	after=$$(find web -name '*_templ.go' -exec sha256sum {} + | sort); \
	[ "$$before" = "$$after" ] || { echo "generated templ files were out of date: run 'make generate' and commit them"; exit 1; }

vet:
	$(GO) vet $(PKGS)

lint:
	$(GO) tool staticcheck $(PKGS)

clean:
	rm -rf $(BIN) test-output
