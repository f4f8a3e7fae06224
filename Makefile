# The two commands of the README, and the ones around them. Each target installs what a
# fresh Debian machine lacks before it builds.
SWIFT ?= swift
DEBIAN_PACKAGES := libsqlite3-dev libcurl4-openssl-dev

.PHONY: deps build release serve test bench bench-answers bench-dynamodb

FUNCTIONS := session quiz answer progress maintenance

## Install what the build and the tests need, only what is missing: the system libraries the
## package links (apt) and the Python modules of the tests (pip): the OpenAPI validator, cfn-lint,
## moto and boto3, and schemathesis, the fuzzer the contract is checked with.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import yaml, jsonschema, referencing, openapi_spec_validator" 2>/dev/null || \
		python3 -m pip install --quiet pyyaml jsonschema referencing openapi-spec-validator
	@python3 -c "import cfnlint" 2>/dev/null || python3 -m pip install --quiet cfn-lint
	@python3 -c "import moto, boto3" 2>/dev/null || python3 -m pip install --quiet "moto[server]==5.2.1" boto3
	@python3 -c "import schemathesis" 2>/dev/null || python3 -m pip install --quiet "schemathesis==4.32.5"

build: deps
	$(SWIFT) build

## The runner and the five function bootstraps, optimised (serve runs the bootstraps beside it).
release: deps
	$(SWIFT) build -c release --product local-runner
	for f in $(FUNCTIONS); do $(SWIFT) build -c release --product $$f-function || exit 1; done

## The run command: the whole HTTP API on 127.0.0.1:3000, on the embedded SQLite file.
serve: release
	.build/release/local-runner serve $(SERVE_ARGS)

## The test command: everything a clean clone needs, then the whole suite.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Table-layer throughput next to raw SQLite, 1, 4 and 16 processes.
bench: deps
	$(SWIFT) run -c release quiz-store-bench

## Answer latency and throughput in process: 10,000 questions, a 500-entry pool.
bench-answers: deps
	$(SWIFT) run -c release quiz-answer-bench

## Our DynamoDB client against moto_server next to boto3 against the same server: GetItem,
## PutItem and a conditional UpdateItem.
bench-dynamodb: deps
	$(SWIFT) run -c release quiz-dynamodb-bench $(BENCH_ARGS)

.PHONY: bench-runtime bench-serve bench-chaos

## Extra flags for the release builds of the two benchmarks below, e.g.
## BENCH_BUILD_FLAGS="--scratch-path .build-bench" to keep them apart from other builds.
BENCH_BUILD_FLAGS ?=

## The Lambda runtime loop under the real Runtime Interface Emulator, next to a C libcurl loop:
## per-invocation time, cold start to first response, and the bootstraps' resident memory.
## Linked as `local-runner package` links what it deploys: the Swift runtime inside the binary.
bench-runtime: deps
	for p in quiz-runtime-bench runtime-floor EchoFunction session-function; do \
		$(SWIFT) build -c release --static-swift-stdlib $(BENCH_BUILD_FLAGS) --product $$p || exit 1; done
	"$$($(SWIFT) build -c release --static-swift-stdlib $(BENCH_BUILD_FLAGS) --show-bin-path)/quiz-runtime-bench" --rie "$$(bash .ci/fetch-rie)" $(BENCH_ARGS)

## `local-runner serve --workers 4` under 100 concurrent simulated learners over real HTTP.
bench-serve: deps
	for p in quiz-serve-bench local-runner $(FUNCTIONS:%=%-function); do \
		$(SWIFT) build -c release $(BENCH_BUILD_FLAGS) --product $$p || exit 1; done
	"$$($(SWIFT) build -c release $(BENCH_BUILD_FLAGS) --show-bin-path)/quiz-serve-bench" $(BENCH_ARGS)

## The chaos run at benchmark size (24 learners x 25 answers): learners through `serve` while 10%
## of the store calls fail (dropped after or before the store acted, 500, throttled, stalled past
## the client's timeout), on SQLite through the fault-injecting bootstrap and on DynamoDB (moto
## behind the fault proxy); prints its figures and fails when a rule broke.
bench-chaos: deps
	for p in quiz-chaos-bench local-runner ChaosBootstrap $(FUNCTIONS:%=%-function); do \
		$(SWIFT) build -c release $(BENCH_BUILD_FLAGS) --product $$p || exit 1; done
	"$$($(SWIFT) build -c release $(BENCH_BUILD_FLAGS) --show-bin-path)/quiz-chaos-bench" $(BENCH_ARGS)
