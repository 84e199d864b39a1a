package profiles

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// refNotes is the notes Load takes while merging, found the plain way: a
// map of every header and of every profile's last header per file.
func refNotes(t *testing.T, config, creds []byte) []Finding {
	t.Helper()
	var notes []Finding
	note := func(sev Severity, profile, key string, pos Pos, msg, fix string) {
		notes = append(notes, Finding{Severity: sev, Profile: profile, Key: key, Pos: pos, Message: msg, Fix: fix})
	}
	for _, f := range []struct {
		path     string
		data     []byte
		isConfig bool
	}{{"config", config, true}, {"credentials", creds, false}} {
		label := map[bool]string{true: "config", false: "credentials"}[f.isConfig]
		headers := map[string]int{}
		seen := map[string]string{}
		outside, _ := scanFile(f.path, f.data, func(e *scanSection) {
			pos := Pos{File: f.path, Line: e.line}
			if prev, dup := headers[e.header]; dup {
				note(SeverityError, "", "", pos, fmt.Sprintf("section [%s] appears twice in the %s file (first at line %d); switcher merges them, later keys winning, but the AWS CLI refuses to read the file", e.header, label, prev), "merge the two sections into one")
			} else {
				headers[e.header] = e.line
			}
			for _, kv := range e.keys {
				if len(kv.lines) > 1 {
					note(SeverityError, "", kv.name, kv.val.Pos, fmt.Sprintf("%s is set %d times in [%s] (lines %s); the last one wins here, but the AWS CLI refuses to read the file", kv.name, len(kv.lines), e.header, joinInts(kv.lines)), "keep one "+kv.name+" line")
				}
			}
			kind, name := sectionProfile, e.header
			if f.isConfig {
				kind, name = classifyConfigSection(e.header)
			} else if rest, ok := strings.CutPrefix(e.header, "profile "); ok {
				note(SeverityWarning, e.header, "", pos, fmt.Sprintf("in the credentials file a section is named after the profile itself: [%s] defines a profile named %q", e.header, e.header), fmt.Sprintf("rename the section to [%s]", strings.TrimSpace(rest)))
			}
			switch {
			case kind == sectionProfile:
				if prev, dup := seen[name]; dup && prev != e.header {
					note(SeverityWarning, name, "", pos, fmt.Sprintf("profile %s is defined by both [%s] and [%s]; switcher merges them, later keys winning", name, prev, e.header), "keep one of the two sections")
				}
				seen[name] = e.header
			case kind == sectionIgnored && !knownNonProfileSection(e.header) && !e.badHeader:
				note(SeverityWarning, "", "", pos, fmt.Sprintf("the AWS CLI ignores [%s] in the config file: profiles there are written [profile NAME]", e.header), fmt.Sprintf("rename the section to [profile %s] (or move it to the credentials file)", strings.TrimSpace(e.header)))
			}
			for _, d := range e.deeper {
				note(SeverityWarning, "", "", Pos{File: f.path, Line: d.line}, fmt.Sprintf("this setting is indented deeper than %s above it: the AWS CLI reads the line as part of %s's value, the SDKs and switcher as a setting of its own", d.text, d.text), "indent it like the setting above (or join it to that value)")
			}
			// Lines that cannot be read: after the section's other notes, in line order.
			probs := append([]rawLine(nil), e.problems...)
			sort.SliceStable(probs, func(i, j int) bool { return probs[i].line < probs[j].line })
			for _, r := range probs {
				if kind == sectionProfile {
					note(SeverityError, name, KeySyntax, Pos{File: f.path, Line: r.line}, r.text+"; the profile cannot be used until it is fixed (the AWS CLI cannot read the file)", "fix or delete the line")
				} else {
					note(SeverityError, "", KeySyntax, Pos{File: f.path, Line: r.line}, r.text+"; switcher skips the line (the AWS CLI cannot read the file)", "fix or delete the line")
				}
			}
		})
		for _, r := range outside {
			note(SeverityError, "", KeySyntax, Pos{File: f.path, Line: r.line}, r.text+"; switcher skips the line (the AWS CLI cannot read the file)", "put it under a [section] or delete it")
		}
	}
	return notes
}

// checkNotes fails t unless Load's notes are refNotes'.
func checkNotes(t *testing.T, c *Config, config, creds []byte) {
	t.Helper()
	if diff := cmp.Diff(refNotes(t, config, creds), c.notes); diff != "" {
		t.Fatalf("notes (-plain way +Load):\n%s", diff)
	}
}

func TestLoadNotes(t *testing.T) {
	tests := []struct{ name, config, creds string }{
		{"none", chainConfig, chainCreds},
		{"section twice", "[profile a]\nregion = x\n[profile a]\nregion = y\n[profile a]\n", ""},
		{"default both ways", "[default]\nregion = x\n[profile default]\nregion = y\n[default]\n[profile default]\n", ""},
		{"profile default first", "[profile default]\n[default]\n[profile default]\n", ""},
		{"quoted and spaced headers", "[profile \"a\"]\n[profile a]\n[profile  a]\n[profile \"a\"]\n[profile a]\n", ""},
		{"odd header seen once", "[profile \"b c\"]\nregion = x\n[profile d]\n", ""},
		{"sso and services twice", "[sso-session s]\n[sso-session s]\n[services v]\n[services \"v\"]\n[plugins]\n[plugins]\n[x]\n[x]\n", ""},
		{"keys twice", "[profile a]\nregion = x\nregion = y\nRegion = z\n", "[a]\nk = 1\nk = 2\n"},
		{"credentials twice", "[profile a]\n", "[a]\nk = 1\n[b]\n[a]\n[profile a]\n[profile a]\n"},
		{"credentials after a config profile", "[profile a]\n[profile a]\n", "[a]\n[a]\n"},
		{"a setting indented deeper", "[profile a]\nk = v\n  j = w\n", ""},
		{"lines that cannot be read", "k = v\n[profile a]\nnovalue\n[profile b\nregion = x\n[sso-session s]\nbad\n[services v]\nsts =\n  nokv\n", "[c]\n= v\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, tt.config, tt.creds)
			checkNotes(t, c, []byte(tt.config), []byte(tt.creds))
		})
	}
}
