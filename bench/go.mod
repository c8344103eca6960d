module github.com/gorn-ml/gorn/bench

go 1.26.0

replace github.com/gorn-ml/gorn => ../
