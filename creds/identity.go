package creds

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"
)

// RacyWindow is how recent a file change may be for its identity to be
// trusted. A file changed twice within one tick of the file system's clock
// (1 ns on ext4 and tmpfs, 2 s on FAT) can keep the same size and times, so
// nothing is derived from a file changed less than this long ago: a later
// run, once it has settled, records it (git's "racy clean" rule).
const RacyWindow = 2 * time.Second

// FileIdentity is what a stat says about a file: cheap to get, and changed
// by every edit, rename or touch (ctime cannot be set by a user; inode and
// device change when another file is renamed over the path). Where the
// system gives no inode or ctime (Windows) only size and mtime remain, and
// RacyWindow covers the coarse clocks. It is the one definition of "this
// file has not changed" that every derived file switcher keeps relies on.
type FileIdentity struct {
	Path   string
	Exists bool
	Dev    uint64
	Ino    uint64
	Size   int64
	Mode   fs.FileMode
	Mtime  int64 // ns since the epoch
	Ctime  int64 // ns since the epoch; 0 when unknown
}

// StatIdentity stats path, following symlinks (the target is what is
// read). A missing file is an identity too (Exists false): creating it
// changes it.
func StatIdentity(path string) (FileIdentity, error) {
	id := FileIdentity{Path: path}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return id, nil
	}
	if err != nil {
		return id, fmt.Errorf("stat %s: %w", path, err)
	}
	id.Exists = true
	id.Size = fi.Size()
	id.Mode = fi.Mode()
	id.Mtime = fi.ModTime().UnixNano()
	id.Dev, id.Ino, id.Ctime = sysIdentity(fi)
	return id, nil
}

// Parts renders the identity for a cache key.
func (id FileIdentity) Parts() []string {
	if !id.Exists {
		return []string{"path=" + id.Path, "absent"}
	}
	return []string{
		"path=" + id.Path,
		"dev=" + strconv.FormatUint(id.Dev, 10),
		"ino=" + strconv.FormatUint(id.Ino, 10),
		"size=" + strconv.FormatInt(id.Size, 10),
		"mode=" + strconv.FormatUint(uint64(id.Mode), 10),
		"mtime=" + strconv.FormatInt(id.Mtime, 10),
		"ctime=" + strconv.FormatInt(id.Ctime, 10),
	}
}

// Settled reports whether the file last changed at least RacyWindow before
// now, so that its identity can be trusted to change with its content.
func (id FileIdentity) Settled(now time.Time) bool {
	if !id.Exists {
		return true
	}
	limit := now.Add(-RacyWindow).UnixNano()
	return id.Mtime <= limit && id.Ctime <= limit
}
