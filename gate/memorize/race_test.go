//go:build race

package memorize

// raceEnabled: the race detector makes sync.Pool drop items, so allocation
// counts are not the real ones.
const raceEnabled = true
