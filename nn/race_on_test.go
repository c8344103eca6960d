//go:build race

package nn

const raceOn = true
