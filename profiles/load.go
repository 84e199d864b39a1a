package profiles

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Config is the merged view of the config and credentials files.
type Config struct {
	ConfigFile      string
	CredentialsFile string

	profiles []*Profile // config-file order, then credentials-only profiles
	byName   map[string]*Profile
	sso      map[string]*Section
	ssoList  []*Section
	services map[string]*Section
	svcList  []*Section
	// notes are problems seen while loading that do not stop it (duplicate
	// sections and keys, sections the AWS CLI ignores, lines that cannot be
	// read); Doctor reports them.
	notes []Finding
	// broken are the profiles with a line that cannot be read (a note of
	// KeySyntax): Resolve refuses them, with the line.
	broken map[string]*ConfigError
	// continued counts continuation lines read (tests).
	continued int
}

// KeySyntax is the Key of a finding about a line that cannot be read.
const KeySyntax = "syntax"

// Load parses both files. A nil or empty slice means the file is absent.
// Paths are used only to name positions. A line that cannot be read does
// not fail the load: it is a finding (KeySyntax) and makes its profile
// unusable, and the others load.
func Load(configPath string, configData []byte, credsPath string, credsData []byte) (*Config, error) {
	n := countHeaders(configData) + countHeaders(credsData)
	c := &Config{
		ConfigFile:      configPath,
		CredentialsFile: credsPath,
		byName:          make(map[string]*Profile, n),
		sso:             make(map[string]*Section),
		services:        make(map[string]*Section),
	}
	if n > 0 {
		c.profiles = make([]*Profile, 0, n)
	}
	if err := c.loadFile(configPath, configData, true); err != nil {
		return nil, err
	}
	if err := c.loadFile(credsPath, credsData, false); err != nil {
		return nil, err
	}
	return c, nil
}

// countHeaders estimates the number of section headers in data, to size
// what Load allocates.
func countHeaders(data []byte) int {
	if len(data) == 0 {
		return 0
	}
	return bytes.Count(data, []byte("\n[")) + 1
}

// AddKeyring marks the profiles whose long-term keys `switcher keys` put in
// a keyring (profile name → backend). Their keys come from there, before
// any static keys in the files; a name that neither file defines becomes a
// profile of its own (after the others, in name order).
func (c *Config) AddKeyring(backends map[string]string) {
	names := make([]string, 0, len(backends))
	for n := range backends {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		p, ok := c.byName[n]
		if !ok {
			p = &Profile{Name: n, Keys: map[string]Value{}}
			c.byName[n] = p
			c.profiles = append(c.profiles, p)
		}
		p.Keyring = backends[n]
	}
}

// Profiles returns every profile: config-file order, then profiles found only
// in the credentials file, in that file's order. The slice is the caller's;
// the profiles are shared and must not be changed.
func (c *Config) Profiles() []*Profile {
	out := make([]*Profile, len(c.profiles))
	copy(out, c.profiles)
	return out
}

// Profile returns the named profile.
func (c *Config) Profile(name string) (*Profile, bool) {
	p, ok := c.byName[name]
	return p, ok
}

// SSOSession returns the [sso-session NAME] section.
func (c *Config) SSOSession(name string) (*Section, bool) {
	s, ok := c.sso[name]
	return s, ok
}

