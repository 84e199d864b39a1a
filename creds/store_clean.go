package creds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// CleanReport says what Clean removed.
type CleanReport struct {
	Entries   int         // sessions, MFA sessions, used-code marks, fast entries
	Indexes   int         // config and list indexes (Clean(true) only)
	Locks     int         // lock files nobody held
	Untrusted []string    // files switcher did not write (symlinks, other owners, open modes)
	Temps     []StaleTemp // temporary files of interrupted writes
}

// cleanItem is one file of the directory and what Clean does with it.
type cleanSweep struct {
	s     *Store
	dir   string
	all   bool
	rep   CleanReport
	live  map[string]bool // keys whose entry stays
	locks []string
	first error
}

func (c *cleanSweep) keep(err error) {
	if err != nil && c.first == nil && !errors.Is(err, fs.ErrNotExist) {
		c.first = fmt.Errorf("cache: clean: %w", err)
	}
}

// Clean removes expired entries (every entry when all is set), entries of
// other formats or versions, files switcher did not write, lock files that
// nobody holds and whose entry is gone (every unheld one when all is set),
// the indexes (when all is set), and temporary files of interrupted writes
// (older than ten minutes, any age when all is set). Files that are not
// the store's own are left alone. Errors do not stop the sweep; the first
// is returned with what was done.
func (s *Store) Clean(all bool) (CleanReport, error) {
	dir, err := s.dir()
	if err != nil {
		return CleanReport{}, err
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return CleanReport{}, fmt.Errorf("cache: %w", err)
	}
	c := &cleanSweep{s: s, dir: dir, all: all, live: map[string]bool{}}
	for _, de := range entries {
		c.file(de.Name())
	}
	c.cleanLocks()
	return c.rep, c.first
}

// file handles one name of the directory.
func (c *cleanSweep) file(name string) {
	path := filepath.Join(c.dir, name)
	switch {
	case strings.HasPrefix(name, tempPrefix):
		c.temp(path)
	case strings.HasSuffix(name, ".lock") && validKey(strings.TrimSuffix(name, ".lock")) == nil:
		c.locks = append(c.locks, name)
	case strings.HasSuffix(name, ".json") && validKey(strings.TrimSuffix(name, ".json")) == nil:
		c.entry(path, strings.TrimSuffix(name, ".json"))
	case strings.HasSuffix(name, ".idx"):
		c.index(path)
	}
}

func (c *cleanSweep) remove(path string) bool {
	if err := os.Remove(path); err != nil {
		c.keep(err)
		return false
	}
	return true
}

func (c *cleanSweep) entry(path, key string) {
	data, _, err := readTrusted(path)
	var ue *UntrustedError
	switch {
	case errors.As(err, &ue):
		if c.remove(path) {
			c.rep.Untrusted = append(c.rep.Untrusted, path)
		}
		return
	case err != nil:
		c.keep(err)
		c.live[key] = true
		return
	}
	var h entryHeader
	expired := json.Unmarshal(data, &h) != nil || !knownKind(h.Kind) ||
		!h.Expiration.IsZero() && !h.Expiration.After(c.s.now())
	if !c.all && !expired {
		c.live[key] = true
		return
	}
	if c.remove(path) {
		c.rep.Entries++
	}
}

func (c *cleanSweep) index(path string) {
	fi, err := os.Lstat(path)
	if err != nil {
		c.keep(err)
		return
	}
	if why := distrust(fi); why != "" {
		if c.remove(path) {
			c.rep.Untrusted = append(c.rep.Untrusted, path)
		}
		return
	}
	if c.all && c.remove(path) {
		c.rep.Indexes++
	}
}

func (c *cleanSweep) temp(path string) {
	fi, err := os.Lstat(path)
	if err != nil {
		c.keep(err)
		return
	}
	if !c.all && !fi.ModTime().Before(c.s.now().Add(-staleTemp)) {
		return // perhaps a write in progress
	}
	if c.remove(path) {
		c.rep.Temps = append(c.rep.Temps, StaleTemp{Path: path, Size: fi.Size()})
	}
}

func (c *cleanSweep) cleanLocks() {
	for _, name := range c.locks {
		if !c.all && c.live[strings.TrimSuffix(name, ".lock")] {
			continue
		}
		path := filepath.Join(c.dir, name)
		unlock, ok, err := tryLockFile(path)
		if err != nil {
			c.keep(err)
			continue
		}
		if !ok {
			continue // held: someone is computing this entry now
		}
		// Removing while holding is safe: lockFile re-checks the path.
		if c.remove(path) {
			c.rep.Locks++
		}
		unlock()
	}
}

// CleanTemps removes the temporary copies that interrupted writes left
// next to target (the credentials or config file): taken under target's
// lock, so a write in progress is never touched. A held lock means a write
// is under way: nothing is removed.
func CleanTemps(target string) ([]StaleTemp, error) {
	real, err := resolveSymlinks(target)
	if err != nil {
		return nil, err
	}
	temps, err := staleTemps(real)
	if err != nil || len(temps) == 0 {
		return nil, err
	}
	unlock, ok, err := tryLockFile(real + ".lock")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	defer unlock()
	return removeStaleTemps(real)
}
