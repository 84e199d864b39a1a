//go:build !windows

package creds

import "os"

// renameReplace renames oldpath over newpath. POSIX rename replaces an
// open file atomically, so there is nothing to retry.
func renameReplace(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }
