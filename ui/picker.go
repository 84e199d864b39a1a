package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/sahilm/fuzzy"
)

// picker lists the profiles and filters them as the user types.
type picker struct {
	rows    []Row
	search  searchSource
	filter  textinput.Model
	matches fuzzy.Matches // nil while the filter is empty
	query   string        // the filter the matches are for
	cursor  int
	offset  int
	height  int // rows of the list that fit
	note    string
}

// searchSource is what the filter matches: "name role account" per row.
type searchSource []string

func (s searchSource) String(i int) string { return s[i] }
func (s searchSource) Len() int            { return len(s) }

func newPicker() picker {
	f := textinput.New()
	f.Prompt = ""
	f.Placeholder = "type to filter"
	f.CharLimit = 128
	f.SetVirtualCursor(false)
	f.Focus()
	return picker{filter: f, height: 10}
}

// setRows installs rows (already sorted) and reapplies the filter.
func (p picker) setRows(rows []Row) picker {
	p.rows = rows
	p.search = make(searchSource, len(rows))
	for i, r := range rows {
		p.search[i] = r.Name + " " + r.Role + " " + r.Account
	}
	p.query, p.matches = "", nil // new rows: the old matches say nothing
	return p.refilter()
}

func (p picker) refilter() picker {
	q := strings.TrimSpace(p.filter.Value())
	prev := p.query
	p.query = q
	p.cursor, p.offset = 0, 0
	if q == "" {
		p.matches = nil
		return p
	}
	// Typing one more character can only narrow a fuzzy (subsequence)
	// match: search the previous matches instead of every row.
	var src fuzzy.Source = p.search
	var idx []int
	if prev != "" && strings.HasPrefix(q, prev) && p.matches != nil {
		idx = make([]int, len(p.matches))
		for i, m := range p.matches {
			idx[i] = m.Index
		}
		src = subset{all: p.search, idx: idx}
	}
	ms := fuzzy.FindFromNoSort(q, src)
	if ms == nil {
		ms = fuzzy.Matches{} // filtering, nothing matched
	}
	if idx != nil {
		for i := range ms {
			ms[i].Index = idx[ms[i].Index]
		}
	}
	p.matches = rank(ms)
	return p
}

// rank orders matches best score first, then in the picker's own order
// (roles first, recent first). It sorts small keys, not the matches.
func rank(ms fuzzy.Matches) fuzzy.Matches {
	type key struct{ score, index, pos int }
	keys := make([]key, len(ms))
	for i, m := range ms {
		keys[i] = key{m.Score, m.Index, i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return cmp.Compare(a.index, b.index)
	})
	out := make(fuzzy.Matches, len(ms))
	for i, k := range keys {
		out[i] = ms[k.pos]
	}
	return out
}

// subset is the rows at idx, for narrowing a filter.
type subset struct {
	all searchSource
	idx []int
}

func (s subset) String(i int) string { return s.all[s.idx[i]] }
func (s subset) Len() int            { return len(s.idx) }

// count is how many rows pass the filter.
func (p picker) count() int {
	if p.matches == nil {
		return len(p.rows)
	}
	return len(p.matches)
}

// at is the i-th visible row and the indexes of its name that matched.
func (p picker) at(i int) (Row, []int) {
	if p.matches == nil {
		return p.rows[i], nil
	}
	m := p.matches[i]
	return p.rows[m.Index], m.MatchedIndexes
}

// current is the highlighted row.
func (p picker) current() (Row, bool) {
	if p.count() == 0 {
		return Row{}, false
	}
	r, _ := p.at(p.cursor)
	return r, true
}

func (p picker) move(to int) picker {
	n := p.count()
	if n == 0 {
		p.cursor, p.offset = 0, 0
		return p
	}
	p.cursor = max(0, min(to, n-1))
	h := max(1, p.height)
	if p.cursor < p.offset {
		p.offset = p.cursor
	}
	if p.cursor >= p.offset+h {
		p.offset = p.cursor - h + 1
	}
	return p
}

// moveTo puts the cursor on the row named name, if it passes the filter.
func (p picker) moveTo(name string) picker {
	for i := range p.count() {
		if r, _ := p.at(i); r.Name == name {
			return p.move(i)
		}
	}
	return p
}

// pickedMsg says the user chose a profile.
type pickedMsg struct{ profile string }

// quitMsg says the user left without choosing (exit 130).
type quitMsg struct{}

