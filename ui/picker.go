package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// picker lists the profiles and filters them as the user types.
type picker struct {
	rows    []Row
	search  searchIndex // nil until built (after the first frame)
	filter  textinput.Model
	matches []match // nil while the filter is empty
	query   string  // the filter the matches are for
	q       query
	total   int // how many rows there are; more than len(rows) while the rest load
	cursor  int
	offset  int
	height  int // rows of the list that fit
	note    string
}

func newPicker() picker {
	f := textinput.New()
	f.Prompt = ""
	f.Placeholder = "type to filter"
	f.CharLimit = 128
	f.SetVirtualCursor(false)
	f.Focus()
	return picker{filter: f, height: 10}
}

// setRows installs rows (already sorted) and reapplies the filter. What
// the filter searches is built after the first frame (withSearch), or at
// the first keystroke if that comes first.
func (p picker) setRows(rows []Row) picker {
	p.rows = rows
	p.search = nil
	p.query, p.matches = "", nil // new rows: the old matches say nothing
	return p.refilter()
}

// reorder installs rows that are p.rows reordered (rows[i] =
// p.rows[perm[i]]), keeping the search index.
func (p picker) reorder(rows []Row, perm []int) picker {
	search := p.search
	if search != nil {
		search = search.permuted(perm)
	}
	p = p.setRows(rows)
	p.search = search
	return p
}

// withSearch installs a search index built in the background for rows.
func (p picker) withSearch(rows []Row, idx searchIndex) picker {
	if p.search == nil && len(rows) == len(p.rows) && len(rows) > 0 && &rows[0] == &p.rows[0] {
		p.search = idx
	}
	return p
}

func (p picker) searchable() picker {
	if p.search == nil {
		p.search = newSearchIndex(p.rows)
	}
	return p
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
	p = p.searchable()
	p.q = newQuery(q)
	// Typing one more character can only narrow a fuzzy (subsequence)
	// match: search the previous matches instead of every row.
	var among []bool
	if prev != "" && strings.HasPrefix(q, prev) && p.matches != nil {
		among = make([]bool, len(p.rows))
		for _, m := range p.matches {
			among[m.index] = true
		}
	}
	p.matches = p.search.find(p.q, among)
	if p.matches == nil {
		p.matches = []match{} // filtering, nothing matched
	}
	return p
}

// count is how many rows pass the filter.
func (p picker) count() int {
	if p.matches == nil {
		return len(p.rows)
	}
	return len(p.matches)
}

// at is the i-th visible row and the rune offsets of its name that
// matched the filter.
func (p picker) at(i int) (Row, []int) {
	if p.matches == nil {
		return p.rows[i], nil
	}
	m := p.matches[i]
	return p.rows[m.index], p.search.positions(p.q, m.index)
}

// all is how many profiles there are, also while only the first are
// loaded.
func (p picker) all() int { return max(p.total, len(p.rows)) }

// row is the i-th visible row.
func (p picker) row(i int) Row {
	if p.matches == nil {
		return p.rows[i]
	}
	return p.rows[p.matches[i].index]
}

// current is the highlighted row.
func (p picker) current() (Row, bool) {
	if p.count() == 0 {
		return Row{}, false
	}
	return p.row(p.cursor), true
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
		if p.row(i).Name == name {
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

// The widest the name and role columns get: a wide terminal leaves the
// rest blank rather than stretching the names apart from their accounts.
const (
	maxNameColumn = 40
	maxRoleColumn = 28
)

func columnsFor(width int) columns {
	c := columns{account: 12, region: 12, mfa: 3, cached: 7}
	rest := width - 2 - c.account - c.region - c.mfa - c.cached - 2*5
	rest = max(rest, 16)
	c.name = min(rest*3/5, maxNameColumn)
	c.role = min(rest-rest*3/5, maxRoleColumn)
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
	for _, r := range s { // rune offsets, as the filter gives them, of the name prefix
		m := in[i]
		if m != runMatched {
			flush()
			runMatched = m
		}
		run.WriteRune(r)
		i++
	}
	flush()
	return b.String()
}

// withDetails fills in what arrived after the first frame: the cached
// sessions. The order and the matches stay as they are. The rows
// are changed in place: only the model's own goroutine reads them, and a
// copy of 100,000 rows would cost more than the details.
func (p picker) withDetails(d map[string]RowDetail) picker {
	if len(d) == 0 {
		return p
	}
	for i := range p.rows {
		if x, ok := d[p.rows[i].Name]; ok {
			p.rows[i].CachedUntil = x.CachedUntil
		}
	}
	return p
}
