package gatetest

import (
	"sync"
	"time"
)

// rateLimit is a token bucket shared by every client of a fake: rate
// requests per second, at most burst at once. A nil *rateLimit admits
// everything.
type rateLimit struct {
	mu        sync.Mutex
	rate      float64
	burst     float64
	tokens    float64
	last      time.Time
	accepted  int
	throttled int
}

func newRateLimit(rate float64, burst int) *rateLimit {
	if rate <= 0 || burst <= 0 {
		return nil
	}
	return &rateLimit{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// admit takes a token; false means the request is to be throttled.
func (l *rateLimit) admit() bool {
	if l == nil {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	l.last = now
	if l.tokens < 1 {
		l.throttled++
		return false
	}
	l.tokens--
	l.accepted++
	return true
}

// RateCounts are the requests a fake's rate limit admitted and throttled.
type RateCounts struct {
	Accepted, Throttled int
}

func (l *rateLimit) counts() RateCounts {
	if l == nil {
		return RateCounts{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return RateCounts{l.accepted, l.throttled}
}
