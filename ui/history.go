package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// History remembers which profiles were assumed, how often and when, so
// the picker can put the ones in use first. It lives in one small JSON file
// in the user's state directory, written atomically with mode 0600.
type History struct {
	Path string // "" keeps no history
	Now  func() time.Time
}

// Usage is what the history knows about one profile.
type Usage struct {
	Count int       `json:"count"`
	Last  time.Time `json:"last"`
}

type historyFile struct {
	Version  int              `json:"version"`
	Profiles map[string]Usage `json:"profiles"`
}

// Load reads the history; a missing file is an empty history.
func (h History) Load() (map[string]Usage, error) {
	if h.Path == "" {
		return map[string]Usage{}, nil
	}
	b, err := os.ReadFile(h.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[string]Usage{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading history: %w", err)
	}
	var f historyFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("reading history %s: %w", h.Path, err)
	}
	if f.Profiles == nil {
		f.Profiles = map[string]Usage{}
	}
	return f.Profiles, nil
}

// Record notes one use of profile and saves the file.
func (h History) Record(profile string) error {
	if h.Path == "" {
		return nil
	}
	u, err := h.Load()
	if err != nil {
		u = map[string]Usage{} // a corrupt history is replaced, not fatal
	}
	e := u[profile]
	e.Count++
	e.Last = h.Now().UTC()
	u[profile] = e
	b, err := json.MarshalIndent(historyFile{Version: 1, Profiles: u}, "", "  ")
	if err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	return writeAtomic(h.Path, append(b, '\n'))
}

// writeAtomic writes a temp file next to path (0600, directory 0700) and
// renames it over path.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // no-op after a successful rename
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("saving history: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("saving history %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("saving history %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	return nil
}

// frecency scores a profile's use at now: every use counts, recent ones more.
func frecency(u Usage, now time.Time) float64 {
	if u.Count == 0 {
		return 0
	}
	age := now.Sub(u.Last)
	w := 0.25
	switch {
	case age < time.Hour:
		w = 8
	case age < 24*time.Hour:
		w = 4
	case age < 7*24*time.Hour:
		w = 2
	case age < 30*24*time.Hour:
		w = 1
	}
	return float64(u.Count) * w
}

// sortRows orders rows for the picker: role profiles first, then the most
// recently and frequently used, then config order. It sorts in place.
func sortRows(rows []Row, hist map[string]Usage, now time.Time) {
	score := make(map[string]float64, len(hist))
	for name, u := range hist {
		score[name] = frecency(u, now)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if a.IsRole != b.IsRole {
			return a.IsRole
		}
		return score[a.Name] > score[b.Name]
	})
}
