#!/bin/sh
# lint-asm: house rules for Go assembly files (see ARCHITECTURE.md section 6).
#  - every .s file has a //go:build line that includes !purego;
#  - every TEXT line has symbolic flags and a $frame-args size (so go vet checks offsets);
#  - on amd64, a function that touches Y or Z registers runs VZEROUPPER before each RET;
#  - above every TEXT, a "// func" line that spells the Go declaration (names, types, order)
#    and a "// Requires:" line, and the TEXT argument size is the declaration's (asmfunc).
status=0
for f in $(git ls-files '*.s'); do
	head -5 "$f" | grep -q '^//go:build.*!purego' || { echo "$f: no //go:build !purego line"; status=1; }
	grep -nE '^TEXT[^,]*,[[:space:]]*[0-9]+[[:space:]]*,' "$f" | sed "s|^|$f: numeric text flag: |" | grep . && status=1
	grep -nE '^TEXT' "$f" | grep -vE '\$[0-9]+-[0-9]+' | sed "s|^|$f: TEXT without argument size: |" | grep . && status=1
	case "$f" in
	*_amd64.s)
		awk -v f="$f" '
			/^TEXT/ { name = $2; vec = 0; last = "" }
			/[^A-Za-z_][YZ]([0-9]|[12][0-9]|3[01])([^0-9]|$)/ { vec = 1 }
			/^[[:space:]]*RET/ { if (vec && last !~ /VZEROUPPER/) { printf "%s: %s: RET without VZEROUPPER\n", f, name; bad = 1 } }
			/^[[:space:]]*[A-Z]/ { last = $1 }
			END { exit bad }' "$f" || status=1
		;;
	esac
done
go run ./internal/tools/asmfunc kernels/amd64 kernels/arm64 || status=1
exit $status
