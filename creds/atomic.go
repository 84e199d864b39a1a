package creds

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// tempPrefix starts the name of every temporary file WriteFileAtomic
// makes: tempPrefix, the target's base name (without a leading dot), '-',
// and the random digits of os.CreateTemp. A crash between creating and
// renaming one leaves it behind, holding whatever was being written (a
// credentials file's long-term keys included), so it must be recognisable:
// the next write of the same target and `switcher clean` remove it.
const tempPrefix = ".switcher-tmp-"

// tempPattern is the os.CreateTemp pattern of target's temporary files.
func tempPattern(target string) string { return tempPrefix + tempBase(target) + "-*" }

// tempBase is what a temporary file's name holds of its target.
func tempBase(target string) string {
	return strings.TrimPrefix(filepath.Base(target), ".")
}

// isTempOf reports whether name is a temporary file WriteFileAtomic made
// for a target with base name base: the exact base, then only digits (so
// "credentials" does not claim the temporary files of "credentials-ci").
func isTempOf(name, base string) bool {
	rest, ok := strings.CutPrefix(name, tempPrefix+strings.TrimPrefix(base, ".")+"-")
	if !ok || rest == "" {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if rest[i] < '0' || rest[i] > '9' {
			return false
		}
	}
	return true
}

// WriteFileAtomic replaces path with data: it writes a temporary file in
// the same directory with mode perm, fsyncs it, renames it over path and
// fsyncs the directory. Readers see the old content or the new, never a
// mix; on any error the temporary file is removed and path is untouched.
// It is the one way switcher writes a file. The directory must exist. A
// symlink at path is replaced, not followed (resolve it first if the
// target should be written).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern(path))
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

// StaleTemp is a temporary file an interrupted write left behind.
type StaleTemp struct {
	Path string
	Size int64
}

// staleTemps lists the temporary files of WriteFileAtomic next to target.
// A missing directory has none.
func staleTemps(target string) ([]StaleTemp, error) {
	entries, err := os.ReadDir(filepath.Dir(target))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	base := tempBase(target)
	var out []StaleTemp
	for _, de := range entries {
		if !isTempOf(de.Name(), base) {
			continue
		}
		t := StaleTemp{Path: filepath.Join(filepath.Dir(target), de.Name())}
		if fi, err := de.Info(); err == nil {
			t.Size = fi.Size()
		}
		out = append(out, t)
	}
	return out, nil
}

// removeStaleTemps removes the temporary files an interrupted write of
// target left. The caller holds target's lock, so no write of it is under
// way and every one of them is a leftover.
func removeStaleTemps(target string) ([]StaleTemp, error) {
	temps, err := staleTemps(target)
	if err != nil {
		return nil, err
	}
	var removed []StaleTemp
	var first error
	for _, t := range temps {
		if err := os.Remove(t.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			if first == nil {
				first = err
			}
			continue
		}
		removed = append(removed, t)
	}
	return removed, first
}
