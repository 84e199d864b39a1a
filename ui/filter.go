package ui

import (
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/junegunn/fzf/src/algo"
	"github.com/junegunn/fzf/src/util"
)

// The picker's filter is fzf's matching algorithm (its V1 match: the
// leftmost occurrence, shortened from the right, scored like fzf; case-
// insensitive unless the filter has a capital letter) over "name role
// account" of each row. It allocates nothing per row, so a keystroke over
// 100,000 rows stays within a frame.

// initAlgo sets fzf's scoring tables, which fzf keeps in package globals:
// once, before the first match.
var initAlgo = sync.OnceFunc(func() { algo.Init("default") }) //nolint:gochecknoglobals // fzf's own tables are global; this only guards setting them once

// searchIndex is what the filter matches: one entry per row, in the
// picker's order.
type searchIndex []util.Chars

func newSearchIndex(rows []Row) searchIndex {
	initAlgo()
	idx := make(searchIndex, len(rows))
	for i := range rows {
		r := &rows[i]
		idx[i] = util.ToChars([]byte(r.Name + " " + r.Role + " " + r.Account))
	}
	return idx
}

// permuted is the index for rows reordered so that new[i] = old[perm[i]].
func (s searchIndex) permuted(perm []int) searchIndex {
	out := make(searchIndex, len(perm))
	for i, j := range perm {
		out[i] = s[j]
	}
	return out
}

// match is a row that passed the filter.
type match struct {
	index int // into the rows
	score int
}

// query is a filter as fzf reads it.
type query struct {
	pattern       []rune
	caseSensitive bool
}

func newQuery(q string) query {
	sensitive := strings.IndexFunc(q, unicode.IsUpper) >= 0
	if !sensitive {
		q = strings.ToLower(q)
	}
	return query{pattern: []rune(q), caseSensitive: sensitive}
}

// filterChunk is the fewest rows worth a goroutine of their own.
const filterChunk = 20000

// find returns the rows among (nil: all) that match q, best score first,
// then in the picker's own order.
func (s searchIndex) find(q query, among []bool) []match {
	n := len(s)
	workers := min(runtime.GOMAXPROCS(0), 4, max(1, n/filterChunk))
	parts := make([][]match, workers)
	var wg sync.WaitGroup
	for w := range workers {
		from, to := n*w/workers, n*(w+1)/workers
		wg.Go(func() { parts[w] = s.findRange(q, among, from, to) })
	}
	wg.Wait()
	return sortMatches(parts)
}

func (s searchIndex) findRange(q query, among []bool, from, to int) []match {
	slab := util.MakeSlab(16*1024, 2048)
	out := make([]match, 0, to-from)
	for i := from; i < to; i++ {
		if among != nil && !among[i] {
			continue
		}
		res, _ := algo.FuzzyMatchV1(q.caseSensitive, false, true, &s[i], q.pattern, false, slab)
		if res.Start >= 0 {
			out = append(out, match{index: i, score: res.Score})
		}
	}
	return out
}

// positions are the rune offsets of row i's text that q matched, for
// highlighting (asked only of the rows on screen).
func (s searchIndex) positions(q query, i int) []int {
	res, pos := algo.FuzzyMatchV1(q.caseSensitive, false, true, &s[i], q.pattern, true, nil)
	if res.Start < 0 || pos == nil {
		return nil
	}
	return *pos
}

// sortMatches merges the parts (each in row order) into one list ordered
// by score, best first, keeping the row order among equal scores. Scores
// are small integers, so it counts them rather than comparing: linear in
// the matches.
func sortMatches(parts [][]match) []match {
	n := 0
	lo, hi := 0, 0
	for _, p := range parts {
		for _, m := range p {
			if n == 0 {
				lo, hi = m.score, m.score
			}
			lo, hi = min(lo, m.score), max(hi, m.score)
			n++
		}
	}
	out := make([]match, n)
	if n == 0 {
		return out
	}
	if hi-lo > 1<<16 {
		out = slices.Concat(parts...)
		slices.SortStableFunc(out, func(a, b match) int { return b.score - a.score })
		return out
	}
	start := make([]int, hi-lo+2) // start[k]: where score hi-k goes
	for _, p := range parts {
		for _, m := range p {
			start[hi-m.score+1]++
		}
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	for _, p := range parts {
		for _, m := range p {
			k := hi - m.score
			out[start[k]] = m
			start[k]++
		}
	}
	return out
}
