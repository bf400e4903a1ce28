# FileDrop: `make run` builds and serves on the defaults; `make test` builds and runs every test.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
SWIFT ?= swift
PYTHON ?= python3
STATIC_LIBS := .build-static-libs

.PHONY: all build run test unit e2e release clean format deps test-deps assets check-assets bench fuzz test-slow

all: build

## Release build, copied to ./app.
build: deps assets
	$(SWIFT) build -c release --product app
	cp .build/release/app ./app

## Build, then serve on 127.0.0.1:5000 with ./app.db and ./secret.key.
run: build
	./app

## Build and run every test: Swift unit tests, then the end-to-end (replication with
## Litestream included) and browser suites against the built binary.
test: test-deps assets
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --parallel --num-workers 2
	FILEDROP_BINARY=$(CURDIR)/.build/debug/app $(PYTHON) -m pytest -q -p no:cacheprovider Tests/e2e

## The slow tier, end to end: a file larger than SQLite's 1 GB value limit, and deleting the
## first of two 1 GiB files while the server is polled.
test-slow: test-deps assets
	$(SWIFT) build --build-tests
	FILEDROP_SLOW=1 FILEDROP_BINARY=$(CURDIR)/.build/debug/app $(PYTHON) -m pytest -q -p no:cacheprovider -m slow Tests/e2e

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

bench: build
	scripts/bench.sh

fuzz:
	scripts/fuzz.sh

format:
	$(SWIFT) format --in-place --recursive --configuration .swift-format Package.swift Sources Tests Fuzz

clean:
	rm -rf .build .build-release .build-fuzz $(STATIC_LIBS) dist app
