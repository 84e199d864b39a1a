package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

// filledRow sets every field of a listRow, so that a field writeListJSON
// does not know shows up as a difference.
func filledRow(t *testing.T) listRow {
	t.Helper()
	var r listRow
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if !f.CanSet() {
			continue
		}
		name := v.Type().Field(i).Name
		switch f.Kind() {
		case reflect.String:
			f.SetString(name + ` "quoted" \ <b>&</b>`)
		case reflect.Int:
			f.SetInt(int64(42 + i))
		case reflect.Slice:
			f.Set(reflect.ValueOf([]string{name + "-1", name + "-2"}))
		default:
			t.Fatalf("listRow.%s is a %s: teach writeListJSON and this test about it", name, f.Kind())
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
		rows []listRow
	}{
		{"nil", nil},
		{"empty", []listRow{}},
		{"every field set", []listRow{filledRow(t)}},
		{"chain nil and empty", []listRow{{Name: "a"}, {Name: "b", Chain: []string{}}}},
		{"odd characters", []listRow{{
			Name:   "tab\there, newline\nthere, cr\r, nul\x00, bell\x07",
			Region: "é ü 中文 🙂 \u2028 \u2029 \u007f",
			Pos:    "invalid \xff\xfe utf-8",
			Chain:  []string{`back\slash`, `"q"`, "<&>"},
			Error:  "line 1\nline 2",
		}}},
		{"sample config", listRows(sample)},
		{"broken config", listRows(broken)},
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

// TestAddCachedLeftIndexedMatches: the cache-directory pass gives the rows
// addCachedLeft gives, asking the engine about every profile.
func TestAddCachedLeftIndexedMatches(t *testing.T) {
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
			a := &app{stderr: &bytes.Buffer{}, getenv: func(k string) string { return f.env[k] }, now: func() time.Time { return now }, noCache: tt.noCache}
			cfg, err := a.loadConfig()
			if err != nil {
				t.Fatal(err)
			}
			want, got := listRows(cfg), listRows(cfg)
			a.addCachedLeft(want, cfg)
			a.addCachedLeftIndexed(got, cfg)
			if diff := cmp.Diff(want, got, cmp.AllowUnexported(listRow{})); diff != "" {
				t.Errorf("rows (-addCachedLeft +indexed):\n%s", diff)
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
