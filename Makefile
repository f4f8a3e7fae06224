# The two commands of the README, and the ones around them. Each target installs what a
# fresh Debian machine lacks before it builds.
SWIFT ?= swift
DEBIAN_PACKAGES := libsqlite3-dev libcurl4-openssl-dev libssl-dev patchelf binutils debootstrap
# The browser the web app's tests drive headless (Tests/WebAppTests), and its WebDriver.
BROWSER_PACKAGES := chromium chromium-driver

.PHONY: deps build release serve test bench bench-answers bench-draw bench-dynamodb bench-learning

FUNCTIONS := session quiz answer progress maintenance

## Install what the build and the tests need, only what is missing: the system libraries the
## package links and the browser the web app's tests drive (apt), and the Python modules the
## tests use (pip): OpenAPI validation, cfn-lint, moto and boto3, Selenium, schemathesis (the
## fuzzer the contract is checked with), and the reference FSRS implementation the memory
## model's oracle test runs.
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES) $(BROWSER_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import yaml, jsonschema, referencing, openapi_spec_validator" 2>/dev/null || \
		python3 -m pip install --quiet pyyaml jsonschema referencing openapi-spec-validator
	@python3 -c "import cfnlint" 2>/dev/null || python3 -m pip install --quiet cfn-lint
	@python3 -c "import moto, boto3" 2>/dev/null || python3 -m pip install --quiet "moto[server]==5.2.1" boto3
	@python3 -c "from importlib.metadata import version; assert version('fsrs') == '6.3.2'" 2>/dev/null || \
		python3 -m pip install --quiet "fsrs==6.3.2"
	@python3 -c "import selenium" 2>/dev/null || python3 -m pip install --quiet "selenium>=4.11"
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

## The suites whose outcome depends on time: those that time `local-runner serve` under hostile
## load (GET /health within 100 ms), the one that times the SQLite writers' gate across processes,
## and the two that fault DynamoDB on the wire (a stall must outlast the client's timeout, and
## moto must not): they run in a second pass, one at a time, once the rest of the suite no longer
## shares the two cores with them, so that what they time is the code under test and the load
## they make themselves. In the first pass, every test shares one moto process with a dozen others.
QUIET_SUITES := LocalRunnerTests\.(ServeHostileConnectionTests|ServeHostileRequestTests|ServeWebAppRouteTests)|QuizStoreTests\.SQLiteWriterGateTests|QuizFunctionsTests\.WireFaultTests|ChaosTests\.ChaosTests

## The test command: everything a clean clone needs, then the whole suite (in two passes).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --skip '$(QUIET_SUITES)'
	$(SWIFT) test --skip-build --no-parallel --filter '$(QUIET_SUITES)'

## Table-layer throughput next to raw SQLite, 1, 4 and 16 processes.
bench: deps
	$(SWIFT) run -c release quiz-store-bench

## Answer latency and throughput in process: 10,000 questions, a 500-entry pool.
bench-answers: deps
	$(SWIFT) run -c release quiz-answer-bench

## Session starts from a 200- and a 50,000-question bank in process: p50 of each and the ratio
## (target: within 1.5x).
bench-draw: deps
	$(SWIFT) run -c release quiz-draw-bench $(BENCH_ARGS)

## Simulated learners, 90 days of the same daily review budget under quiz mode, review mode and
## random scheduling: the expected share of the bank recalled on days 30, 60 and 90.
bench-learning: deps
	$(SWIFT) run -c release quiz-learning-bench $(BENCH_ARGS)

## Our DynamoDB client against moto_server next to boto3 against the same server: GetItem,
## PutItem and a conditional UpdateItem.
bench-dynamodb: deps
	$(SWIFT) run -c release quiz-dynamodb-bench $(BENCH_ARGS)

.PHONY: bench-runtime bench-serve bench-chaos bench-deps lean-bootstraps link-order

## How `local-runner package` builds what it deploys (PackageCommand.leanLinkerArguments;
## docs/runtime.md, "Lean bootstraps"): the Swift runtime inside, linked by lld with every
## function in a section of its own (-function-sections), so that the order files of
## .ci/link-order/ put the code a bootstrap runs together; no dynamic symbol table of the
## binary's own functions; where the glibc reads packed relative relocations (2.36+),
## -z pack-relative-relocs; where libstdc++.a is installed, the C++ runtime linked statically
## (.ci/static-libstdcxx).
LEAN_BUILD_FLAGS := --static-swift-stdlib -Xswiftc -use-ld=lld -Xswiftc -Xfrontend -Xswiftc -function-sections \
	-Xlinker --no-export-dynamic -Xlinker --no-warn-symbol-ordering \
	$(shell ldd --version 2>/dev/null | head -n 1 | awk '{print $$NF}' | \
	awk -F. '{ if ($$1 > 2 || ($$1 == 2 && $$2 >= 36)) print "-Xlinker -z -Xlinker pack-relative-relocs" }') \
	$(shell f="$$(clang -print-file-name=libstdc++.a 2>/dev/null)"; [ -f "$$f" ] && echo "-Xswiftc -Xclang-linker -Xswiftc -L$(CURDIR)/.ci/static-libstdcxx")
## The link order file of product $(1), when there is one.
link_order = $(if $(wildcard $(CURDIR)/.ci/link-order/$(1).txt),-Xlinker --symbol-ordering-file=$(CURDIR)/.ci/link-order/$(1).txt)

## Extra flags for the release builds of the benchmarks below, e.g.
## BENCH_BUILD_FLAGS="--scratch-path .build-bench" to keep them apart from other builds.
BENCH_BUILD_FLAGS ?=
## The bootstraps the runtime benchmark runs, and the tools it needs beyond `make deps`.
RUNTIME_PRODUCTS := EchoFunction $(FUNCTIONS:%=%-function)
BENCH_PACKAGES := valgrind

bench-deps: deps
	@dpkg -s $(BENCH_PACKAGES) >/dev/null 2>&1 || { sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(BENCH_PACKAGES); }

## The bootstraps, each with its own link order, and the two programs of the runtime benchmark.
## SwiftPM does not know a link order file as an input, so each bootstrap is removed first and
## linked again (a few seconds): a new order is never left out.
lean-bootstraps: deps
	for p in quiz-runtime-bench runtime-floor; do \
		$(SWIFT) build -c release $(LEAN_BUILD_FLAGS) $(BENCH_BUILD_FLAGS) --product $$p || exit 1; done
	bin="$$($(SWIFT) build -c release $(LEAN_BUILD_FLAGS) $(BENCH_BUILD_FLAGS) --show-bin-path)" && \
	$(foreach p,$(RUNTIME_PRODUCTS),rm -f "$$bin/$(p)" && \
		$(SWIFT) build -c release $(LEAN_BUILD_FLAGS) $(call link_order,$(p)) $(BENCH_BUILD_FLAGS) --product $(p) &&) true

## The Lambda runtime loop and every function bootstrap under the real Runtime Interface
## Emulator, next to a C libcurl loop: cold start, CPU time and instructions per invocation,
## resident memory. Linked as `local-runner package` links what it deploys.
bench-runtime: bench-deps lean-bootstraps
	"$$($(SWIFT) build -c release $(LEAN_BUILD_FLAGS) $(BENCH_BUILD_FLAGS) --show-bin-path)/quiz-runtime-bench" --rie "$$(bash .ci/fetch-rie)" $(BENCH_ARGS)

## Regenerates .ci/link-order/: every bootstrap under callgrind answering the sample events
## and the benchmark's events; the functions that ran, hottest first (docs/runtime.md).
link-order: bench-deps lean-bootstraps
	python3 .ci/link-order/profile "$$($(SWIFT) build -c release $(LEAN_BUILD_FLAGS) $(BENCH_BUILD_FLAGS) --show-bin-path)" "$$(bash .ci/fetch-rie)"

## `local-runner serve --workers 4` under 100 concurrent simulated learners over real HTTP, three rounds
## each right after the answer function in process (quiz-answer-bench), then 10 learners: each round's
## ratio of the two and their median.
bench-serve: deps
	for p in quiz-serve-bench quiz-answer-bench local-runner $(FUNCTIONS:%=%-function); do \
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
