# gorn make targets. `make test` is what CI runs (through .ci/run).
GO      ?= go
PKGS    ?= ./...
SHORT   ?=

.PHONY: all test test-go test-purego test-levels test-race test-arm64 test-arm \
        vet vet-all cross lint-asm bench fmt check gen-neon check-gen

all: vet test

## test: the full CI suite (every dispatch level, purego, race, arm64 and 32-bit arm under qemu,
## the generated NEON header up to date)
test: vet lint-asm check-gen test-go test-purego test-levels test-race test-arm64 test-arm cross

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
	GODEBUG=cpu.avx2=off,cpu.avx512f=off $(GO) test -short ./kernels/... ./im2col/
	$(GO) test -c -o bin/kernels.test ./kernels
	qemu-x86_64 -cpu Haswell bin/kernels.test -test.short
	qemu-x86_64 -cpu Nehalem bin/kernels.test -test.short
	$(GO) test -c -o bin/im2col.test ./im2col
	cd im2col && qemu-x86_64 -cpu Haswell ../bin/im2col.test -test.short
	cd im2col && qemu-x86_64 -cpu Nehalem ../bin/im2col.test -test.short

## test-race: the race detector over the packages that run threads
test-race:
	$(GO) test -race -short ./kernels/...

## test-arm64: the whole suite as linux/arm64 under qemu-aarch64 (the neon and generic
## levels side by side), then the dispatch tests with NEON turned off by GODEBUG
## (qemu-aarch64 -E sets it for the emulated program only)
test-arm64:
	GOARCH=arm64 $(GO) test -short -exec qemu-aarch64 $(PKGS)
	GOARCH=arm64 $(GO) test -c -o bin/kernels-arm64.test ./kernels
	cd kernels && qemu-aarch64 -E GODEBUG=cpu.asimd=off ../bin/kernels-arm64.test -test.short \
	  -test.run 'NEONDispatch|Active|Example|NoAllocations|PoolShared|BadArguments'

## test-arm: the suite as 32-bit linux/arm (GOARM=7, pure Go) under qemu-arm
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

## gen-neon: regenerate kernels/arm64/neon_arm64.h and int8_arm64.h (WORD macros for the arm64
## instructions Go's assembler lacks) from GNU as through github.com/minio/asm2plan9s. asm2plan9s
## assembles arm64 only when it runs on arm64, so it is built for arm64 and run under
## qemu-aarch64 (directly on an arm64 host). Needs binutils-aarch64-linux-gnu, qemu-user.
NEONGEN = kernels/arm64/_gen
gen-neon: bin/asm2plan9s-arm64
	cd $(NEONGEN) && $(GO) run . -asm2plan9s ../../../bin/asm2plan9s-arm64 -o ../neon_arm64.h
	cd $(NEONGEN) && $(GO) run . -set int8 -asm2plan9s ../../../bin/asm2plan9s-arm64 -o ../int8_arm64.h

bin/asm2plan9s-arm64: $(NEONGEN)/go.mod $(NEONGEN)/go.sum
	@mkdir -p bin
	cd $(NEONGEN) && GOARCH=arm64 $(GO) build -o ../../../bin/asm2plan9s-arm64 github.com/minio/asm2plan9s

## check-gen: regenerate the headers into bin/ and fail if a checked-in one differs
check-gen: bin/asm2plan9s-arm64
	cd $(NEONGEN) && $(GO) vet . && test -z "$$(gofmt -l .)"
	cd $(NEONGEN) && $(GO) run . -asm2plan9s ../../../bin/asm2plan9s-arm64 -o ../../../bin/neon_arm64.h
	diff -u kernels/arm64/neon_arm64.h bin/neon_arm64.h
	cd $(NEONGEN) && $(GO) run . -set int8 -asm2plan9s ../../../bin/asm2plan9s-arm64 -o ../../../bin/int8_arm64.h
	diff -u kernels/arm64/int8_arm64.h bin/int8_arm64.h

## lint-asm: TEXT lines carry flags, frame and argument sizes; VZEROUPPER before RET with YMM/ZMM
lint-asm:
	@sh internal/tools/lint-asm.sh

## bench: kernel benchmarks (GFLOP/s); compare levels with benchstat -col /impl
bench:
	@mkdir -p bin
	$(GO) test -run '^$$' -bench . -benchmem -count 10 ./kernels/ | tee bin/bench-kernels.txt

