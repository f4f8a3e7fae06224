# The two commands of the README, and the ones around them. Each target installs what a
# fresh Debian machine lacks before it builds.
SWIFT ?= swift
DEBIAN_PACKAGES := libsqlite3-dev libcurl4-openssl-dev

.PHONY: deps build test bench

## Install what the build and the tests need, only what is missing: the system libraries the
## package links (apt) and the Python modules the contract test validates OpenAPI with (pip).
deps:
	@missing=""; for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo="sudo"; \
		$$sudo apt-get update -qq && $$sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@python3 -c "import yaml, jsonschema, referencing, openapi_spec_validator" 2>/dev/null || \
		python3 -m pip install --quiet pyyaml jsonschema referencing openapi-spec-validator

build: deps
	$(SWIFT) build

## The test command: everything a clean clone needs, then the whole suite.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## Table-layer throughput next to raw SQLite, 1, 4 and 16 processes.
bench: deps
	$(SWIFT) run -c release quiz-store-bench
