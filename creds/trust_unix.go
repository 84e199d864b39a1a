//go:build unix

package creds

import (
	"io/fs"
	"os"
	"syscall"
)

// posixModes: permission bits mean what they say here.
const posixModes = true

// openNoFollow opens path for reading; a symlink at path fails (ELOOP)
// instead of being followed, and a FIFO does not block the open.
func openNoFollow(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
}

// fileOwner is the uid that owns a file.
func fileOwner(fi fs.FileInfo) (int, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(st.Uid), true
}

// currentUID is the effective uid: the one that creates switcher's files.
func currentUID() int { return os.Geteuid() }
