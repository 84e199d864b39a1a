package profiles

import (
	"errors"
	"testing"

	"gopkg.in/ini.v1"
)

// FuzzLoad feeds arbitrary bytes to both files: Load must not panic, must
// return either a *ParseError or a usable Config, and the line index must
// agree with ini.v1 on the sections whenever ini.v1 accepts the input.
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
		if idx, err := indexLines("config", config); err == nil {
			if f, err := ini.LoadSources(loadOptions(), config); err == nil {
				secs := f.Sections()[1:]
				if got, want := len(idx.sections), len(secs); got != want {
					t.Fatalf("index found %d sections, ini.v1 %d", got, want)
				}
				for i, s := range secs {
					keys := s.Keys()
					if len(keys) != len(idx.sections[i].keys) {
						t.Fatalf("section %d: index found %d keys, ini.v1 %d", i, len(idx.sections[i].keys), len(keys))
					}
					for j, k := range keys {
						ik := idx.sections[i].keys[j]
						if k.Name() != ik.name || len(k.NestedValues()) != len(ik.nested) {
							t.Fatalf("section %d key %d: index %q (%d nested), ini.v1 %q (%d nested)",
								i, j, ik.name, len(ik.nested), k.Name(), len(k.NestedValues()))
						}
					}
				}
			}
		}
	})
}
