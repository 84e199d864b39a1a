package profiles

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/ini.v1"
)

// The reference reading: gopkg.in/ini.v1 with the options below reads a
// file the way the AWS CLI (Python's configparser, then botocore) does.
// Load has its own parser (parse.go); every test input and every fuzz input
// is also read by ini.v1, and the two must agree on the sections, keys,
// values and nested values.

// loadOptions: key names case-insensitive, section names not; full-line
// comments only (# and ;), no inline comments, no backslash continuations,
// quotes kept as written, nested values under a key with an empty value.
// AllowNonUniqueSections keeps each occurrence of a section apart (and skips
// ini.v1's O(n²) duplicate scan), as Load's parser does.
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

// readSection is one section occurrence without positions (ini.v1 has
// none), as both readings give it.
type readSection struct {
	Header string
	Keys   []readKey
}

type readKey struct {
	Name, Value string
	Nested      [][2]string // key, value
}

// errStricter marks what switcher rejects although ini.v1 reads it:
// settings before any section header, nested lines that are not
// key = value.
var errStricter = errors.New("stricter than ini.v1")

// iniRead is the reference reading of data: ini.v1's sections, with values
// trimmed and nested lines split as Load does.
func iniRead(data []byte) ([]readSection, error) {
	f, err := ini.LoadSources(loadOptions(), data)
	if err != nil {
		return nil, err
	}
	secs := f.Sections()
	if len(secs[0].Keys()) > 0 {
		return nil, errStricter // settings before any header
	}
	var out []readSection
	for _, s := range secs[1:] {
		rs := readSection{Header: s.Name()}
		for _, k := range s.Keys() {
			rk := readKey{Name: k.Name(), Value: strings.TrimSpace(k.Value())}
			for _, raw := range k.NestedValues() {
				raw = strings.TrimSpace(raw)
				if raw == "" || raw[0] == '#' || raw[0] == ';' {
					continue
				}
				nk, nv, ok := strings.Cut(raw, "=")
				if !ok || strings.TrimSpace(nk) == "" {
					return nil, errStricter
				}
				rk.Nested = append(rk.Nested, [2]string{strings.TrimSpace(nk), strings.TrimSpace(nv)})
			}
			rs.Keys = append(rs.Keys, rk)
		}
		out = append(out, rs)
	}
	return out, nil
}

// parseRead is Load's parser's reading of data in the same shape, with how
// many lines it could not read and how many it read as continuations.
func parseRead(data []byte) (out []readSection, problems, continued int) {
	outside, continued := scanFile("f", data, func(e *scanSection) {
		problems += len(e.problems)
		rs := readSection{Header: e.header}
		for _, k := range e.keys {
			rk := readKey{Name: k.name, Value: k.val.Value}
			for _, n := range k.nested {
				rk.Nested = append(rk.Nested, [2]string{n.key, n.val.Value})
			}
			rs.Keys = append(rs.Keys, rk)
		}
		out = append(out, rs)
	})
	return out, problems + len(outside), continued
}

// checkAgainstINI fails t unless Load's parser and ini.v1 agree on data:
// both reject it, or both read the same sections. It returns the reference
// error (nil when data is readable).
func checkAgainstINI(t *testing.T, data []byte) error {
	t.Helper()
	want, wantErr := iniRead(data)
	got, problems, continued := parseRead(data)
	switch {
	case wantErr != nil && problems == 0 && continued == 0:
		t.Fatalf("ini.v1 rejects %q (%v), Load's parser reads all of it as ini.v1 would:\n%+v", data, wantErr, got)
	case wantErr == nil && (problems > 0 || continued > 0):
		t.Fatalf("ini.v1 reads %q, Load's parser finds %d unreadable and %d continued lines\nini.v1: %+v", data, problems, continued, want)
	case wantErr == nil:
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("reading of %q (-ini.v1 +Load):\n%s", data, diff)
		}
	}
	return wantErr
}

// profileView is a profile without positions, to compare Load's Config
// with one built from ini.v1's reading.
type profileView struct {
	Name                    string
	InConfig, InCredentials bool
	Keys                    map[string]string
	Sub                     map[string]map[string]string
}

func viewOf(c *Config) []profileView {
	var out []profileView
	for _, p := range c.Profiles() {
		v := profileView{Name: p.Name, InConfig: p.InConfig, InCredentials: p.InCredentials, Keys: map[string]string{}}
		for k, val := range p.Keys {
			v.Keys[k] = val.Value
		}
		for k, m := range p.Sub {
			if v.Sub == nil {
				v.Sub = map[string]map[string]string{}
			}
			v.Sub[k] = map[string]string{}
			for nk, nv := range m {
				v.Sub[k][nk] = nv.Value
			}
		}
		out = append(out, v)
	}
	return out
}

// iniConfig builds a Config from ini.v1's readings of both files, merged
// by Load's own rules.
func iniConfig(t *testing.T, config, creds []byte) *Config {
	t.Helper()
	c := &Config{ConfigFile: "config", CredentialsFile: "credentials", byName: map[string]*Profile{},
		sso: map[string]*Section{}, services: map[string]*Section{}}
	for _, f := range []struct {
		data     []byte
		isConfig bool
	}{{config, true}, {creds, false}} {
		secs, err := iniRead(f.data)
		if err != nil {
			t.Fatalf("ini.v1: %v", err)
		}
		st := newFileState("x", f.isConfig, 0)
		for _, s := range secs {
			e := &scanSection{header: s.Header}
			for _, k := range s.Keys {
				sk := scanKey{name: k.Name, val: Value{Value: k.Value}}
				for _, n := range k.Nested {
					sk.nested = append(sk.nested, nestedValue{key: n[0], val: Value{Value: n[1]}})
				}
				e.keys = append(e.keys, sk)
			}
			c.addScanned(st, e)
		}
	}
	return c
}

