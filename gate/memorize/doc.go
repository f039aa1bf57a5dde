// Package memorize computes the memorization metrics.
package memorize
