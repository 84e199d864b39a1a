package creds

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// UntrustedError says why a file in one of switcher's directories was not
// used: a symlink, something other than a regular file, a file owned by
// another user, or one that others may read or write. switcher wrote none
// of those, so it treats them as absent and replaces them.
type UntrustedError struct {
	Path string
	Why  string
}

func (e *UntrustedError) Error() string { return fmt.Sprintf("not trusting %s: %s", e.Path, e.Why) }

// distrust says why a file switcher keeps must not be trusted, or "".
func distrust(fi fs.FileInfo) string {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return "it is a symbolic link"
	case !fi.Mode().IsRegular():
		return "it is not a regular file"
	}
	if uid, ok := fileOwner(fi); ok && uid != currentUID() {
		return fmt.Sprintf("it is owned by uid %d, not by you (uid %d)", uid, currentUID())
	}
	if posixModes && fi.Mode().Perm()&0o077 != 0 {
		return fmt.Sprintf("its mode %04o lets other users read or write it (switcher writes 0600)", fi.Mode().Perm())
	}
	return ""
}

// openTrusted opens a file that switcher wrote into one of its own
// directories, without following a symlink at path and without blocking on
// a planted FIFO; it returns an *UntrustedError for anything switcher did
// not write, and an error matching fs.ErrNotExist when there is nothing.
func openTrusted(path string) (*os.File, fs.FileInfo, error) {
	f, err := openNoFollow(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		if fi, lerr := os.Lstat(path); lerr == nil {
			if why := distrust(fi); why != "" {
				return nil, nil, &UntrustedError{Path: path, Why: why}
			}
		}
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if why := distrust(fi); why != "" {
		f.Close()
		return nil, nil, &UntrustedError{Path: path, Why: why}
	}
	return f, fi, nil
}

// readTrusted reads a whole file through openTrusted, in one buffer sized
// by the file (as os.ReadFile does: an index is megabytes).
func readTrusted(path string) ([]byte, fs.FileInfo, error) {
	f, fi, err := openTrusted(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	data := make([]byte, 0, fi.Size()+512)
	for {
		n, err := f.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if errors.Is(err, io.EOF) {
			return data, fi, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if len(data) == cap(data) { // the file grew: make room
			data = append(data, 0)[:len(data)]
		}
	}
}