// checkLoadAgainstINI fails t unless Load gives the profiles that ini.v1's
// reading of both files gives, or both reject the files.
func checkLoadAgainstINI(t *testing.T, config, creds []byte) {
	t.Helper()
	errConfig := checkAgainstINI(t, config)
	errCreds := checkAgainstINI(t, creds)
	c, err := Load("config", config, "credentials", creds)
	if err != nil {
		t.Fatalf("Load error %v: a line it cannot read must not fail the load", err)
	}
	if errConfig != nil || errCreds != nil {
		return // ini.v1 gives up; what Load reads instead is TestLenientParse's
	}
	if diff := cmp.Diff(viewOf(iniConfig(t, config, creds)), viewOf(c)); diff != "" {
		t.Fatalf("profiles (-ini.v1 +Load):\n%s", diff)
	}
}

func TestParseMatchesINI(t *testing.T) {
	tests := []struct{ name, config, creds string }{
		{"empty", "", ""},
		{"bench shape", chainConfig, chainCreds},
		{"plan shape", planConfig, ""},
		{"comments and blanks", "# c\n; c\n\n[default]\n  # indented comment\nregion = x\n\n", ""},
		{"case of keys, not of sections", "[Profile Dev]\nREGION = x\nRegion = y\n[profile dev]\nregion = z\n", ""},
		{"colon delimiter", "[a]\nregion: eu-west-1\nk = a:b\nk2: a=b\n", ""},
		{"inline comment kept", "[a]\nk = v ; not a comment\nk2 = v # nor this\n", ""},
		{"quotes kept", "[a]\nk = \"v\"\nk2 = 'v'\n", ""},
		{"backslash kept", "[a]\nk = v\\\nk2 = w\n", ""},
		{"quoted keys", "[a]\n\"Quoted Key\" = v\n`k2` = w\n\"\"\"k3\"\"\" = x\n", ""},
		{"triple-quoted value", "[a]\nk = \"\"\"one\ntwo\n  three\"\"\" tail\nk2 = x\n", ""},
		{"triple quotes on one line", "[a]\nk = \"\"\"v\"\"\"\nk2 = \"\"\"\"\"\"\n  nested = 1\n", ""},
		{"backquoted value", "[a]\nk = `one\n[not a section]\ntwo`\nk2 = x\n", ""},
		{"auto-numbered keys", "[a]\n- = one\n- = two\n[b]\n- = three\n", ""},
		{"auto-numbered key with nested", "[a]\n- =\n  x = 1\n", ""},
		{"nested values", "[services s]\nsts =\n  endpoint_url = http://h\n\n  # c\n  ; c\ns3 =\n\tmax = 10\n  addressing_style=path\n", ""},
		{"nested after a duplicate key", "[services s]\nsts =\n  a = 1\nsts = x\nsts =\n  b = 2\n", ""},
		{"nested spaces only", "[a]\nk =\n   \n  n = v\n", ""},
		{"nested not key = value", "[a]\nk =\n  novalue\n", ""},
		{"nested empty key", "[a]\nk =\n  = v\n", ""},
		{"indented line after a value", "[a]\nk = v\n  j = w\n", ""},
		{"indented header", "  [a]\n\tk = v\n", ""},
		{"duplicate sections and keys", "[a]\nk = 1\nk = 2\n[a]\nk = 3\n", "[a]\nk = 4\n"},
		{"header with trailing text", "[a] ; c\nk = v\n[b]]\n", ""},
		{"CRLF", "[a]\r\nk = v\r\nn =\r\n  x = 1\r\n", "[c]\r\nk = v\r\n"},
		{"BOM UTF-8", "\xEF\xBB\xBF[a]\nk = v\n", ""},
		{"BOM UTF-16", "\xFF\xFE[a]\nk = v\n", ""},
		{"unicode spaces", "\u00a0[a]\nk =\u00a0v\u0085\n\u2003k2 = v2\n", ""},
		{"invalid UTF-8", "[a\xff]\nK\xffY = v\xfe\n", ""},
		{"no final newline", "[a]\nk = v", ""},
		{"setting before any header", "k = v\n[a]\n", ""},
		{"no delimiter", "[a]\nnovalue\n", ""},
		{"empty key", "[a]\n= v\n", ""},
		{"empty quoted key", "[a]\n\"\" = v\n", ""},
		{"unclosed key quote", "[a]\n\"k = v\n", ""},
		{"unclosed section", "[a\n", ""},
		{"empty section name", "[]\n", ""},
		{"unclosed quoted value", "[a]\nk = `v\n", ""},
		{"unclosed quoted value at the end", "[a]\nk = `", ""},
		{"credentials file", "", "[default]\naws_access_key_id = AKIAFAKE\n[profile p]\nk = v\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkLoadAgainstINI(t, []byte(tt.config), []byte(tt.creds))
		})
	}
}