// SSOSessionNames are the [sso-session NAME] sections' names, sorted.
func (c *Config) SSOSessionNames() []string {
	names := make([]string, 0, len(c.sso))
	for n := range c.sso {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Services returns the [services NAME] section.
func (c *Config) Services(name string) (*Section, bool) {
	s, ok := c.services[name]
	return s, ok
}

// fileState is what loadFile remembers across the sections of one file.
//
// Duplicate headers and profiles defined by two headers are found without a
// map entry per section: the first header of a profile in a file is its
// plain one ([profile NAME] or [default]; [NAME] in the credentials file)
// unless odd says otherwise, at the line of the profile's Pos (or
// CredentialsPos). header and seen hold the rest: every non-profile header,
// and the headers of the profiles a file names more than once.
type fileState struct {
	path     string
	isConfig bool
	label    string            // "config" or "credentials", for notes
	header   map[string]int    // header -> line of its first occurrence
	seen     map[string]string // profile named again -> its last header
	odd      map[string]string // profile -> first header, when not the plain one
	spare    []Profile         // profiles allocated, not yet used
	headers  int               // estimate of the file's sections
}

func newFileState(path string, isConfig bool, headers int) *fileState {
	st := &fileState{path: path, isConfig: isConfig, label: "credentials", headers: headers,
		header: make(map[string]int), seen: make(map[string]string)}
	if isConfig {
		st.label = "config"
	}
	return st
}

func (c *Config) loadFile(path string, data []byte, isConfig bool) error {
	if len(data) == 0 {
		return nil
	}
	st := newFileState(path, isConfig, countHeaders(data))
	outside, continued := scanFile(path, data, func(e *scanSection) { c.addScanned(st, e) })
	c.continued += continued
	for _, r := range outside {
		c.note(SeverityError, "", KeySyntax, Pos{File: path, Line: r.line},
			r.text+"; switcher skips the line (the AWS CLI cannot read the file)", "put it under a [section] or delete it")
	}
	return nil
}

// noteProblems records the lines of a section that cannot be read: each a
// finding, and the profile (if it is one) broken until they are fixed.
func (c *Config) noteProblems(e *scanSection, kind sectionKind, name, path string) {
	for _, d := range e.deeper {
		c.note(SeverityWarning, "", "", Pos{File: path, Line: d.line},
			fmt.Sprintf("this setting is indented deeper than %s above it: the AWS CLI reads the line as part of %s's value, the SDKs and switcher as a setting of its own", d.text, d.text),
			"indent it like the setting above (or join it to that value)")
	}
	slices.SortStableFunc(e.problems, func(a, b rawLine) int { return a.line - b.line })
	for _, r := range e.problems {
		pos := Pos{File: path, Line: r.line}
		profile := ""
		what := "switcher skips the line"
		if kind == sectionProfile {
			profile = name
			what = "the profile cannot be used until it is fixed"
		}
		c.note(SeverityError, profile, KeySyntax, pos, r.text+"; "+what+" (the AWS CLI cannot read the file)", "fix or delete the line")
		if profile != "" {
			c.markBroken(c.notes[len(c.notes)-1])
		}
	}
}

// markBroken records a KeySyntax finding's profile as broken.
func (c *Config) markBroken(f Finding) {
	if c.broken == nil {
		c.broken = make(map[string]*ConfigError)
	}
	if _, ok := c.broken[f.Profile]; !ok {
		c.broken[f.Profile] = &ConfigError{Profile: f.Profile, Key: f.Key, Pos: f.Pos, Msg: f.Message, Fix: f.Fix}
	}
}

// plainHeader reports whether header is the plain header of the config
// profile name: [profile NAME], or [default] for default.
func plainHeader(header, name string) bool {
	if name == "default" {
		return header == "default"
	}
	return len(header) == len(name)+len("profile ") && header[:len("profile ")] == "profile " && header[len("profile "):] == name
}

// recall records the first header of a profile the file names again.
func (st *fileState) recall(name string, p *Profile) {
	if _, ok := st.seen[name]; ok {
		return
	}
	first, line := name, p.CredentialsPos.Line
	if st.isConfig {
		first, line = st.odd[name], p.Pos.Line
		switch {
		case first != "":
		case name == "default":
			first = "default"
		default:
			first = "profile " + name
		}
	}
	st.header[first] = line
	st.seen[name] = first
}

// addScanned merges one section occurrence into the Config.
func (c *Config) addScanned(st *fileState, e *scanSection) {
	pos := Pos{File: st.path, Line: e.line}
	kind, name := sectionProfile, e.header
	if st.isConfig {
		kind, name = classifyConfigSection(e.header)
	}
	var p *Profile
	again := false // a profile this file named before
	if kind == sectionProfile {
		p, again = c.seenProfile(st, name, e.header)
	}
	if kind != sectionProfile || again {
		c.noteDuplicateHeader(st, e, pos)
	}
	c.noteScanned(st, e, pos)
	switch kind {
	case sectionProfile:
		c.addProfile(st, p, again, name, e.header, pos, e.keys)
	case sectionSSO:
		c.addSection(c.sso, &c.ssoList, name, pos, e.keys)
	case sectionServices:
		c.addSection(c.services, &c.svcList, name, pos, e.keys)
	case sectionIgnored:
		if !knownNonProfileSection(e.header) && !e.badHeader {
			c.note(SeverityWarning, "", "", pos,
				fmt.Sprintf("the AWS CLI ignores [%s] in the config file: profiles there are written [profile NAME]", e.header),
				fmt.Sprintf("rename the section to [profile %s] (or move it to the credentials file)", strings.TrimSpace(e.header)))
		}
	}
	c.noteProblems(e, kind, name, st.path)
}

// seenProfile is the profile a section names, when it exists, and whether
// this file named it before.
func (c *Config) seenProfile(st *fileState, name, header string) (*Profile, bool) {
	p := c.byName[name]
	again := p != nil && (st.isConfig && p.InConfig || !st.isConfig && p.InCredentials)
	switch {
	case again:
		st.recall(name, p)
	case st.isConfig && !plainHeader(header, name):
		if st.odd == nil {
			st.odd = make(map[string]string)
		}
		st.odd[name] = header
	}
	return p, again
}

// noteDuplicateHeader notes a header the file has already used.
func (c *Config) noteDuplicateHeader(st *fileState, e *scanSection, pos Pos) {
	prev, dup := st.header[e.header]
	if !dup {
		st.header[e.header] = e.line
		return
	}
	c.note(SeverityError, "", "", pos,
		fmt.Sprintf("section [%s] appears twice in the %s file (first at line %d); switcher merges them, later keys winning, but the AWS CLI refuses to read the file", e.header, st.label, prev),
		"merge the two sections into one")
}

// noteScanned notes keys set twice, and a credentials-file section named
// [profile NAME].
func (c *Config) noteScanned(st *fileState, e *scanSection, pos Pos) {
	for i := range e.keys {
		if kv := &e.keys[i]; len(kv.lines) > 1 {
			c.note(SeverityError, "", kv.name, kv.val.Pos,
				fmt.Sprintf("%s is set %d times in [%s] (lines %s); the last one wins here, but the AWS CLI refuses to read the file", kv.name, len(kv.lines), e.header, joinInts(kv.lines)),
				"keep one "+kv.name+" line")
		}
	}
	if st.isConfig {
		return
	}
	if rest, ok := strings.CutPrefix(e.header, "profile "); ok {
		c.note(SeverityWarning, e.header, "", pos,
			fmt.Sprintf("in the credentials file a section is named after the profile itself: [%s] defines a profile named %q", e.header, e.header),
			fmt.Sprintf("rename the section to [%s]", strings.TrimSpace(rest)))
	}
}

// knownNonProfileSection reports config sections the AWS CLI reads for itself.
func knownNonProfileSection(header string) bool {
	switch header {
	case "plugins", "preview", "cli":
		return true
	}
	return false
}

func (c *Config) note(sev Severity, profile, key string, pos Pos, msg, fix string) {
	c.notes = append(c.notes, Finding{Severity: sev, Profile: profile, Key: key, Pos: pos, Message: msg, Fix: fix})
}

// addProfile merges a profile section; p is the profile when it exists,
// again whether this file named it before.
func (c *Config) addProfile(st *fileState, p *Profile, again bool, name, header string, pos Pos, keys []scanKey) {
	if p == nil {
		p = st.newProfile()
		p.Name, p.Pos, p.Keys = name, pos, make(map[string]Value, len(keys))
		c.byName[name] = p
		c.profiles = append(c.profiles, p)
	}
	if again {
		if prev := st.seen[name]; prev != header {
			c.note(SeverityWarning, name, "", pos,
				fmt.Sprintf("profile %s is defined by both [%s] and [%s]; switcher merges them, later keys winning", name, prev, header),
				"keep one of the two sections")
		}
		st.seen[name] = header
	}
	if st.isConfig {
		if !p.InConfig {
			p.Pos = pos
		}
		p.InConfig = true
	} else {
		if !p.InCredentials {
			p.CredentialsPos = pos
		}
		p.InCredentials = true
	}
	for i := range keys {
		kv := &keys[i]
		p.Keys[kv.name] = kv.val
		if len(kv.nested) > 0 {
			if p.Sub == nil {
				p.Sub = make(map[string]map[string]Value)
			}
			p.Sub[kv.name] = nestedMap(p.Sub[kv.name], kv.nested)
		}
	}
}

func (c *Config) addSection(m map[string]*Section, list *[]*Section, name string, pos Pos, keys []scanKey) {
	s, ok := m[name]
	if !ok {
		s = &Section{Name: name, Pos: pos, Keys: make(map[string]Value, len(keys))}
		m[name] = s
		*list = append(*list, s)
	}
	for i := range keys {
		kv := &keys[i]
		s.Keys[kv.name] = kv.val
		if len(kv.nested) > 0 {
			if s.Sub == nil {
				s.Sub = make(map[string]map[string]Value)
			}
			s.Sub[kv.name] = nestedMap(s.Sub[kv.name], kv.nested)
		}
	}
}

func nestedMap(m map[string]Value, nested []nestedValue) map[string]Value {
	if m == nil {
		m = make(map[string]Value, len(nested))
	}
	for _, n := range nested {
		m[n.key] = n.val
	}
	return m
}

// newProfile allocates profiles in chunks, the first sized by the estimate
// of the file's sections.
func (st *fileState) newProfile() *Profile {
	if len(st.spare) == 0 {
		st.spare = make([]Profile, max(16, st.headers))
		st.headers = 0
	}
	p := &st.spare[0]
	st.spare = st.spare[1:]
	return p
}

type sectionKind int

const (
	sectionIgnored sectionKind = iota
	sectionProfile
	sectionSSO
	sectionServices
)

// classifyConfigSection reads a config-file section header as botocore does:
// [default], [profile NAME], [sso-session NAME], [services NAME] (the name
// split shell-style, so quotes may hold spaces); anything else is ignored.
func classifyConfigSection(header string) (sectionKind, string) {
	if header == "default" {
		return sectionProfile, "default"
	}
	for _, k := range []struct {
		prefix string
		kind   sectionKind
	}{{"profile", sectionProfile}, {"sso-session", sectionSSO}, {"services", sectionServices}} {
		rest, ok := strings.CutPrefix(header, k.prefix)
		if !ok {
			continue
		}
		// Fast path for the common "profile NAME".
		if len(rest) > 1 && rest[0] == ' ' && rest[1] != ' ' && !strings.ContainsAny(rest[1:], " \t\r\n\"'") {
			return k.kind, rest[1:]
		}
		parts, ok := shellSplit(header)
		if ok && len(parts) == 2 && parts[0] == k.prefix && parts[1] != "" {
			return k.kind, parts[1]
		}
		return sectionIgnored, ""
	}
	return sectionIgnored, ""
}

// shellSplit splits s into words as Python's shlex.split does for the simple
// cases a section header holds: blanks separate words, single and double
// quotes group them. ok is false for an unclosed quote.
func shellSplit(s string) ([]string, bool) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
		quote byte
	)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				cur.WriteByte(ch)
			}
		case ch == '"' || ch == '\'':
			quote, in = ch, true
		case ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if quote != 0 {
		return nil, false
	}
	if in {
		words = append(words, cur.String())
	}
	return words, true
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}
