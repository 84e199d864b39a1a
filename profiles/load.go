package profiles

import (
	"fmt"
	"strings"

	"gopkg.in/ini.v1"
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
	// sections and keys, sections the AWS CLI ignores); Doctor reports them.
	notes []Finding
}

// loadOptions read a file the way the AWS CLI (Python's configparser, then
// botocore) does: key names case-insensitive, section names not; full-line
// comments only (# and ;), no inline comments, no backslash continuations,
// quotes kept as written, nested values under a key with an empty value.
// AllowNonUniqueSections skips ini.v1's linear duplicate-section scan (O(n²)
// over a large file); duplicates are merged here, later keys winning.
func loadOptions() ini.LoadOptions {
	return ini.LoadOptions{
		InsensitiveKeys:         true,
		IgnoreInlineComment:     true,
		IgnoreContinuation:      true,
		PreserveSurroundedQuote: true,
		AllowNestedValues:       true,
		AllowNonUniqueSections:  true,
		KeyValueDelimiters:      "=:",
	}
}

// Load parses both files. A nil or empty slice means the file is absent.
// Paths are used only to name positions. A malformed file is a *ParseError.
func Load(configPath string, configData []byte, credsPath string, credsData []byte) (*Config, error) {
	c := &Config{
		ConfigFile:      configPath,
		CredentialsFile: credsPath,
		byName:          make(map[string]*Profile),
		sso:             make(map[string]*Section),
		services:        make(map[string]*Section),
	}
	if err := c.loadFile(configPath, configData, true); err != nil {
		return nil, err
	}
	if err := c.loadFile(credsPath, credsData, false); err != nil {
		return nil, err
	}
	return c, nil
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

// Services returns the [services NAME] section.
func (c *Config) Services(name string) (*Section, bool) {
	s, ok := c.services[name]
	return s, ok
}

// entry is one parsed section occurrence with positions.
type entry struct {
	header string
	pos    Pos
	keys   []keyValue
}

type keyValue struct {
	name   string
	val    Value
	lines  []int // every line that set it in this section, when more than one
	nested []nestedValue
}

type nestedValue struct {
	key string
	val Value
}

func (c *Config) loadFile(path string, data []byte, isConfig bool) error {
	if len(data) == 0 {
		return nil
	}
	entries, err := parseFile(path, data)
	if err != nil {
		return err
	}
	fileLabel := "credentials"
	if isConfig {
		fileLabel = "config"
	}
	seen := make(map[string]string, len(entries)) // profile → header seen in this file
	seenHeader := make(map[string]int, len(entries))
	for i := range entries {
		e := &entries[i]
		if prev, dup := seenHeader[e.header]; dup {
			c.note(SeverityError, "", "", e.pos,
				fmt.Sprintf("section [%s] appears twice in the %s file (first at line %d); switcher merges them, later keys winning, but the AWS CLI refuses to read the file", e.header, fileLabel, prev),
				"merge the two sections into one")
		} else {
			seenHeader[e.header] = e.pos.Line
		}
		for _, kv := range e.keys {
			if len(kv.lines) > 1 {
				c.note(SeverityError, "", kv.name, kv.val.Pos,
					fmt.Sprintf("%s is set %d times in [%s] (lines %s); the last one wins here, but the AWS CLI refuses to read the file", kv.name, len(kv.lines), e.header, joinInts(kv.lines)),
					"keep one "+kv.name+" line")
			}
		}
		if !isConfig {
			if rest, ok := strings.CutPrefix(e.header, "profile "); ok {
				c.note(SeverityWarning, e.header, "", e.pos,
					fmt.Sprintf("in the credentials file a section is named after the profile itself: [%s] defines a profile named %q", e.header, e.header),
					fmt.Sprintf("rename the section to [%s]", strings.TrimSpace(rest)))
			}
			c.addProfile(e.header, e, false, seen)
			continue
		}
		kind, name := classifyConfigSection(e.header)
		switch kind {
		case sectionProfile:
			c.addProfile(name, e, true, seen)
		case sectionSSO:
			c.addSection(c.sso, &c.ssoList, name, e)
		case sectionServices:
			c.addSection(c.services, &c.svcList, name, e)
		case sectionIgnored:
			if !knownNonProfileSection(e.header) {
				c.note(SeverityWarning, "", "", e.pos,
					fmt.Sprintf("the AWS CLI ignores [%s] in the config file: profiles there are written [profile NAME]", e.header),
					fmt.Sprintf("rename the section to [profile %s] (or move it to the credentials file)", strings.TrimSpace(e.header)))
			}
		}
	}
	return nil
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

func (c *Config) addProfile(name string, e *entry, isConfig bool, seen map[string]string) {
	p, ok := c.byName[name]
	if !ok {
		p = &Profile{Name: name, Pos: e.pos, Keys: make(map[string]Value, len(e.keys))}
		c.byName[name] = p
		c.profiles = append(c.profiles, p)
	}
	if prev, dup := seen[name]; dup && prev != e.header {
		c.note(SeverityWarning, name, "", e.pos,
			fmt.Sprintf("profile %s is defined by both [%s] and [%s]; switcher merges them, later keys winning", name, prev, e.header),
			"keep one of the two sections")
	}
	seen[name] = e.header
	if isConfig {
		if !p.InConfig {
			p.Pos = e.pos
		}
		p.InConfig = true
	} else {
		if !p.InCredentials {
			p.CredentialsPos = e.pos
		}
		p.InCredentials = true
	}
	for _, kv := range e.keys {
		p.Keys[kv.name] = kv.val
		if len(kv.nested) > 0 {
			if p.Sub == nil {
				p.Sub = make(map[string]map[string]Value)
			}
			p.Sub[kv.name] = nestedMap(p.Sub[kv.name], kv.nested)
		}
	}
}

func (c *Config) addSection(m map[string]*Section, list *[]*Section, name string, e *entry) {
	s, ok := m[name]
	if !ok {
		s = &Section{Name: name, Pos: e.pos, Keys: make(map[string]Value, len(e.keys))}
		m[name] = s
		*list = append(*list, s)
	}
	for _, kv := range e.keys {
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

// parseFile parses data with ini.v1 and attaches line numbers from the index.
func parseFile(path string, data []byte) ([]entry, error) {
	idx, err := indexLines(path, data)
	if err != nil {
		return nil, err
	}
	if len(idx.preamble) > 0 {
		return nil, &ParseError{Pos: Pos{File: path, Line: idx.preamble[0]},
			Msg: "setting before any [section] header"}
	}
	f, err := ini.LoadSources(loadOptions(), data)
	if err != nil {
		return nil, &ParseError{Pos: Pos{File: path}, Msg: err.Error()}
	}
	secs := f.Sections()
	if len(secs) > 0 {
		secs = secs[1:] // ini.v1's implicit section for settings before any header
	}
	if len(secs) != len(idx.sections) {
		return nil, &ParseError{Pos: Pos{File: path},
			Msg: fmt.Sprintf("cannot index the file: %d sections parsed, %d headers found", len(secs), len(idx.sections))}
	}
	entries := make([]entry, len(secs))
	for i, s := range secs {
		ix := &idx.sections[i]
		e := &entries[i]
		e.header = ix.header
		e.pos = Pos{File: path, Line: ix.line}
		keys := s.Keys()
		e.keys = make([]keyValue, len(keys))
		for j, k := range keys {
			kv := &e.keys[j]
			kv.name = k.Name()
			var ik *idxKey
			if j < len(ix.keys) && ix.keys[j].name == kv.name {
				ik = &ix.keys[j]
			} else if n := ix.find(kv.name); n >= 0 {
				ik = &ix.keys[n]
			}
			line := ix.line
			if ik != nil {
				line = ik.line
				if n := len(ik.dups); n > 0 {
					kv.lines = append([]int{ik.line}, ik.dups...)
					line = ik.dups[n-1]
				}
			}
			kv.val = Value{Value: strings.TrimSpace(k.Value()), Pos: Pos{File: path, Line: line}}
			nv := k.NestedValues()
			if len(nv) == 0 {
				continue
			}
			for n, raw := range nv {
				line := kv.val.Pos.Line
				if ik != nil && n < len(ik.nested) {
					line = ik.nested[n]
				}
				raw = strings.TrimSpace(raw)
				if raw == "" || raw[0] == '#' || raw[0] == ';' {
					continue
				}
				nk, nval, ok := strings.Cut(raw, "=")
				if !ok || strings.TrimSpace(nk) == "" {
					return nil, &ParseError{Pos: Pos{File: path, Line: line},
						Msg: fmt.Sprintf("nested setting under %s is not key = value: %q", kv.name, trimLine([]byte(raw)))}
				}
				kv.nested = append(kv.nested, nestedValue{
					key: strings.TrimSpace(nk),
					val: Value{Value: strings.TrimSpace(nval), Pos: Pos{File: path, Line: line}},
				})
			}
		}
	}
	return entries, nil
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}
