package profiles

import (
	"errors"
	"testing"
)

// FuzzLoad feeds arbitrary bytes to both files: Load must not panic, must
// return either a *ParseError or a usable Config, and its reading of each
// file must be ini.v1's (the reference reading, oracle_test.go): the same
// sections, keys, values and nested values, and the same files rejected.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		chainConfig, chainCreds, planConfig,
		"[default]\nregion = x\n",
		"[services x]\nsts =\n  endpoint_url = http://h\n\n  # c\n",
		"[a]\nk = `multi\nline`\n[b]\n",
		"[a]\nk = \"\"\"x\n\"\"\"\n",
		"\xEF\xBB\xBF[a]\n\"q\" = v\n- = auto\n",
		"[a\n", "k=v\n", "[a]\nnovalue\n", "[]\n",
	} {
		f.Add([]byte(s), []byte(""))
	}
	f.Fuzz(func(t *testing.T, config, creds []byte) {
		checkLoadAgainstINI(t, config, creds)
		c, err := Load("config", config, "credentials", creds)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %T %v, want *ParseError", err, err)
			}
			return
		}
		for _, p := range c.Profiles() {
			if ch, err := c.Resolve(p.Name); err == nil {
				if _, err := c.Plan(p.Name, PlanOptions{DurationSeconds: 7200}); err != nil {
					t.Fatalf("Plan(%q) failed after Resolve succeeded: %v", p.Name, err)
				}
				if len(ch.Names) == 0 || ch.Names[0] != p.Name {
					t.Fatalf("chain names %q do not start with %q", ch.Names, p.Name)
				}
			}
		}
		_ = c.Doctor()
		checkSummaries(t, c)
		checkNotes(t, c, config, creds)
	})
}
