package profiles

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// A snapshot is the parse of a config file in a compact binary form, so a
// caller that keeps it (keyed by the file's identity) can skip ini parsing
// and line indexing when the file has not changed:
//
//	cfg, snap, err := profiles.LoadAndSnapshot(cfgPath, cfgData, credPath, credData)
//	... store snap; next time, while the config file is unchanged:
//	cfg, err := profiles.LoadFromSnapshot(snap, credPath, credData)
//
// Only the config file is in it: the credentials file, where long-term keys
// live, is parsed every time, and a config file that itself holds a secret
// (aws_secret_access_key, aws_session_token) gets no snapshot, so a snapshot
// never copies a secret. Layout: a magic and format version, a string table
// (count, lengths, then the bytes) for the strings that repeat (key names,
// file names, notes), then the config as uvarints that index the table,
// with values and names, which seldom repeat, inline (length, bytes).

// ErrBadSnapshot is returned (wrapped) for bytes that are not a snapshot of
// this format: the caller parses the file instead.
var ErrBadSnapshot = errors.New("unusable config snapshot")

const snapshotMagic = "swsnap\x00\x03"

// LoadAndSnapshot is Load that also returns a snapshot of the config file's
// parse, or nil when the config file holds a secret.
func LoadAndSnapshot(configPath string, configData []byte, credsPath string, credsData []byte) (*Config, []byte, error) {
	c, err := Load(configPath, configData, "", nil)
	if err != nil {
		return nil, nil, err
	}
	var snap []byte
	if !c.holdsSecret() {
		snap = c.encodeSnapshot()
	}
	if err := c.addCredentialsFile(credsPath, credsData); err != nil {
		return nil, nil, err
	}
	return c, snap, nil
}

// LoadFromSnapshot is Load with the config file's parse taken from a
// snapshot that LoadAndSnapshot made of the same bytes (the caller keeps
// track of that); the credentials file is parsed as Load does.
func LoadFromSnapshot(snapshot []byte, credsPath string, credsData []byte) (*Config, error) {
	c, err := decodeSnapshot(snapshot, nil)
	if err != nil {
		return nil, err
	}
	if err := c.addCredentialsFile(credsPath, credsData); err != nil {
		return nil, err
	}
	return c, nil
}

// LoadFromSnapshotFor is LoadFromSnapshot for a caller that needs only the
// named profiles and what their chains reach (source_profile, followed
// until it closes; every sso-session and services section is kept): the
// other config-file profiles are skipped, not decoded. Resolve and Plan of
// a named profile give what they give on the whole Config; Profiles() and
// Doctor() see only the decoded part.
func LoadFromSnapshotFor(snapshot []byte, names []string, credsPath string, credsData []byte) (*Config, error) {
	want := make(map[string]bool, 2*len(names))
	for _, n := range names {
		want[n] = true
	}
	for {
		c, err := decodeSnapshot(snapshot, want)
		if err != nil {
			return nil, err
		}
		grew := false
		for _, p := range c.profiles {
			if sp := p.Value(KeySourceProfile); sp != "" && !want[sp] {
				want[sp] = true
				grew = true
			}
		}
		if grew {
			continue
		}
		if err := c.addCredentialsFile(credsPath, credsData); err != nil {
			return nil, err
		}
		return c, nil
	}
}

// addCredentialsFile is the second half of Load.
func (c *Config) addCredentialsFile(path string, data []byte) error {
	c.CredentialsFile = path
	return c.loadFile(path, data, false)
}

// holdsSecret reports whether any section of the config file sets a secret.
func (c *Config) holdsSecret() bool {
	for _, p := range c.profiles {
		if setsSecret(p.Keys, p.Sub) {
			return true
		}
	}
	for _, list := range [][]*Section{c.ssoList, c.svcList} {
		for _, s := range list {
			if setsSecret(s.Keys, s.Sub) {
				return true
			}
		}
	}
	return false
}

// setsSecret reports whether a section's keys, nested ones included, set a
// secret access key or a session token.
func setsSecret(keys map[string]Value, sub map[string]map[string]Value) bool {
	for _, k := range []string{KeySecretAccessKey, KeySessionToken} {
		if keys[k].Value != "" {
			return true
		}
		for _, m := range sub {
			if m[k].Value != "" {
				return true
			}
		}
	}
	return false
}

// snapWriter interns strings while it writes the body.
type snapWriter struct {
	body    []byte
	ids     map[string]uint64
	strings []string
	// The file of the last position, most often the next one's too.
	lastFile   string
	lastFileID uint64
}

func (w *snapWriter) uint(v uint64) { w.body = binary.AppendUvarint(w.body, v) }

func (w *snapWriter) int(v int) {
	if v < 0 {
		v = 0 // lines are 1-based; 0 means none
	}
	w.uint(uint64(v))
}

func (w *snapWriter) bool(b bool) {
	if b {
		w.uint(1)
	} else {
		w.uint(0)
	}
}

