package cli

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/profiles"
)

// Cheaper parts of `switcher list` for large configs.
//
// The rows list prints (without the time left on cached sessions) depend
// on nothing but the two files, so listRowsIndexed keeps them in the cache
// directory under the files' identities and the build (rowsMagic, like the
// config index of fastpath_config.go), and a warm `list` neither parses
// nor plans: it decodes the rows, then asks the engine only about the few
// profiles that have a live session, with only their chains decoded.

const rowsMagic = "swrows\x00\x02"

// listRowsIndexed is `loadConfig, listRows, addCachedLeft` through the rows
// index.
func (a *app) listRowsIndexed() ([]listRow, error) {
	plain := func() ([]listRow, error) {
		cfg, err := a.loadConfig()
		if err != nil {
			return nil, err
		}
		rows := listRows(cfg)
		a.addCachedLeftIndexed(rows, cfg)
		return rows, nil
	}
	cfgPath, err := a.configPath()
	if err != nil {
		return nil, err
	}
	credPath, err := a.credentialsPath()
	if err != nil {
		return nil, err
	}
	if a.noCache {
		return plain()
	}
	dir, err := a.cacheDir()
	if err != nil {
		return plain()
	}
	before, err := rowsIdentity(cfgPath, credPath)
	if err != nil {
		return plain()
	}
	path := filepath.Join(dir, "list-"+creds.Key("list-rows", cfgPath, credPath)[:32]+".idx")
	want := sha256.Sum256([]byte(before.key))
	if payload, ok := readIndex(path, rowsMagic, want); ok {
		if rows, err := decodeRows(payload); err == nil {
			a.debugf("list: rows from the index %s", path)
			a.addCachedLeftFromIndex(rows, dir)
			return rows, nil
		}
	}
	cfg, err := a.loadConfig()
	if err != nil {
		return nil, err
	}
	rows := listRows(cfg)
	after, err := rowsIdentity(cfgPath, credPath)
	now := a.clock()
	if err == nil && after == before && before.files[0].settled(now) && before.files[1].settled(now) {
		if err := writeIndex(dir, path, rowsMagic, want, encodeRows(rows)); err != nil {
			a.debugf("list: rows index not written: %v", err)
		}
	}
	a.addCachedLeftIndexed(rows, cfg)
	return rows, nil
}

// listGC pauses the garbage collector for a list command and returns what
// restores it. A list keeps nearly everything it allocates until it prints
// and exits a moment later, so collecting on the way frees little: at
// 10,000 profiles the collector cost a third of a cold run and lowered its
// peak RSS by nothing measurable (bench/PERFORMANCE.md). A memory limit
// proportional to the two files (a 10,000-profile config of 1.4 MB parses
// into about 10 MiB) still has a huge config collected rather than grown
// without bound.
func (a *app) listGC() (restore func()) {
	limit := int64(32 << 20)
	for _, path := range []func() (string, error){a.configPath, a.credentialsPath} {
		if p, err := path(); err == nil {
			if fi, err := os.Stat(p); err == nil {
				limit += 24 * fi.Size()
			}
		}
	}
	percent := debug.SetGCPercent(-1)
	prev := debug.SetMemoryLimit(limit)
	return func() {
		debug.SetMemoryLimit(prev)
		debug.SetGCPercent(percent)
	}
}

// rowsIdentity is what the rows of a config and credentials file pair are
// valid for.
func rowsIdentity(cfgPath, credPath string) (fastState, error) {
	var st fastState
	for i, p := range []string{cfgPath, credPath} {
		var err error
		if st.files[i], err = statIdentity(p); err != nil {
			return st, err
		}
	}
	parts := append([]string{rowsMagic}, buildParts()...)
	parts = append(parts, st.files[0].parts()...)
	st.key = creds.Key(append(parts, st.files[1].parts()...)...)
	return st, nil
}

// addCachedLeftFromIndex is addCachedLeftIndexed for rows that came from
// the index: the config is decoded only for the profiles with a live
// session and their chains, and only when there are some.
func (a *app) addCachedLeftFromIndex(rows []listRow, dir string) {
	live := liveSessionProfiles(dir, a.clock())
	var names []string
	for i := range rows {
		if live[rows[i].Name] && rows[i].Error == "" && rows[i].Source != "none" {
			names = append(names, rows[i].Chain...)
		}
	}
	if len(names) == 0 {
		return
	}
	cfg, err := a.loadConfigFor(names)
	if err != nil {
		a.debugf("list: no cached times: %v", err)
		return
	}
	a.addCachedLeftIndexed(rows, cfg)
}

