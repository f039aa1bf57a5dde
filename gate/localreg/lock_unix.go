//go:build unix

package localreg

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// oNonblock opens without blocking: opening a FIFO for reading would wait
// for a writer forever.
const oNonblock = syscall.O_NONBLOCK

// lock takes an exclusive flock on the package folder dir (relative to the
// root), waiting until ctx ends. Locking the folder, not package.json, keeps
// the lock on the same inode while package.json is replaced by a rename, and
// leaves no lock file behind. flock locks belong to the open file, so two
// goroutines of one process exclude each other as two processes do.
func (r *Registry) lock(ctx context.Context, dir string) (unlock func(), err error) {
	root, err := os.OpenRoot(r.root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	d, err := root.OpenFile(filepath.FromSlash(dir), os.O_RDONLY|oNonblock, 0)
	if err != nil {
		return nil, fileError(dir, err)
	}
	st, err := d.Stat()
	if err != nil || !st.IsDir() {
		d.Close()
		if err == nil {
			err = fmt.Errorf("%s is not a directory", dir)
		}
		return nil, err
	}
	fd := int(d.Fd())
	wait := time.Millisecond
	for {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(fd, syscall.LOCK_UN)
				d.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			d.Close()
			return nil, fmt.Errorf("flock: %w", err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			d.Close()
			return nil, fmt.Errorf("waiting for another approval of this package: %w", ctx.Err())
		case <-t.C:
		}
		if wait < 50*time.Millisecond {
			wait *= 2
		}
	}
}