func (p picker) update(msg tea.Msg, k KeyMap) (picker, tea.Cmd) {
	km, ok := msg.(tea.KeyPressMsg)
	if !ok {
		var cmd tea.Cmd
		p.filter, cmd = p.filter.Update(msg)
		return p, cmd
	}
	p.note = ""
	switch {
	case key.Matches(km, k.Up):
		return p.move(p.cursor - 1), nil
	case key.Matches(km, k.Down):
		return p.move(p.cursor + 1), nil
	case key.Matches(km, k.PageUp):
		return p.move(p.cursor - p.height), nil
	case key.Matches(km, k.PageDown):
		return p.move(p.cursor + p.height), nil
	case key.Matches(km, k.Home):
		return p.move(0), nil
	case key.Matches(km, k.End):
		return p.move(p.count() - 1), nil
	case key.Matches(km, k.Back):
		if p.filter.Value() != "" {
			p.filter.SetValue("")
			return p.refilter(), nil
		}
		return p, func() tea.Msg { return quitMsg{} }
	case key.Matches(km, k.Pick):
		r, ok := p.current()
		switch {
		case !ok:
			p.note = "no profile matches the filter"
			return p, nil
		case r.Problem != "":
			p.note = fmt.Sprintf("%s cannot be used: %s", r.Name, r.Problem)
			return p, nil
		}
		name := r.Name
		return p, func() tea.Msg { return pickedMsg{profile: name} }
	}
	before := p.filter.Value()
	var cmd tea.Cmd
	p.filter, cmd = p.filter.Update(msg)
	if p.filter.Value() != before {
		p = p.refilter()
	}
	return p, cmd
}

// columns are the widths of the picker's columns at a terminal width.
type columns struct{ name, account, role, region, mfa, cached int }

func columnsFor(width int) columns {
	c := columns{account: 12, region: 12, mfa: 3, cached: 7}
	rest := width - 2 - c.account - c.region - c.mfa - c.cached - 2*5
	rest = max(rest, 16)
	c.name = rest * 3 / 5
	c.role = rest - c.name
	return c
}

func (c columns) header() string {
	return "  " + strings.Join([]string{
		cell("NAME", c.name), cell("ACCOUNT", c.account), cell("ROLE", c.role),
		cell("REGION", c.region), cell("MFA", c.mfa), cell("CACHED", c.cached),
	}, "  ")
}

// listView draws the header and the visible rows.
func (p picker) listView(width int, now time.Time, st Styles) string {
	c := columnsFor(width)
	var b strings.Builder
	b.WriteString(st.Header.Render(strings.TrimRight(c.header(), " ")))
	end := min(p.offset+p.height, p.count())
	for i := p.offset; i < end; i++ {
		r, matched := p.at(i)
		b.WriteByte('\n')
		b.WriteString(p.rowView(r, matched, i == p.cursor, c, now, st))
	}
	if p.count() == 0 {
		b.WriteString("\n" + st.Dim.Render("  no profile matches"))
	}
	return b.String()
}

func (p picker) rowView(r Row, matched []int, selected bool, c columns, now time.Time, st Styles) string {
	marker := "  "
	if selected {
		marker = st.Selected.Render("▸ ")
	}
	name := highlight(cell(r.Name, c.name), matched, st, selected)
	if r.Problem != "" {
		rest := c.account + c.role + c.region + c.mfa + c.cached + 2*4
		return marker + name + "  " + st.Problem.Render(strings.TrimRight(cell("✗ "+r.Problem, rest), " "))
	}
	mfa := ""
	if r.MFASerial != "" {
		mfa = "✓"
	}
	cached := ""
	if !r.CachedUntil.IsZero() && r.CachedUntil.After(now) {
		cached = short(r.CachedUntil.Sub(now))
	}
	rest := strings.Join([]string{
		cell(r.Account, c.account), cell(r.Role, c.role), cell(r.Region, c.region),
		cell(mfa, c.mfa), cell(cached, c.cached),
	}, "  ")
	rest = strings.TrimRight(rest, " ")
	if !selected {
		rest = st.Dim.Render(rest)
	}
	return marker + name + "  " + rest
}

// highlight styles the matched characters of a padded name cell.
func highlight(s string, matched []int, st Styles, selected bool) string {
	base := st.Dim.UnsetFaint()
	if selected {
		base = st.Selected
	}
	if len(matched) == 0 {
		return base.Render(s)
	}
	in := make(map[int]bool, len(matched))
	for _, i := range matched {
		in[i] = true
	}
	var b strings.Builder
	var run strings.Builder
	runMatched := false
	flush := func() {
		if run.Len() == 0 {
			return
		}
		if runMatched {
			b.WriteString(st.Match.Render(run.String()))
		} else {
			b.WriteString(base.Render(run.String()))
		}
		run.Reset()
	}
	i := 0
	for _, r := range s { // byte offsets match fuzzy's indexes for the name prefix
		m := in[i]
		if m != runMatched {
			flush()
			runMatched = m
		}
		run.WriteRune(r)
		i += len(string(r))
	}
	flush()
	return b.String()
}

// writeName is the credentials-file section suggested for profile's session.
func (p picker) writeName(profile string) string {
	for _, r := range p.rows {
		if r.Name == profile {
			return r.WriteName
		}
	}
	return ""
}