// encodeRows and decodeRows store rows (CachedLeftSeconds excepted): the
// number of rows, then each row's strings in field order and its chain
// (uvarint length+1, 0 for nil, then the names). A string is a uvarint: 0
// for the same value as the reference (this field of the row before; for
// a chain's first name, the row's own name), else its length+1 and its
// bytes. Neighbouring rows share most of their region, role, MFA and
// source, so encoding needs no map and decoding slices one string.
// TestRowsIndexKnowsListRowFields keeps them in step with listRow.
func encodeRows(rows []listRow) []byte {
	body := make([]byte, 0, 160*len(rows)+16)
	body = binary.AppendUvarint(body, uint64(len(rows)))
	str := func(s, ref string) {
		if s == ref {
			body = append(body, 0)
			return
		}
		body = binary.AppendUvarint(body, uint64(len(s))+1)
		body = append(body, s...)
	}
	var prev listRow
	for i := range rows {
		r := &rows[i]
		str(r.Name, prev.Name)
		str(r.RoleARN, prev.RoleARN)
		str(r.Account, prev.Account)
		str(r.Role, prev.Role)
		str(r.SourceProfile, prev.SourceProfile)
		str(r.Region, prev.Region)
		str(r.MFASerial, prev.MFASerial)
		str(r.MFA, prev.MFA)
		str(r.Source, prev.Source)
		str(r.Pos, prev.Pos)
		str(r.Error, prev.Error)
		str(r.short, prev.short)
		if r.Chain == nil {
			body = append(body, 0)
		} else {
			body = binary.AppendUvarint(body, uint64(len(r.Chain))+1)
		}
		for j, c := range r.Chain {
			str(c, chainRef(r, &prev, j))
		}
		prev = *r
	}
	return body
}

// chainRef is what a chain's j-th name is encoded against.
func chainRef(r, prev *listRow, j int) string {
	switch {
	case j == 0:
		return r.Name
	case j < len(prev.Chain):
		return prev.Chain[j]
	}
	return ""
}

var errBadRows = errors.New("list rows index is corrupt")

func decodeRows(data []byte) ([]listRow, error) {
	all := string(data) // one copy: every string is a slice of it
	off := 0
	bad := false
	next := func() uint64 {
		v, n := binary.Uvarint(data[off:])
		if n <= 0 {
			bad = true
			return 0
		}
		off += n
		return v
	}
	str := func(ref string) string {
		n := next()
		switch {
		case bad:
			return ""
		case n == 0:
			return ref
		}
		rest := data[off:]
		if n-1 > uint64(len(rest)) {
			bad = true
			return ""
		}
		size := len(rest[:n-1]) // n-1 as an int
		s := all[off : off+size]
		off += size
		return s
	}
	n := next()
	if bad || n > uint64(len(data)) {
		return nil, errBadRows
	}
	rows := make([]listRow, n)
	const perRow = 4
	pool := make([]string, 0, perRow*len(rows)) // the chains, sliced out of one array
	var prev listRow
	for i := range rows {
		r := &rows[i]
		r.Name = str(prev.Name)
		r.RoleARN = str(prev.RoleARN)
		r.Account = str(prev.Account)
		r.Role = str(prev.Role)
		r.SourceProfile = str(prev.SourceProfile)
		r.Region = str(prev.Region)
		r.MFASerial = str(prev.MFASerial)
		r.MFA = str(prev.MFA)
		r.Source = str(prev.Source)
		r.Pos = str(prev.Pos)
		r.Error = str(prev.Error)
		r.short = str(prev.short)
		nc := next()
		if bad || nc > uint64(len(data[off:]))+1 {
			return nil, errBadRows
		}
		if nc > 0 {
			chain := len(data[off:][:nc-1]) // nc-1 as an int
			if len(pool)+chain > cap(pool) {
				pool = make([]string, 0, max(perRow*len(rows), chain))
			}
			start := len(pool)
			for j := range chain {
				pool = append(pool, str(chainRef(r, &prev, j)))
			}
			r.Chain = pool[start:len(pool):len(pool)]
		}
		if bad {
			return nil, errBadRows
		}
		prev = *r
	}
	if off != len(data) {
		return nil, errBadRows
	}
	return rows, nil
}

