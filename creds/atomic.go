package creds

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// tempPrefix starts the name of every temporary file WriteFileAtomic makes,
// so Cache.Clean can recognise leftovers of a crashed writer.
const tempPrefix = ".switcher-tmp-"

// WriteFileAtomic replaces path with data: it writes a temporary file in
// the same directory with mode perm, fsyncs it, renames it over path and
// fsyncs the directory. Readers see the old content or the new, never a
// mix; on any error the temporary file is removed and path is untouched.
// The directory must exist. A symlink at path is replaced, not followed
// (resolve it first if the target should be written).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, tempPrefix+strings.TrimPrefix(base, ".")+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	// CreateTemp makes the file 0600; set perm explicitly (umask does not
	// apply to Chmod) before any secret is written into it.
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err = renameReplace(tmpName, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. It is best effort: Windows cannot open a
// directory for syncing, and a failure here cannot undo the rename.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
