//go:build !race

package memorize

const raceEnabled = false
