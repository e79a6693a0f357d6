# quantscope: `make serve` and `make test` work on a fresh machine: each installs what is missing first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)

WASM_BINDGEN_VERSION := 0.2.130
TRUNK_VERSION := 0.21.14
FUZZ_SECONDS ?= 20
# Every workspace crate but the app (whose tests run as wasm in Chromium).
NATIVE_PACKAGES := --workspace --exclude quantscope-web
CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: all setup setup-native setup-lint setup-fuzz setup-web setup-browser \
        test lint test-native test-fuzz test-wasm test-e2e build serve bench clean

all: test

# ---------------------------------------------------------------- installs (only what is missing)
setup-native:
	@command -v cargo >/dev/null || { echo "cargo is required (rustup)"; exit 1; }

setup-lint: setup-native
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt

setup-fuzz:
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked

setup-web:
	@rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@command -v trunk >/dev/null && trunk --version | grep -q '$(TRUNK_VERSION)' || cargo install trunk --version $(TRUNK_VERSION) --locked
	@command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q '$(WASM_BINDGEN_VERSION)' || cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)
	@[ -x node_modules/.bin/wasm-opt ] && [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ] || npm ci --no-audit --no-fund

setup-browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v pdftotext >/dev/null || { \
	  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver poppler-utils; }

setup: setup-native setup-lint setup-fuzz setup-web setup-browser

# ---------------------------------------------------------------- tests
test: setup lint test-native test-fuzz test-wasm test-e2e

# ---------------------------------------------------------------- gates (cheapest first)
# Formatting (rustfmt.toml: 140 columns) of the workspace and of the crates outside it (the fuzz
# folders, bench/wasm); clippy with every warning an error, natively for every crate but the app and
# for wasm32 for the app (it only runs in the browser); rustdoc with every warning an error.
# (`--all` is for the workspace only: elsewhere it would also check the path dependencies, the core.)
OUTSIDE_WORKSPACE := crates/core/fuzz crates/weights/fuzz bench/wasm
lint: setup-lint setup-web
	cargo fmt --all --check
	@for dir in $(OUTSIDE_WORKSPACE); do cargo fmt --check --manifest-path $$dir/Cargo.toml; done
	cargo clippy $(NATIVE_PACKAGES) --all-targets -- -D warnings
	cargo clippy -p quantscope-web --target wasm32-unknown-unknown --all-targets -- -D warnings
	RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

test-native: setup-native
	cargo test $(NATIVE_PACKAGES)

# Every cargo-fuzz target of every fuzz folder, FUZZ_SECONDS each. A run's output goes to
# target/fuzz-<target>.log; the log's end is printed when a target fails.
FUZZ_DIRS := crates/core/fuzz crates/weights/fuzz
test-fuzz: setup-fuzz
	@mkdir -p target
	@for dir in $(FUZZ_DIRS); do \
	  targets=$$(cd $$dir && cargo +nightly fuzz list) && [ -n "$$targets" ] || { echo "no fuzz targets in $$dir"; exit 1; }; \
	  for fuzz_target in $$targets; do \
	    log=$(CURDIR)/target/fuzz-$$fuzz_target.log; \
	    (cd $$dir && cargo +nightly fuzz run $$fuzz_target -- -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=2048) > $$log 2>&1 \
	      || { tail -n 60 $$log; echo "fuzz $$fuzz_target: FAILED (full log: $$log)"; exit 1; }; \
	    echo "fuzz $$fuzz_target: $$(grep -o 'Done [0-9]* runs in [0-9]* second(s)' $$log)"; \
	  done; \
	done

# The app's components and browser glue, compiled to wasm and run in headless Chromium by
# wasm-bindgen-test-runner (it reads webdriver.json for Chromium's flags).
test-wasm: setup-web setup-browser
	CHROMEDRIVER=$(CHROMEDRIVER) WASM_BINDGEN_TEST_TIMEOUT=120 \
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	  cargo test -p quantscope-web --target wasm32-unknown-unknown --no-fail-fast --lib --test '*'

# The release build in dist/ (the one `make build` leaves), served by the tests themselves on
# 127.0.0.1, driven through the system Chromium by playwright-core. Screenshots: e2e/output/.
test-e2e: build setup-browser
	node --test --test-concurrency=1 e2e/*.test.mjs

# ---------------------------------------------------------------- app
# Release build into dist/ (the page at opt-level z and wasm-opt -Oz, the worker at opt-level 3 and
# wasm-opt -O3; LTO), relative paths: any static server works.
build: setup-web
	trunk build --release
	@for wasm in dist/*_bg.wasm; do echo "$$(basename $$wasm): $$(stat -c%s $$wasm) bytes raw, $$(gzip -9c $$wasm | wc -c) bytes gzip"; done

serve: setup-web
	@echo "quantscope: http://127.0.0.1:8080/ (Ctrl+C stops; edits rebuild)"
	trunk serve --release --address 127.0.0.1 --port 8080

# Benchmarks (not part of `make test`): criterion for the core, NumPy for the baseline ratio;
# llama_bench.py: `quantscope file` on the 444 MB llama-shaped file (bench/make_llama.py) against
# NumPy; files.mjs: the Files tool in Chromium (last: the same llama-shaped file with the default
# options, every tensor over the pool of workers, against the NumPy script).
bench: setup-native setup-browser build
	@python3 -c 'import numpy' 2>/dev/null || pip install -q -r bench/requirements.txt
	cargo bench -p quantscope-core
	python3 bench/perf_table.py
	bash bench/wasm_bench.sh
	cargo bench -p quantscope-charts
	node bench/charts.mjs
	python3 bench/file_bench.py --rows 10000 --cols 10000
	python3 bench/llama_bench.py
	python3 bench/compare_bench.py
	python3 bench/formats_numpy.py
	node bench/files.mjs

clean:
	cargo clean
	rm -rf dist node_modules
