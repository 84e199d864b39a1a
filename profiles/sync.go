package profiles

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SyncTarget is one account and role that `switcher sync` makes a profile
// for.
type SyncTarget struct {
	AccountID   string
	AccountName string
	Role        string
}

// SyncProfile is one generated profile: its name and its settings, in the
// order they are written.
type SyncProfile struct {
	Name   string
	Target SyncTarget
	Keys   [][2]string
}

// DefaultSyncName is the name template sync uses without --name.
const DefaultSyncName = "{account_name}-{role}"

// syncVars are the placeholders a --name template may use.
func syncVars() []string { return []string{"{account_name}", "{account_id}", "{role}"} }

// ValidateSyncTemplate checks a --name template: it may use only
// {account_name}, {account_id} and {role}, and must name the account.
func ValidateSyncTemplate(t string) error {
	rest := t
	for _, v := range syncVars() {
		rest = strings.ReplaceAll(rest, v, "")
	}
	if i := strings.IndexAny(rest, "{}"); i >= 0 {
		return invalid("--name", "%q: unknown placeholder near %q; the template may use %s", t, rest[i:], strings.Join(syncVars(), ", "))
	}
	if !strings.Contains(t, "{account_name}") && !strings.Contains(t, "{account_id}") {
		return invalid("--name", "%q names no account: use {account_name} or {account_id}", t)
	}
	return nil
}

// SyncName renders template for t and makes the result safe in every
// shell and INI header: each run of characters other than letters,
// digits, '.', '_' and '-' becomes one '-', runs of '-' or '.' become one,
// and leading or trailing '-' and '.' are dropped (a name that starts with
// '-' reads as a flag).
func SyncName(template string, t SyncTarget) string {
	return safeName(strings.NewReplacer("{account_name}", safeName(t.AccountName), "{account_id}", safeName(t.AccountID), "{role}", safeName(t.Role)).Replace(template))
}

func safeName(raw string) string {
	var b strings.Builder
	var last byte
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if !(c == '.' || c == '-' || isWordOr(rune(c), "")) {
			c = '-'
		}
		if (c == '-' || c == '.') && c == last {
			continue
		}
		b.WriteByte(c)
		last = c
	}
	return strings.Trim(b.String(), "-.")
}

// SyncNames names every target with template. Two targets that would get
// the same name, or a target whose name would be empty, are an error that
// names them and the fix; nothing is named then.
func SyncNames(template string, targets []SyncTarget) ([]string, error) {
	names := make([]string, len(targets))
	first := map[string]int{}
	var errs []error
	for i, t := range targets {
		n := SyncName(template, t)
		names[i] = n
		if n == "" || !strings.Contains(template, "{account_id}") && safeName(t.AccountName) == "" {
			errs = append(errs, fmt.Errorf("account %s (%q), role %s: --name %q gives no account name once unsafe characters are removed; add {account_id}", t.AccountID, t.AccountName, t.Role, template))
			continue
		}
		if j, dup := first[n]; dup {
			o := targets[j]
			errs = append(errs, fmt.Errorf("profile name %s would be made for account %s (%q) role %s and for account %s (%q) role %s: add {account_id} or {role} to --name (now %q)",
				n, o.AccountID, o.AccountName, o.Role, t.AccountID, t.AccountName, t.Role, template))
			continue
		}
		first[n] = i
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return names, nil
}

// Block markers: a managed block is the lines from its begin marker through
// its end marker, both naming the same key.
const (
	syncBegin = "# >>> switcher sync "
	syncEnd   = "# <<< switcher sync "
)

// syncBlock is where block key sits in a file's lines: [start, end] are
// the marker lines (0-based); found is false when the file has none.
type syncBlock struct {
	start, end int
	found      bool
}

func markerKey(line, marker string) (string, bool) {
	l := strings.TrimRight(line, "\r\n")
	if !strings.HasPrefix(l, marker) {
		return "", false
	}
	return strings.TrimSpace(l[len(marker):]), true
}

// findSyncBlock finds block key in lines. A begin marker without its end,
// or the block twice, is an error: the file was edited in a way sync cannot
// undo safely.
func findSyncBlock(path string, lines []string, key string) (syncBlock, error) {
	var b syncBlock
	open := -1
	for i, l := range lines {
		if k, ok := markerKey(l, syncBegin); ok && k == key {
			if open >= 0 || b.found {
				return b, fmt.Errorf("%s:%d: a second %q block: keep one and run sync again", path, i+1, key)
			}
			open = i
		}
		if k, ok := markerKey(l, syncEnd); ok && k == key {
			if open < 0 {
				return b, fmt.Errorf("%s:%d: the end of the %q block has no beginning: remove the line or restore `%s%s`", path, i+1, key, syncBegin, key)
			}
			b = syncBlock{start: open, end: i, found: true}
			open = -1
		}
	}
	if open >= 0 {
		return b, fmt.Errorf("%s:%d: the %q block has no end: restore `%s%s` after its last profile", path, open+1, key, syncEnd, key)
	}
	return b, nil
}

// splitKeepEOL cuts data after each "\n" and picks the line ending for new
// lines (the file's first, else "\n").
func splitKeepEOL(data []byte) (lines []string, eol string) {
	eol = "\n"
	s := string(data)
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s)
			break
		}
		if len(lines) == 0 && i > 0 && s[i-1] == '\r' {
			eol = "\r\n"
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines, eol
}

