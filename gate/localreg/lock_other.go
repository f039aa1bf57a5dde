//go:build !unix

package localreg

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// oNonblock is 0 where the platform has no non-blocking open; readFile
// still refuses non-regular files before opening them.
const oNonblock = 0

// lock takes the package folder's lock where flock is missing: a lock file
// created exclusively (O_EXCL) and removed on unlock, waited for until ctx
// ends.
func (r *Registry) lock(ctx context.Context, dir string) (unlock func(), err error) {
	name := filepath.Join(r.root, filepath.FromSlash(dir), ".modelgate.lock")
	wait := time.Millisecond
	for {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			f.Close()
			return func() { os.Remove(name) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("waiting for another approval of this package: %w", ctx.Err())
		case <-t.C:
		}
		if wait < 50*time.Millisecond {
			wait *= 2
		}
	}
}
