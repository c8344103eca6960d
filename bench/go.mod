module github.com/gorn-ml/gorn/bench

go 1.26.0

replace github.com/gorn-ml/gorn => ../

require (
	github.com/gorn-ml/gorn v0.0.0-00010101000000-000000000000
	gonum.org/v1/gonum v0.17.0
)

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/sys v0.50.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
