//go:build windows

package creds

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// errSharingViolation is ERROR_SHARING_VIOLATION.
const errSharingViolation = syscall.Errno(32)

// renameReplace renames oldpath over newpath. On Windows that fails with
// ERROR_ACCESS_DENIED or ERROR_SHARING_VIOLATION while another process
// (a parallel credential-process reading the cache) has newpath open, so
// it retries for about a second before giving up.
func renameReplace(oldpath, newpath string) error {
	delay := 5 * time.Millisecond
	var err error
	for attempt := 0; attempt < 14; attempt++ { // about a second in all
		err = os.Rename(oldpath, newpath)
		if err == nil || !(errors.Is(err, fs.ErrPermission) || errors.Is(err, errSharingViolation)) {
			return err
		}
		time.Sleep(delay)
		delay = min(2*delay, 100*time.Millisecond)
	}
	return err
}
