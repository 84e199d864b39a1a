package ui

import (
	"sort"
	"time"

	"github.com/switcher-cli/switcher/creds"
)

// HistoryStore remembers which profiles were assumed (creds.UsageHistory
// in production), so the picker can put the ones in use first.
type HistoryStore interface {
	Load() (map[string]Usage, error)
	Record(profile string) error
}

// Usage is what the history knows about one profile.
type Usage = creds.Usage

// noHistory keeps nothing.
type noHistory struct{}

func (noHistory) Load() (map[string]Usage, error) { return map[string]Usage{}, nil }
func (noHistory) Record(string) error             { return nil }

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