func (w *snapWriter) str(s string) {
	id, ok := w.ids[s]
	if !ok {
		id = uint64(len(w.strings))
		w.ids[s] = id
		w.strings = append(w.strings, s)
	}
	w.uint(id)
}

// raw writes a string inline: its length, then its bytes.
func (w *snapWriter) raw(s string) {
	w.uint(uint64(len(s)))
	w.body = append(w.body, s...)
}

func (w *snapWriter) pos(p Pos) {
	if p.File != w.lastFile || len(w.strings) == 0 {
		w.str(p.File)
		w.lastFile, w.lastFileID = p.File, w.ids[p.File]
	} else {
		w.uint(w.lastFileID)
	}
	w.int(p.Line)
}

func (w *snapWriter) values(m map[string]Value) {
	w.int(len(m))
	for k, v := range m {
		w.str(k)
		w.raw(v.Value)
		w.pos(v.Pos)
	}
}

func (w *snapWriter) sub(sub map[string]map[string]Value) {
	w.bool(sub != nil)
	if sub == nil {
		return
	}
	w.int(len(sub))
	for k, m := range sub {
		w.str(k)
		w.values(m)
	}
}

func (w *snapWriter) sections(list []*Section) {
	w.int(len(list))
	for _, s := range list {
		w.raw(s.Name)
		w.pos(s.Pos)
		w.values(s.Keys)
		w.sub(s.Sub)
	}
}

func (c *Config) encodeSnapshot() []byte {
	w := &snapWriter{ids: make(map[string]uint64, 64), body: make([]byte, 0, 128*len(c.profiles)+64)}
	w.str(c.ConfigFile)
	w.str(c.CredentialsFile)
	w.int(len(c.notes))
	for _, f := range c.notes {
		w.int(int(f.Severity))
		w.str(f.Profile)
		w.str(f.Key)
		w.pos(f.Pos)
		w.str(f.Message)
		w.str(f.Fix)
	}
	w.int(len(c.profiles))
	for _, p := range c.profiles {
		w.raw(p.Name)
		w.pos(p.Pos)
		w.bool(p.InConfig)
		w.bool(p.InCredentials)
		w.pos(p.CredentialsPos)
		w.values(p.Keys)
		w.sub(p.Sub)
	}
	w.sections(c.ssoList)
	w.sections(c.svcList)

	n := 0
	for _, s := range w.strings {
		n += len(s)
	}
	out := make([]byte, 0, len(snapshotMagic)+2*binary.MaxVarintLen64+len(w.strings)*2+n+len(w.body))
	out = append(out, snapshotMagic...)
	out = binary.AppendUvarint(out, uint64(len(w.strings)))
	for _, s := range w.strings {
		out = binary.AppendUvarint(out, uint64(len(s)))
	}
	for _, s := range w.strings {
		out = append(out, s...)
	}
	out = binary.AppendUvarint(out, uint64(len(w.body)))
	return append(out, w.body...)
}

// snapReader reads what snapWriter wrote; the first error sticks.
type snapReader struct {
	data    []byte // what is left to read
	text    string // all of it as a string, ending where data ends
	strings []string
	err     error
}

func (r *snapReader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrBadSnapshot, msg)
	}
}

func (r *snapReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.data)
	if n <= 0 {
		r.fail("truncated")
		return 0
	}
	r.data = r.data[n:]
	return v
}

// count reads a length that cannot exceed what is left to read.
func (r *snapReader) count() int {
	v := r.uint()
	if v > uint64(len(r.data)) {
		r.fail("count out of range")
		return 0
	}
	return int(v) //nolint:gosec // at most len(r.data)
}

func (r *snapReader) int() int {
	v := r.uint()
	if v > 1<<31 {
		r.fail("number out of range")
		return 0
	}
	return int(v)
}

func (r *snapReader) bool() bool { return r.uint() != 0 }

func (r *snapReader) str() string {
	id := r.uint()
	if id >= uint64(len(r.strings)) {
		r.fail("string index out of range")
		return ""
	}
	return r.strings[id]
}

// raw reads what snapWriter.raw wrote, as a slice of r.text.
func (r *snapReader) raw() string {
	n := r.count()
	if r.err != nil {
		return ""
	}
	off := len(r.text) - len(r.data)
	r.data = r.data[n:]
	return r.text[off : off+n]
}

func (r *snapReader) pos() Pos { return Pos{File: r.str(), Line: r.int()} }

func (r *snapReader) values() map[string]Value {
	n := r.count()
	m := make(map[string]Value, n)
	for range n {
		k := r.str()
		m[k] = Value{Value: r.raw(), Pos: r.pos()}
	}
	return m
}

func (r *snapReader) sub() map[string]map[string]Value {
	if !r.bool() {
		return nil
	}
	n := r.count()
	sub := make(map[string]map[string]Value, n)
	for range n {
		k := r.str()
		sub[k] = r.values()
	}
	return sub
}

