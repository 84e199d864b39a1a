package creds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"time"
)

// UsageHistory is which profiles were assumed, how often and when, so the
// picker can put the ones in use first. It is one small JSON file in the
// user's state directory, kept like every file switcher keeps: 0600 in a
// 0700 directory of the user's own, written with WriteFileAtomic, and read
// only when it is a file of the user's (an untrusted one reads as empty and
// is replaced by the next Record).
type UsageHistory struct {
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
func (h UsageHistory) Load() (map[string]Usage, error) {
	if h.Path == "" {
		return map[string]Usage{}, nil
	}
	b, _, err := readTrusted(h.Path)
	var ue *UntrustedError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return map[string]Usage{}, nil
	case errors.As(err, &ue):
		return nil, fmt.Errorf("history: %w; it will be replaced", err)
	case err != nil:
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
func (h UsageHistory) Record(profile string) error {
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
	if err := checkPrivateDir(filepath.Dir(h.Path)); err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	if err := WriteFileAtomic(h.Path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("saving history: %w", err)
	}
	return nil
}
