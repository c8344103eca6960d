# gorn make targets. `make test` is what CI runs (through .ci/run).
GO      ?= go
PKGS    ?= ./...
SHORT   ?=

.PHONY: all test test-go test-purego test-levels test-race test-arm64 test-arm \
        vet vet-all cross lint-asm bench fmt check

all: vet test

## test: the full CI suite (every dispatch level, purego, race, arm64 under qemu)
test: vet lint-asm test-go test-purego test-levels test-race test-arm64 cross

## test-go: tests at the best level this CPU has
test-go:
	$(GO) test $(SHORT) $(PKGS)

## test-purego: the pure-Go build
test-purego:
	$(GO) test -tags purego $(SHORT) $(PKGS)

## test-levels: lower dispatch levels on this CPU (GODEBUG), and under qemu-x86_64
## as a Haswell (AVX2 only) and a Nehalem (no AVX) CPU
test-levels:
	GODEBUG=cpu.avx512f=off $(GO) test -short $(PKGS)
	GODEBUG=cpu.avx2=off,cpu.avx512f=off $(GO) test -short ./kernels/...
	$(GO) test -c -o bin/kernels.test ./kernels
	qemu-x86_64 -cpu Haswell bin/kernels.test -test.short
	qemu-x86_64 -cpu Nehalem bin/kernels.test -test.short

## test-race: the race detector over the packages that run threads
test-race:
	$(GO) test -race -short ./kernels/...

## test-arm64: the whole suite as linux/arm64 under qemu-aarch64
test-arm64:
	GOARCH=arm64 $(GO) test -short -exec qemu-aarch64 $(PKGS)
	GOARCH=arm64 GODEBUG=cpu.asimd=off $(GO) test -short -exec qemu-aarch64 ./kernels/...

## test-arm: the suite as 32-bit linux/arm (GOARM=7) under qemu-arm
test-arm:
	GOARCH=arm GOARM=7 $(GO) test -short -exec qemu-arm $(PKGS)

## vet: go vet for this platform, both builds
vet:
	$(GO) vet $(PKGS)
	$(GO) vet -tags purego $(PKGS)

## vet-all / cross: build and vet for every supported GOOS/GOARCH, with and without purego
CROSS = linux/amd64 linux/arm64 darwin/arm64 windows/amd64 linux/arm linux/riscv64 linux/386 js/wasm
vet-all cross:
	@set -e; for p in $(CROSS); do \
	  for tags in "" purego; do \
	    echo "== $$p tags=$$tags"; \
	    GOOS=$${p%/*} GOARCH=$${p#*/} GOARM=7 CGO_ENABLED=0 $(GO) build -tags "$$tags" $(PKGS); \
	    GOOS=$${p%/*} GOARCH=$${p#*/} GOARM=7 CGO_ENABLED=0 $(GO) vet -tags "$$tags" $(PKGS); \
	  done; \
	done

## lint-asm: TEXT lines carry flags, frame and argument sizes; VZEROUPPER before RET with YMM/ZMM
lint-asm:
	@sh internal/tools/lint-asm.sh

## bench: kernel benchmarks (GFLOP/s); compare levels with benchstat -col /impl
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 10 ./kernels/ | tee bin/bench-kernels.txt

fmt:
	gofmt -l -w .
