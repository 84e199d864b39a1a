package creds

import (
	"io/fs"
	"syscall"
)

// sysIdentity returns the device, inode and ctime (ns) of a stat result.
func sysIdentity(fi fs.FileInfo) (dev, ino uint64, ctime int64) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, 0, 0
	}
	return uint64(st.Dev), st.Ino, st.Ctimespec.Nano() //nolint:gosec // a device number is never negative
}
