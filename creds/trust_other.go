//go:build !unix

package creds

import (
	"io/fs"
	"os"
)

// posixModes: Windows has no POSIX permission bits (the profile directory
// is private to its user); only symlinks and non-regular files are refused.
const posixModes = false

// openNoFollow opens path for reading, refusing a symlink (checked first:
// there is no O_NOFOLLOW).
func openNoFollow(path string) (*os.File, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, err
	}
	if why := distrust(fi); why != "" {
		return nil, &UntrustedError{Path: path, Why: why}
	}
	return os.Open(path)
}

// fileOwner: ownership is not checked here.
func fileOwner(fs.FileInfo) (int, bool) { return 0, false }

func currentUID() int { return -1 }