// skipValues and skipSub read what values and sub would, keeping nothing.
func (r *snapReader) skipValues() {
	for range r.count() {
		r.str()
		r.raw()
		r.pos()
	}
}

func (r *snapReader) skipSub() {
	if !r.bool() {
		return
	}
	for range r.count() {
		r.str()
		r.skipValues()
	}
}

func (r *snapReader) sections(m map[string]*Section) []*Section {
	n := r.count()
	list := make([]*Section, 0, n)
	for range n {
		s := &Section{Name: r.raw(), Pos: r.pos()}
		s.Keys = r.values()
		s.Sub = r.sub()
		if r.err != nil {
			return nil
		}
		m[s.Name] = s
		list = append(list, s)
	}
	return list
}

// decodeSnapshot decodes a snapshot: every profile, or with want only
// those it names.
func decodeSnapshot(data []byte, want map[string]bool) (*Config, error) {
	r, err := newSnapReader(data)
	if err != nil {
		return nil, err
	}
	c := &Config{
		ConfigFile:      r.str(),
		CredentialsFile: r.str(),
		sso:             make(map[string]*Section),
		services:        make(map[string]*Section),
	}
	if n := r.count(); n > 0 {
		c.notes = make([]Finding, n)
		for i := range c.notes {
			c.notes[i] = Finding{Severity: Severity(r.int()), Profile: r.str(), Key: r.str(), Pos: r.pos(), Message: r.str(), Fix: r.str()}
			if f := c.notes[i]; f.Key == KeySyntax && f.Profile != "" {
				c.markBroken(f)
			}
		}
	}
	if err := c.decodeProfiles(r, want); err != nil {
		return nil, err
	}
	c.ssoList = c.sections(r, c.sso)
	c.svcList = c.sections(r, c.services)
	if r.err != nil {
		return nil, r.err
	}
	if len(r.data) != 0 {
		return nil, fmt.Errorf("%w: %d bytes left over", ErrBadSnapshot, len(r.data))
	}
	return c, nil
}

// newSnapReader checks the magic and reads the string table.
func newSnapReader(data []byte) (*snapReader, error) {
	if len(data) < len(snapshotMagic) || string(data[:len(snapshotMagic)]) != snapshotMagic {
		return nil, fmt.Errorf("%w: not a snapshot of this version", ErrBadSnapshot)
	}
	data = data[len(snapshotMagic):]
	r := &snapReader{data: data, text: string(data)} // one copy: every string is a slice of it
	ns := r.count()
	lens := make([]int, ns)
	total := 0
	for i := range lens {
		lens[i] = r.count()
		total += lens[i]
	}
	if r.err != nil || total > len(r.data) {
		return nil, fmt.Errorf("%w: string table truncated", ErrBadSnapshot)
	}
	all := r.text[len(r.text)-len(r.data):]
	r.data = r.data[total:]
	r.strings = make([]string, ns)
	off := 0
	for i, n := range lens {
		r.strings[i] = all[off : off+n]
		off += n
	}
	if body := r.count(); r.err == nil && body != len(r.data) {
		return nil, fmt.Errorf("%w: body is %d bytes, header says %d", ErrBadSnapshot, len(r.data), body)
	}
	return r, nil
}

// decodeProfiles reads the profiles (only those in want, when set).
func (c *Config) decodeProfiles(r *snapReader, want map[string]bool) error {
	n := r.count()
	keep := n
	if want != nil {
		keep = min(n, len(want))
	}
	c.byName = make(map[string]*Profile, keep)
	if keep > 0 {
		c.profiles = make([]*Profile, 0, keep)
	}
	backing := make([]Profile, keep)
	for range n {
		name := r.raw()
		if want != nil && !want[name] {
			r.skipProfile()
			if r.err != nil {
				return r.err
			}
			continue
		}
		if len(c.profiles) == len(backing) {
			return fmt.Errorf("%w: more profiles than announced", ErrBadSnapshot)
		}
		p := &backing[len(c.profiles)]
		p.Name, p.Pos = name, r.pos()
		p.InConfig, p.InCredentials = r.bool(), r.bool()
		p.CredentialsPos = r.pos()
		p.Keys = r.values()
		p.Sub = r.sub()
		if r.err != nil {
			return r.err
		}
		if _, dup := c.byName[p.Name]; dup {
			return fmt.Errorf("%w: profile %q twice", ErrBadSnapshot, p.Name)
		}
		c.profiles = append(c.profiles, p)
		c.byName[p.Name] = p
	}
	if len(c.profiles) == 0 {
		c.profiles = nil
	}
	return nil
}

// skipProfile passes over one profile's fields after its name.
func (r *snapReader) skipProfile() {
	r.pos()
	r.bool()
	r.bool()
	r.pos()
	r.skipValues()
	r.skipSub()
}

func (c *Config) sections(r *snapReader, m map[string]*Section) []*Section {
	list := r.sections(m)
	if len(list) == 0 {
		return nil
	}
	return list
}
