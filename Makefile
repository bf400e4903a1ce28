# FileDrop: `make run` builds and serves on the defaults; `make test` builds and runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
SWIFT ?= swift
PYTHON ?= python3
STATIC_LIBS := .build-static-libs
# The binary the end-to-end and browser suites drive: the static release build (`make release`),
# the one users run. Another build can be tested instead, e.g.
# `make test FILEDROP_BINARY=.build/debug/app`: then no release build is made, and the suites
# wait for the unit tests' debug build.
FILEDROP_BINARY ?= dist/app
E2E_BINARY := $(abspath $(FILEDROP_BINARY))
E2E_BUILD := $(if $(filter $(CURDIR)/dist/app,$(E2E_BINARY)),release,unit)
PYTEST := $(PYTHON) -m pytest -q -p no:cacheprovider
# The end-to-end suites on two pytest-xdist workers, a test module per worker at a time (a
# module shares its servers between its tests): the browser suite, the longest, on one and the
# others beside it. They wait on disk syncs, sockets and the browser more than on the CPU: on
# the 2-core box about 80 s became about 50 s. E2E_WORKERS=0 runs them in one process.
E2E_WORKERS ?= 2

.PHONY: all build run test unit e2e release clean format lint deps test-deps assets check-assets bench bench-tus fuzz test-slow soak

all: build

## Release build, copied to ./app.
build: deps assets
	$(SWIFT) build -c release --product app
	cp .build/release/app ./app

## Build, then serve on 127.0.0.1:5000 with ./app.db and ./secret.key.
run: build
	./app

## Build and run every test: the Swift unit tests (`make unit`) beside the end-to-end suites
## (replication with Litestream included) and the browser suite (`make e2e`), each target's
## output shown whole when it ends.
## Two builds are needed: a debug one for the unit tests (@testable import) and the static
## release binary for the suites. The release build is the longer (about 100 s of CPU, most of
## it optimising one module at a time on one core) and the suites wait for it, so it runs at
## normal priority while the debug build and the unit tests, which have time to spare, run
## niced beside it. From a clean clone (`git clone … && make test`) on the 2-core box, with
## other builds running: 2 min 45 s, against 2 min 10 s when the suites ran in one process
## on the debug binary. The release build costs about a minute more than the debug build
## did; running the suites on two workers gives half of it back.
test: test-deps assets
	$(MAKE) --no-print-directory --output-sync=target -j2 unit e2e

## The Swift unit tests, on a debug build (.build).
unit: deps assets
	nice -n 10 $(SWIFT) build --build-tests
	nice -n 10 $(SWIFT) test --skip-build --parallel --num-workers 2

## The end-to-end and browser suites against FILEDROP_BINARY (dist/app, built first).
e2e: test-deps assets $(E2E_BUILD)
	FILEDROP_BINARY=$(E2E_BINARY) $(PYTEST) -n $(E2E_WORKERS) --dist loadfile Tests/e2e

## The slow tier, end to end, against the release binary (its throughput, memory and stalls
## are what the tests report): a file larger than SQLite's 1 GB value limit, and deleting
## the first of two 1 GiB files while the server is polled.
test-slow: test-deps assets $(filter release,$(E2E_BUILD))
	FILEDROP_SLOW=1 FILEDROP_BINARY=$(E2E_BINARY) $(PYTEST) -m slow Tests/e2e

## Fully static apart from glibc (Swift runtime, SQLite, libcrypto, libstdc++ linked in), stripped: dist/app.
## Linked with the toolchain's lld: unused sections dropped, identical code folded, no dynamic
## symbol table, packed relative relocations (DT_RELR, glibc 2.36+).
release: deps assets
	rm -rf $(STATIC_LIBS) && mkdir -p $(STATIC_LIBS) dist
	for lib in libsqlite3.a libcrypto.a libstdc++.a; do \
		path=$$(gcc -print-file-name=$$lib); \
		[[ "$$path" == /* ]] || { echo "missing $$lib (install libsqlite3-dev, libssl-dev, g++)" >&2; exit 1; }; \
		ln -sf "$$path" $(STATIC_LIBS)/; \
	done
	$(SWIFT) build -c release --product app --scratch-path .build-release --static-swift-stdlib \
		-Xswiftc -use-ld=lld -Xlinker -L$(CURDIR)/$(STATIC_LIBS) -Xswiftc -Xclang-linker -Xswiftc -static-libgcc \
		-Xlinker --gc-sections -Xlinker --icf=all -Xlinker --no-export-dynamic -Xlinker -z -Xlinker pack-relative-relocs
	strip -o dist/app .build-release/release/app
	scripts/check-release.sh dist/app

## Regenerate Sources/FileDropAssets/GeneratedAssets.swift from Assets/.
assets:
	@scripts/generate-assets.sh

check-assets:
	@scripts/generate-assets.sh --check

deps:
	@scripts/deps.sh build

test-deps:
	@scripts/deps.sh test

## The benchmark, on the binary people deploy and the side-by-side goals name: dist/app (the
## dynamically linked ./app of `make` serves GET / about a fifth slower).
bench: release
	scripts/bench.sh dist/app

## Only the resumable-upload part of the benchmark (tus against POST /upload, and space).
bench-tus: release
	BENCH_PARTS=tus scripts/bench.sh dist/app

## The soak run (not part of `make test`): mixed uploads, downloads, deletes, logins and slow
## clients against the release build, killed with SIGKILL every minute and restarted; every
## acknowledged file must come back byte-exact and integrity_check be ok. 10 minutes; try it
## short with SOAK_SECONDS=120 make soak.
soak: test-deps release
	$(PYTHON) scripts/soak.py dist/app

fuzz:
	scripts/fuzz.sh

## Swift sources in the project's style (.swift-format). Generated files opt out with a
## `// swift-format-ignore-file` first line (Sources/FileDropAssets/GeneratedAssets.swift).
SWIFT_SOURCES := Package.swift Sources Tests Fuzz

format:
	$(SWIFT) format --in-place --recursive --configuration .swift-format $(SWIFT_SOURCES)

## Checks the formatting without changing anything; warnings fail it too (--strict). Run by CI.
lint:
	$(SWIFT) format lint --strict --recursive --configuration .swift-format $(SWIFT_SOURCES)

clean:
	rm -rf .build .build-release .build-fuzz $(STATIC_LIBS) dist app
