package ui

import (
	"cmp"
	"slices"
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
// recently and frequently used, then config order. Only the used profiles
// move: O(rows), a pass and (when anything moves) one copy into a new
// slice, with perm saying where each row came from (out[i] =
// rows[perm[i]]); rows itself is not changed. perm is nil when nothing
// moves.
func sortRows(rows []Row, hist map[string]Usage, now time.Time) (out []Row, perm []int) {
	top := usedRows(rows, hist, now)
	if len(top) == 0 && rolesFirst(rows) {
		return rows, nil
	}
	moved := make([]bool, len(rows))
	for _, i := range top {
		moved[i] = true
	}
	perm = make([]int, 0, len(rows))
	for _, roles := range []bool{true, false} {
		for _, i := range top {
			if rows[i].IsRole == roles {
				perm = append(perm, i)
			}
		}
		for i := range rows {
			if rows[i].IsRole == roles && !moved[i] {
				perm = append(perm, i)
			}
		}
	}
	out = make([]Row, len(perm))
	for i, j := range perm {
		out[i] = rows[j]
	}
	return out, perm
}

// usedRows are the rows with a use in hist, most used first (ties in row
// order).
func usedRows(rows []Row, hist map[string]Usage, now time.Time) []int {
	if len(hist) == 0 {
		return nil
	}
	type used struct {
		i     int
		score float64
	}
	var top []used
	for i := range rows {
		if u, ok := hist[rows[i].Name]; ok {
			if s := frecency(u, now); s > 0 {
				top = append(top, used{i, s})
			}
		}
	}
	slices.SortStableFunc(top, func(a, b used) int { return cmp.Compare(b.score, a.score) })
	out := make([]int, len(top))
	for k, u := range top {
		out[k] = u.i
	}
	return out
}

// rolesFirst reports whether no role profile follows another profile.
func rolesFirst(rows []Row) bool {
	seenOther := false
	for i := range rows {
		if !rows[i].IsRole {
			seenOther = true
		} else if seenOther {
			return false
		}
	}
	return true
}
