# qscope: `make run` opens the dashboard, `make test` runs the tests, `make bench` times training.
# Each target first installs any missing Debian packages (idempotent), then builds in release mode;
# the tests build in debug (they use @testable), and the end-to-end ones drive the release binary.

SWIFT ?= swift
APT_PACKAGES := libopenblas-dev liblapacke-dev libncurses-dev libsqlite3-dev ncurses-term tmux bible-kjv
# AVX2+FMA code for the elementwise kernels when the CPU has them (the default target has no AVX).
CPU_FLAGS := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo 2>/dev/null && echo "-Xswiftc -target-cpu -Xswiftc haswell")
BUILD_FLAGS := -c release $(CPU_FLAGS)
BIN := .build/release/qscope

.PHONY: run test bench build deps clean

run: build
	$(BIN)

test: build
	$(SWIFT) test --disable-xctest

bench: build
	$(BIN) bench

build: deps
	$(SWIFT) build $(BUILD_FLAGS) --product qscope

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf .build
