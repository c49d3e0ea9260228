# The README's two commands: `make run` and `make test`. Both install what
# they need (Debian packages through scripts/install-deps), then build.
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build test run check bench clean

all: build

deps:
	scripts/install-deps

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

# Starts a local receiver and herald on examples/, sends the example events,
# and keeps both running until Ctrl-C (DEMO_SECONDS=N stops after N seconds).
run: build
	scripts/demo $(BUILD)

check: build
	$(BUILD)/bin/herald check --config examples/config --secrets examples/secrets

# Benchmarks (bench/README.md): herald against wrk, nginx and Alertmanager on
# loopback; prints one table and writes bench/results/<date>.md.
bench: build
	scripts/install-deps --bench
	bench/run $(BUILD)

clean:
	rm -rf $(BUILD)
