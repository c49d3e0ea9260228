# The README's two commands: `make run` and `make test`. Both install what
# they need (Debian packages through scripts/install-deps), then build.
BUILD ?= build
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build test test-asan test-asan-ci run check package bench fuzz clean

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

# Debian packages (packaging/debian.cmake): herald, herald-plugin-<name> per
# first-party plugin and herald-sdk, written to $(BUILD)/packages/.
package: build
	cd $(BUILD) && cpack --config CPackConfig.cmake
	@ls -1 $(BUILD)/packages/*.deb

# Benchmarks (bench/README.md): herald against wrk, nginx and Alertmanager on
# loopback; prints one table and writes bench/results/<date>-<HHMM>.md.
bench: build
	scripts/install-deps --bench
	bench/run $(BUILD)

# The whole ctest suite built with AddressSanitizer + UndefinedBehaviorSanitizer
# (-DHERALD_SANITIZE=ON) in build-asan. Leaks and UB abort the process; the
# integration tests run the sanitized herald (their harness reads these too).
ASAN_BUILD ?= build-asan
SANITIZER_ENV = HERALD_TEST_SLOWDOWN=3 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/sanitizer/lsan.supp:print_suppressions=0
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DHERALD_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	$(SANITIZER_ENV) ctest --test-dir $(ASAN_BUILD) --output-on-failure -j $(JOBS)

# The reduced sanitizer run CI makes after make test, in build-asan-ci: the
# stages that parse untrusted bytes (event JSON, manifests and secrets, HTTP
# answers and Retry-After, the plugin host and every plugin's handling of API
# responses) with their unit tests and the replay of each fuzz target's corpus
# (tests/fuzz), built with ASan+UBSan at -O0 (Debug): optimized, the same set
# compiles for about 11 minutes on 2 cores; at -O0, build and tests take about
# 4. `make test-asan` runs everything, optimized.
ASAN_CI_BUILD ?= build-asan-ci
FUZZ_STAGES = log;events;config;http;plugin_host;generic;slack;discord;rocket;msteams;github;gitlab;bitbucket;azuredevops
ASAN_CI_TESTS ?= unit;fuzz
test-asan-ci: deps
	cmake -S . -B $(ASAN_CI_BUILD) -DHERALD_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
		"-DHERALD_ONLY=$(FUZZ_STAGES)" "-DHERALD_TEST_DIRS=$(ASAN_CI_TESTS)"
	cmake --build $(ASAN_CI_BUILD) -j $(JOBS)
	$(SANITIZER_ENV) ctest --test-dir $(ASAN_CI_BUILD) --output-on-failure -j $(JOBS)

# libFuzzer targets (tests/fuzz) built with clang in build-fuzz, each run for
# FUZZ_SECONDS, or for FUZZ_RUNS executions when that is set (one target at a
# time, one core); crashes land in build-fuzz/fuzz/artifacts/. See tests/fuzz/README.md.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
FUZZ_RUNS ?=
fuzz:
	scripts/install-deps --fuzz
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DHERALD_FUZZ=ON -DHERALD_BUILD_TESTS=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
		-DHERALD_ONLY="$(FUZZ_STAGES)"
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_all
	tests/fuzz/run $(FUZZ_BUILD) $(if $(FUZZ_RUNS),--runs $(FUZZ_RUNS),$(FUZZ_SECONDS))

clean:
	rm -rf $(BUILD)
