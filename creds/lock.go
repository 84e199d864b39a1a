package creds

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// lockPoll is how often a waiting lock tries again. flock has no blocking
// call that honours a context, so waiting is polling; 25 ms is short next
// to an STS round trip and costs nothing measurable while idle.
const lockPoll = 25 * time.Millisecond

// lockFile takes an exclusive advisory lock (flock(2), LockFileEx on
// Windows) on path, creating it 0600, and waits until it gets it or ctx
// ends. The lock holds across goroutines and processes alike: each call
// opens its own descriptor. The returned unlock is safe to call more than
// once. The file is left in place.
//
// A lock file may be removed by Cache.Clean while nobody holds it. A
// waiter that had opened the removed file would then lock a file nobody
// else can see, so after locking, the path is checked to still name the
// locked file, and the lock is retaken if it does not.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	for {
		fl := flock.New(path, flock.SetPermissions(0o600))
		ok, err := fl.TryLockContext(ctx, lockPoll)
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !ok { // TryLockContext reports a done ctx as an error; be safe
			return nil, fmt.Errorf("lock %s: %w", path, context.Cause(ctx))
		}
		if sameFile(fl, path) {
			var once sync.Once
			return func() { once.Do(func() { _ = fl.Unlock() }) }, nil
		}
		_ = fl.Unlock()
	}
}

// sameFile reports whether the locked descriptor is still the file at path.
func sameFile(fl *flock.Flock, path string) bool {
	held, err := fl.Stat()
	if err != nil {
		return false
	}
	now, err := os.Stat(path)
	if err != nil {
		return false
	}
	return os.SameFile(held, now)
}

// tryLockFile takes the lock only if it is free at once.
func tryLockFile(path string) (unlock func(), ok bool, err error) {
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err = fl.TryLock()
	if err != nil || !ok {
		return nil, false, err
	}
	var once sync.Once
	return func() { once.Do(func() { _ = fl.Unlock() }) }, true, nil
}
