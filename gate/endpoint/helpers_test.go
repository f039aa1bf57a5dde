package endpoint

import "time"

var fixedNow = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
