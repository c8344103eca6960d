#!/bin/sh
# ONNX Runtime peer benchmark: installs onnxruntime-node (bench/ort, from
# package-lock.json) and exports the full-size models (bench/ort/models/,
# git-ignored) if missing, then runs bench/ort/bench.js with the arguments given.
#
#   scripts/peer.sh                                  # resnet18, resnet50; 1 and 2 threads; batch 1
#   scripts/peer.sh --model resnet50 --threads 1 --runs 100
#   scripts/peer.sh --batch 8                        # uses the dynamic-batch exports
#
# Needs node + npm and /usr/bin/python3 with Debian's python3-torch and
# python3-torchvision (for the export only).
set -eu
cd "$(dirname "$0")/.."
command -v node >/dev/null && command -v npm >/dev/null ||
	{ echo "peer.sh: node and npm are needed (apt-get install nodejs npm)" >&2; exit 1; }
if [ ! -d bench/ort/node_modules/onnxruntime-node ]; then
	(cd bench/ort && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund)
fi
models=resnet18,resnet50
batch=1
prev=
for a in "$@"; do
	case "$prev" in
	--model) models=$a ;;
	--batch) batch=$a ;;
	esac
	case "$a" in
	--model=*) models=${a#--model=} ;;
	--batch=*) batch=${a#--batch=} ;;
	esac
	prev=$a
done
for m in $(echo "$models" | tr ',' ' '); do
	case "$m" in *.onnx) continue ;; esac
	f=bench/ort/models/$m.onnx
	[ "$batch" = 1 ] || f=bench/ort/models/${m}_dyn.onnx
	if [ ! -f "$f" ]; then
		/usr/bin/python3 -c 'import torch, torchvision' 2>/dev/null ||
			{ echo "peer.sh: exporting $m needs /usr/bin/python3 with python3-torch and python3-torchvision" >&2; exit 1; }
		/usr/bin/python3 scripts/export_bench_models.py --dynamic "$m"
	fi
done
exec node bench/ort/bench.js "$@"
