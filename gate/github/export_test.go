package github

import (
	"context"
	"time"
)

// SetSleep replaces how c waits between retries.
func SetSleep(c *Checks, sleep func(ctx context.Context, d time.Duration) error) {
	c.retry.sleep = sleep
}
