package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

// filledRow sets every field of a Row, so that a field writeListJSON
// does not know shows up as a difference.
func filledRow(t *testing.T) profiles.Row {
	t.Helper()
	var r profiles.Row
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString(name + ` "quoted" \ <b>&</b>`)
		case reflect.Int:
			f.SetInt(int64(42 + i))
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{name + "-1", name + "-2"}))
		default:
			t.Fatalf("Row.%s is a %s: teach writeListJSON and this test about it", name, f.Kind())
		}
	}
	return r
}

func TestWriteListJSONMatches(t *testing.T) {
	sample, err := profiles.Load("config", mustRead(t, "testdata/config/sample/config"), "credentials", mustRead(t, "testdata/config/sample/credentials"))
	if err != nil {
		t.Fatal(err)
	}
	broken, err := profiles.Load("config", mustRead(t, "testdata/config/broken/config"), "credentials", mustRead(t, "testdata/config/broken/credentials"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		rows []profiles.Row
	}{
		{"nil", nil},
		{"empty", []profiles.Row{}},
		{"every field set", []profiles.Row{filledRow(t)}},
		{"chain nil and empty", []profiles.Row{{Name: "a"}, {Name: "b", Chain: []string{}}}},
		{"odd characters", []profiles.Row{{
			Name:   "tab\there, newline\nthere, cr\r, nul\x00, bell\x07",
			Region: "é ü 中文 🙂 \u2028 \u2029 \u007f",
			Pos:    "invalid \xff\xfe utf-8",
			Chain:  []string{`back\slash`, `"q"`, "<&>"},
			Error:  "line 1\nline 2",
		}}},
		{"sample config", sample.Rows()},
		{"broken config", broken.Rows()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want, got bytes.Buffer
			if err := writeDataJSON(&want, tt.rows); err != nil {
				t.Fatal(err)
			}
			if err := writeListJSON(&got, tt.rows); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want.String(), got.String()); diff != "" {
				t.Errorf("writeListJSON (-writeDataJSON +got):\n%s", diff)
			}
		})
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cachedLeftOfEvery is the reference addCachedLeft is held to: the engine
// asked about every profile, not only those the cache names.
func cachedLeftOfEvery(t *testing.T, f *Factory, rows []profiles.Row, cfg *profiles.Config) {
	t.Helper()
	if f.Flags.NoCache {
		return
	}
	e, err := f.Engine(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rows {
		if rows[i].Error != "" || rows[i].Source == profiles.SourceNone {
			continue
		}
		if left, ok := e.CachedTimeLeft(rows[i].Name); ok {
			rows[i].CachedLeftSeconds = int(left.Seconds())
		}
	}
}

// TestAddCachedLeftMatches: the cache-directory pass gives the rows that
// asking the engine about every profile gives.
func TestAddCachedLeftMatches(t *testing.T) {
	tests := []struct {
		name    string
		prime   []string // profiles whose session is cached first
		at      time.Duration
		noCache bool
		change  func(t *testing.T, f *stsFixture)
	}{
		{name: "nothing cached"},
		{name: "sessions cached", prime: []string{"prod", "chained"}},
		{name: "sessions expired", prime: []string{"prod"}, at: 2 * time.Hour},
		{name: "no cache flag", prime: []string{"prod"}, noCache: true},
		{name: "corrupt and foreign files in the cache", prime: []string{"prod"}, change: func(t *testing.T, f *stsFixture) {
			dir := filepath.Join(f.home, ".cache", "switcher")
			writeTestFile(t, filepath.Join(dir, strings.Repeat("a", 64)+".json"), `{"Profile":`)
			writeTestFile(t, filepath.Join(dir, "notes.txt"), "hello")
			if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "role_arn changed since the session was cached", prime: []string{"prod"}, change: func(t *testing.T, f *stsFixture) {
			replaceInFile(t, filepath.Join(f.home, ".aws", "config"), "role/prod\n", "role/dorp\n")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			for _, p := range tt.prime {
				f.run(t, "credential-process", p).wantCode(t, exitOK)
			}
			if tt.change != nil {
				tt.change(t, f)
			}
			now := time.Now().Add(tt.at)
			fac, _, _ := testFactory(f.env, func() time.Time { return now })
			fac.Flags.NoCache = tt.noCache
			cfg, err := fac.LoadConfig()
			if err != nil {
				t.Fatal(err)
			}
			fac.bg.Wait()
			want, got := cfg.Rows(), cfg.Rows()
			cachedLeftOfEvery(t, fac, want, cfg)
			for _, c := range []*profiles.Config{cfg, nil} { // loaded, and from the index
				left := fac.cachedLeft(got, c)
				for i := range got {
					got[i].CachedLeftSeconds = int(left[got[i].Name].Seconds())
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("rows (-every profile asked +cachedLeft, config loaded: %v):\n%s", c != nil, diff)
				}
			}
			cached := 0
			for _, r := range got {
				if r.CachedLeftSeconds > 0 {
					cached++
				}
			}
			if tt.name == "sessions cached" && cached != len(tt.prime) {
				t.Errorf("%d rows with time left, want %d", cached, len(tt.prime))
			}
		})
	}
}

// plainListRows is what list printed before any index: parse, plan every
// profile, ask the engine about every profile's cached session.
func plainListRows(t *testing.T, f *Factory) []profiles.Row {
	t.Helper()
	cfgPath, credPath, _ := f.paths()
	cfgData, _ := readOptional(cfgPath)
	credData, _ := readOptional(credPath)
	cfg, err := profiles.Load(cfgPath, cfgData, credPath, credData)
	if err != nil {
		t.Fatal(err)
	}
	rows := cfg.Rows()
	cachedLeftOfEvery(t, f, rows, cfg)
	return rows
}

// TestListRowsIndexed: list through the rows index prints what it printed
// without one, warm or cold, whatever changed in between.
func TestListRowsIndexed(t *testing.T) {
	config := func(f *stsFixture) string { return filepath.Join(f.home, ".aws", "config") }
	tests := []struct {
		name     string
		prime    []string
		change   func(t *testing.T, f *stsFixture)
		at       time.Duration
		wantWarm bool // the second list reads the index
	}{
		{name: "nothing cached", wantWarm: true},
		{name: "sessions cached", prime: []string{"prod", "chained"}, wantWarm: true},
		{name: "sessions expired", prime: []string{"prod"}, at: 2 * time.Hour, wantWarm: true},
		{name: "sessions removed", prime: []string{"prod"}, wantWarm: true, change: func(t *testing.T, f *stsFixture) {
			paths, _ := filepath.Glob(filepath.Join(f.home, ".cache", "switcher", "*.json"))
			for _, p := range paths {
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
			}
		}},
		{name: "clean --all", prime: []string{"prod"}, change: func(t *testing.T, f *stsFixture) {
			r := runSwitcher(t, f.env, "clean", "--all")
			r.wantCode(t, exitOK)
			if !strings.Contains(r.stderr, " and 2 index files from ") {
				t.Errorf("clean --all: %q, want the config and rows indexes removed", r.stderr)
			}
			if paths, _ := filepath.Glob(filepath.Join(f.home, ".cache", "switcher", "*.idx")); len(paths) != 0 {
				t.Errorf("index files left: %v", paths)
			}
		}},
		{name: "role_arn edited, same size", prime: []string{"prod"}, change: func(t *testing.T, f *stsFixture) {
			replaceInFile(t, config(f), "role/prod\n", "role/dorp\n")
		}},
		{name: "profile added to the credentials file", change: func(t *testing.T, f *stsFixture) {
			path := filepath.Join(f.home, ".aws", "credentials")
			writeTestFile(t, path, string(mustRead(t, path))+"\n[extra]\naws_access_key_id = AKIAEXAMPLEEXTRA0001\naws_secret_access_key = fake\n")
		}},
		{name: "config touched within the same second", change: func(t *testing.T, f *stsFixture) {
			fi, err := os.Stat(config(f))
			if err != nil {
				t.Fatal(err)
			}
			mt := fi.ModTime().Add(time.Nanosecond)
			if err := os.Chtimes(config(f), mt, mt); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "config renamed away", change: func(t *testing.T, f *stsFixture) {
			if err := os.Rename(config(f), config(f)+".old"); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "rows index corrupt", change: func(t *testing.T, f *stsFixture) {
			paths, _ := filepath.Glob(filepath.Join(f.home, ".cache", "switcher", "list-*.idx"))
			if len(paths) != 1 {
				t.Fatalf("rows index files: %v", paths)
			}
			data := mustRead(t, paths[0])
			data[len(data)-1] ^= 0xff
			writeTestFile(t, paths[0], string(data))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			for _, p := range tt.prime {
				f.run(t, "credential-process", p).wantCode(t, exitOK)
			}
			now := settledNow()
			a, _, _ := testFactory(f.env, func() time.Time { return now })
			if _, err := a.listRows(); err != nil { // cold: writes the index
				t.Fatal(err)
			}
			a.bg.Wait()
			if tt.change != nil {
				tt.change(t, f)
			}
			now = now.Add(tt.at)
			b, _, debug := testFactory(f.env, func() time.Time { return now })
			b.Flags.Debug = true
			got, err := b.listRows()
			if err != nil {
				t.Fatal(err)
			}
			b.bg.Wait()
			if diff := cmp.Diff(plainListRows(t, b), got); diff != "" {
				t.Errorf("rows (-without index +with):\n%s", diff)
			}
			if warm := strings.Contains(debug.String(), "rows from the index"); warm != tt.wantWarm {
				t.Errorf("read the index: %t, want %t\n%s", warm, tt.wantWarm, debug.String())
			}
			if tt.name == "sessions cached" {
				var cached []string
				for _, r := range got {
					if r.CachedLeftSeconds > 0 {
						cached = append(cached, r.Name)
					}
				}
				if diff := cmp.Diff([]string{"prod", "chained"}, cached); diff != "" {
					t.Errorf("rows with time left (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// TestListTableMatchesTabwriter: the table writer prints what
// text/tabwriter printed (it replaced it to stop writing each cell on its
// own), for wide, unicode, failing and keyless rows.
func TestListTableMatchesTabwriter(t *testing.T) {
	rows := []profiles.Row{
		{Name: "prod", Account: "222222222222", Role: "Admin", Region: "eu-west-1", MFA: "session", Chain: []string{"prod", "hub", "alice"}, Source: "static keys", CachedLeftSeconds: 3725},
		{Name: "ünïcødé-profile-with-a-long-name", Role: "ReadOnly", MFA: profiles.MFANone.String(), Chain: []string{"ünïcødé-profile-with-a-long-name"}, Source: "credential_process", CachedLeftSeconds: 42},
		{Name: "broken", Account: "111111111111", Error: "full", Short: `source_profile "x" names no profile (config:3)`, Chain: []string{"broken"}},
		{Name: "default", Region: "us-east-1", MFA: profiles.MFANone.String(), Chain: []string{"default"}, Source: profiles.SourceNone},
		{Name: "d", MFA: "direct", Chain: []string{"d", "k"}, Source: "keyring (file)", CachedLeftSeconds: 600},
	}
	var want bytes.Buffer
	tw := tabwriter.NewWriter(&want, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tACCOUNT\tROLE\tREGION\tMFA\tLEFT\tCHAIN")
	for _, r := range rows {
		chain := strings.Join(r.Chain, " <- ")
		switch {
		case r.Error != "":
			chain = "error: " + r.Short + "; see switcher doctor"
		case r.Source == profiles.SourceNone:
			chain += " (no credentials)"
		default:
			chain += " (" + r.Source + ")"
		}
		mfa := r.MFA
		if mfa == profiles.MFANone.String() {
			mfa = ""
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Name, orDash(r.Account), orDash(r.Role), orDash(r.Region), orDash(mfa), listLeft(r.CachedLeftSeconds), chain)
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := writeListTable(&got, rows); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want.String(), got.String()); diff != "" {
		t.Errorf("table (-tabwriter +writeListTable):\n%s", diff)
	}
}