// addCachedLeftIndexed is addCachedLeft in O(cache entries) instead of
// O(profiles): every session the engine stores names the profile asked
// for (Session.Profile), so one pass over the cache directory finds the
// few profiles that can have a live session, and only those are asked of
// the engine (which checks that the entry is the one for the profile's
// current chain). Rows and values are those addCachedLeft gives.
func (a *app) addCachedLeftIndexed(rows []listRow, cfg *profiles.Config) {
	if a.noCache {
		return
	}
	dir, err := a.cacheDir()
	if err != nil {
		a.debugf("list: no cached times: %v", err)
		return
	}
	live := liveSessionProfiles(dir, a.clock())
	if len(live) == 0 {
		return
	}
	var some []listRow
	var at []int
	for i := range rows {
		if live[rows[i].Name] {
			some = append(some, rows[i])
			at = append(at, i)
		}
	}
	a.addCachedLeft(some, cfg)
	for j, i := range at {
		rows[i].CachedLeftSeconds = some[j].CachedLeftSeconds
	}
}

// liveSessionProfiles lists the profiles named by unexpired cache entries.
func liveSessionProfiles(dir string, now time.Time) map[string]bool {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	live := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		var s struct {
			Profile    string
			Expiration time.Time
		}
		if json.Unmarshal(data, &s) == nil && s.Profile != "" && s.Expiration.After(now) {
			live[s.Profile] = true
		}
	}
	return live
}

// writeListJSON writes rows exactly as writeDataJSON does (two-space
// indent, no HTML escaping, final newline), without reflection or a
// re-indenting pass. TestWriteListJSONMatches holds it to that.
func writeListJSON(w io.Writer, rows []listRow) error {
	if rows == nil {
		_, err := io.WriteString(w, "null\n")
		return err
	}
	if len(rows) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	const flushAt = 192 << 10
	b := make([]byte, 0, flushAt+64<<10)
	b = append(b, "[\n"...)
	for i := range rows {
		r := &rows[i]
		b = append(b, "  {\n"...)
		b = appendField(b, "name", r.Name)
		b = appendField(b, "role_arn", r.RoleARN)
		b = appendField(b, "account", r.Account)
		b = appendField(b, "role", r.Role)
		b = appendField(b, "source_profile", r.SourceProfile)
		b = append(b, `    "chain": `...)
		switch {
		case r.Chain == nil:
			b = append(b, "null"...)
		case len(r.Chain) == 0:
			b = append(b, "[]"...)
		default:
			b = append(b, "[\n"...)
			for j, c := range r.Chain {
				b = append(b, "      "...)
				b = appendJSONString(b, c)
				if j < len(r.Chain)-1 {
					b = append(b, ',')
				}
				b = append(b, '\n')
			}
			b = append(b, "    ]"...)
		}
		b = append(b, ",\n"...)
		b = appendField(b, "region", r.Region)
		b = appendField(b, "mfa_serial", r.MFASerial)
		b = appendField(b, "mfa", r.MFA)
		b = appendField(b, "source", r.Source)
		b = appendField(b, "pos", r.Pos)
		b = append(b, `    "cached_left_seconds": `...)
		b = strconv.AppendInt(b, int64(r.CachedLeftSeconds), 10)
		if r.Error != "" {
			b = append(b, ",\n"...)
			b = append(b, `    "error": `...)
			b = appendJSONString(b, r.Error)
		}
		b = append(b, "\n  }"...)
		if i < len(rows)-1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		if len(b) > flushAt {
			if _, err := w.Write(b); err != nil {
				return err
			}
			b = b[:0]
		}
	}
	b = append(b, "]\n"...)
	_, err := w.Write(b)
	return err
}

func appendField(b []byte, name, value string) []byte {
	b = append(b, `    "`...)
	b = append(b, name...)
	b = append(b, `": `...)
	b = appendJSONString(b, value)
	return append(b, ",\n"...)
}

// appendJSONString quotes s as encoding/json does with SetEscapeHTML(false):
// plain printable ASCII is copied; anything else goes through json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			return appendJSONSlow(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONSlow(b []byte, s string) []byte {
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil { // a string always encodes
		return append(b, `""`...)
	}
	return append(b, strings.TrimSuffix(sb.String(), "\n")...)
}