// SyncPlan is what a sync would do to a config file.
type SyncPlan struct {
	Old, New []byte
	// Written are the profiles in the new block; Clashes the generated
	// ones left out because a profile of that name exists outside the
	// block (Kept says where).
	Written []SyncProfile
	Clashes []SyncClash
	// Added and Removed are profile names new to the block or gone from
	// it, against the block as it was.
	Added, Removed []string
}

// SyncClash is a generated profile that a hand-written one outside the
// block overrides.
type SyncClash struct {
	Profile SyncProfile
	Kept    Pos
}

// PlanSync replaces block key of the config file (path, data) with gen,
// leaving out each generated profile whose name a profile outside the
// block already has (in the config outside the block, or in the
// credentials file credsData): the hand-written one wins. Every byte
// outside the block is kept; a new block goes at the end of the file.
func PlanSync(path string, data []byte, credsPath string, credsData []byte, key string, gen []SyncProfile, comment string) (*SyncPlan, error) {
	if strings.ContainsAny(key, "\r\n") {
		return nil, fmt.Errorf("sync block key %q: one line only", key)
	}
	lines, eol := splitKeepEOL(data)
	b, err := findSyncBlock(path, lines, key)
	if err != nil {
		return nil, err
	}
	// The config without the block (its lines blanked, so positions stay
	// true) is what the user wrote by hand.
	outside := slices.Clone(lines)
	var before []string
	if b.found {
		for i := b.start; i <= b.end; i++ {
			outside[i] = eol
		}
		before = blockProfiles(lines[b.start+1 : b.end])
	}
	hand, err := Load(path, []byte(strings.Join(outside, "")), credsPath, credsData)
	if err != nil {
		return nil, err
	}
	plan := &SyncPlan{Old: data}
	for _, p := range gen {
		if h, ok := hand.Profile(p.Name); ok {
			plan.Clashes = append(plan.Clashes, SyncClash{Profile: p, Kept: h.Pos})
			continue
		}
		plan.Written = append(plan.Written, p)
	}
	block := renderSyncBlock(key, comment, plan.Written, eol)
	var out []string
	switch {
	case b.found:
		out = append(out, lines[:b.start]...)
		out = append(out, block...)
		out = append(out, lines[b.end+1:]...)
	default:
		out = append(out, lines...)
		if n := len(out); n > 0 && !strings.HasSuffix(out[n-1], "\n") {
			out[n-1] += eol
		}
		if n := len(out); n > 0 && strings.TrimSpace(out[n-1]) != "" {
			out = append(out, eol)
		}
		out = append(out, block...)
	}
	plan.New = []byte(strings.Join(out, ""))
	now := make([]string, len(plan.Written))
	for i, p := range plan.Written {
		now[i] = p.Name
	}
	plan.Added, plan.Removed = diffNames(before, now)
	return plan, nil
}

// blockProfiles are the profile names a block's lines hold.
func blockProfiles(lines []string) []string {
	var names []string
	for _, l := range lines {
		name, ok, _ := SectionHeader(strings.TrimRight(l, "\r\n"))
		if ok {
			names = append(names, strings.TrimPrefix(name, "profile "))
		}
	}
	return names
}

func diffNames(before, now []string) (added, removed []string) {
	had := map[string]bool{}
	for _, n := range before {
		had[n] = true
	}
	has := map[string]bool{}
	for _, n := range now {
		has[n] = true
		if !had[n] {
			added = append(added, n)
		}
	}
	for _, n := range before {
		if !has[n] {
			removed = append(removed, n)
		}
	}
	return added, removed
}

func renderSyncBlock(key, comment string, ps []SyncProfile, eol string) []string {
	out := []string{syncBegin + key + eol}
	for _, c := range strings.Split(comment, "\n") {
		if c != "" {
			out = append(out, "# "+c+eol)
		}
	}
	for _, p := range ps {
		out = append(out, eol, "[profile "+p.Name+"]"+eol)
		for _, kv := range p.Keys {
			out = append(out, kv[0]+" = "+kv[1]+eol)
		}
	}
	return append(out, syncEnd+key+eol)
}

// HasSyncBlock reports whether data holds block key (complete).
func HasSyncBlock(data []byte, key string) bool {
	lines, _ := splitKeepEOL(data)
	b, err := findSyncBlock("", lines, key)
	return err == nil && b.found
}

// ValidateSyncProfile checks that every value of p is one line.
func ValidateSyncProfile(p SyncProfile) error {
	for _, kv := range p.Keys {
		if strings.ContainsAny(kv[1], "\r\n\x00") {
			return fmt.Errorf("profile %s: %s %q is not one line", p.Name, kv[0], kv[1])
		}
	}
	return nil
}