fmt:
	gofmt -l -w .

## bench-resnet: ResNet-50/18 latency, gorn beside ONNX Runtime (peer installed by scripts/peer.sh)
bench-resnet:
	cd bench && $(GO) test -run '^$$' -bench '^BenchmarkResNet$$' -benchtime 10x -count 3 .
	sh scripts/peer.sh --model resnet50,resnet18 --threads 1,2

## abuse: the load and abuse test of examples/server: 5,000 requests from 64 loopback clients
## mixing legitimate, corrupt, oversized, decompression-heavy images and slow uploads; prints the
## answers by kind, p50/p99 latency of the legitimate ones, peak RSS, goroutines and heap after
abuse:
	GORN_ABUSE=1 $(GO) test -count=1 -run '^TestAbuse$$' -v -timeout 15m ./examples/server

.PHONY: fixtures fixtures-check fixtures-graphs fixtures-graphs-check fixtures-graphs-large peer verify-onnx verify-graphs help abuse

PYTHON ?= /usr/bin/python3

## fixtures: regenerate testdata/ with scripts/ (deterministic): the PyTorch reference fixtures
## (gen_fixtures.py), their ONNX exports (export_onnx.py), the digits model (train_digits.py)
## and the graph-compiler fixtures (fixtures-graphs).
## Needs /usr/bin/python3 (or PYTHON=...) with Debian's python3-torch, python3-torchvision, python3-onnx, python3-sklearn
fixtures:
	$(PYTHON) scripts/gen_fixtures.py
	$(PYTHON) scripts/export_onnx.py
	$(PYTHON) scripts/train_digits.py
	$(MAKE) fixtures-graphs

## fixtures-check: regenerate testdata/ into temporary directories (the scripts' check modes)
## and fail if any file differs from the committed one
fixtures-check:
	$(PYTHON) scripts/gen_fixtures.py --check
	$(PYTHON) scripts/export_onnx.py --check
	$(PYTHON) scripts/train_digits.py -check
	$(MAKE) fixtures-graphs-check

## fixtures-graphs: regenerate testdata/graphs/ (issue 12's graph-compiler fixtures): train the two
## small networks on the digits data (train_graphs.py, a few minutes), then export the table-row,
## float16 and operator fixtures and write manifest.json (export_graphs.py, under a minute)
fixtures-graphs:
	$(PYTHON) scripts/train_graphs.py
	$(PYTHON) scripts/export_graphs.py

## fixtures-graphs-check: regenerate testdata/graphs/ in temporary directories and fail if any file differs
fixtures-graphs-check:
	$(PYTHON) scripts/train_graphs.py -check
	$(PYTHON) scripts/export_graphs.py --check

## peer: ONNX Runtime's latency on this machine (scripts/peer.sh: installs bench/ort from npm and
## exports the models when missing); arguments in PEER_ARGS, e.g. PEER_ARGS='--model resnet50 --threads 1'
PEER_ARGS ?=
peer:
	sh scripts/peer.sh $(PEER_ARGS)

## verify-onnx: run every ONNX fixture (testdata/onnx/, and testdata/large/ when present) in
## ONNX Runtime and compare with PyTorch's float64 logits (bench/ort/verify.js; needs node, npm)
verify-onnx: bench/ort/node_modules/onnxruntime-node
	node bench/ort/verify.js

## fixtures-graphs-large: full-size (224x224, ResNet-50 depth; CIFAR ResNet-56) versions of the
## testdata/graphs/ table rows, fused and kept, to the git-ignored testdata/large/graphs/ (~2 GB)
fixtures-graphs-large:
	$(PYTHON) scripts/export_graphs.py --large

## verify-graphs: run every testdata/graphs/ fixture in ONNX Runtime (and all held-out digits through
## the trained ones) and compare with PyTorch's float64 outputs (bench/ort/verify_graphs.js);
## then the full-size ones when testdata/large/graphs/ exists
verify-graphs: bench/ort/node_modules/onnxruntime-node
	node bench/ort/verify_graphs.js
	if [ -f testdata/large/graphs/manifest.json ]; then GRAPHS_DIR=testdata/large/graphs node bench/ort/verify_graphs.js; fi

bench/ort/node_modules/onnxruntime-node: bench/ort/package-lock.json
	cd bench/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund

## help: list the targets and what they do
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)
