package profiles

import (
	"fmt"
	"strings"
	"testing"

	"gopkg.in/ini.v1"
)

// genFiles builds a config with n profiles: one in ten is a source with
// static keys in the credentials file, the others are role profiles chained
// two or three deep, the shape of a large organisation's file.
func genFiles(n int) (config, creds []byte) {
	var cb, kb strings.Builder
	cb.Grow(n * 200)
	kb.Grow(n * 12)
	for i := range n {
		name := fmt.Sprintf("acct-%05d", i)
		switch i % 10 {
		case 0:
			fmt.Fprintf(&cb, "[profile %s]\nregion = us-east-1\nmfa_serial = arn:aws:iam::111111111111:mfa/user%d\n\n", name, i)
			fmt.Fprintf(&kb, "[%s]\naws_access_key_id = AKIAFAKEFAKE%08d\naws_secret_access_key = fakesecret\n\n", name, i)
		case 1:
			fmt.Fprintf(&cb, "[profile %s]\nrole_arn = arn:aws:iam::%012d:role/Hub\nsource_profile = acct-%05d\nduration_seconds = 3600\n\n", name, 200000000000+i, i-1)
		default:
			fmt.Fprintf(&cb, "# team %d\n[profile %s]\nrole_arn = arn:aws:iam::%012d:role/Admin\nsource_profile = acct-%05d\nregion = eu-west-1\nrole_session_name = alice\n\n", i, name, 300000000000+i, i-i%10+1)
		}
	}
	return []byte(cb.String()), []byte(kb.String())
}

func BenchmarkLoad(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		config, creds := genFiles(n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(config) + len(creds)))
			for b.Loop() {
				c, err := Load("config", config, "credentials", creds)
				if err != nil {
					b.Fatal(err)
				}
				if len(c.Profiles()) != n {
					b.Fatalf("%d profiles, want %d", len(c.Profiles()), n)
				}
			}
		})
	}
}

func BenchmarkResolve(b *testing.B) {
	c := load10k(b)
	b.ReportAllocs()
	for b.Loop() {
		ch, err := c.Resolve("acct-09995")
		if err != nil {
			b.Fatal(err)
		}
		if len(ch.Hops) != 2 {
			b.Fatalf("%d hops", len(ch.Hops))
		}
	}
}

func BenchmarkResolveAll(b *testing.B) {
	c := load10k(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range c.Profiles() {
			if _, err := c.Resolve(p.Name); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkPlan(b *testing.B) {
	c := load10k(b)
	b.ReportAllocs()
	for b.Loop() {
		pl, err := c.Plan("acct-09995", PlanOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(pl.Steps) != 3 {
			b.Fatalf("%d steps", len(pl.Steps))
		}
	}
}

func BenchmarkDoctor(b *testing.B) {
	c := load10k(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range c.Doctor() {
			if f.Severity == SeverityError {
				b.Fatalf("%s: %s", f.Pos, f.Message)
			}
		}
	}
}

// BenchmarkLoadINI is ini.v1's reading of the config of BenchmarkLoad/10000
// (the tests' reference reading; Load does not use it), for comparison.
func BenchmarkLoadINI(b *testing.B) {
	config, _ := genFiles(10000)
	b.ReportAllocs()
	b.SetBytes(int64(len(config)))
	for b.Loop() {
		if _, err := ini.LoadSources(loadOptions(), config); err != nil {
			b.Fatal(err)
		}
	}
}

// load10k parses a generated 10,000-profile config for a benchmark.
func load10k(b *testing.B) *Config {
	b.Helper()
	config, creds := genFiles(10000)
	c, err := Load("config", config, "credentials", creds)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkDecodeRows is the rows index of a warm `switcher list` at
// 10,000 profiles.
func BenchmarkDecodeRows(b *testing.B) {
	config, creds := genFiles(10000)
	cfg, err := Load("config", config, "credentials", creds)
	if err != nil {
		b.Fatal(err)
	}
	data := EncodeRows(cfg.Rows())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := DecodeRows(data); err != nil {
			b.Fatal(err)
		}
	}
}
