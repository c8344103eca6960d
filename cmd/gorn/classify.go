package main

import (
	"context"
)

func runClassify(ctx context.Context, e *env, args []string) error {
	return usageErrorf("not yet")
}
