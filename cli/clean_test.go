package cli

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/creds"
)

func TestClean(t *testing.T) {
	f := newSTSFixture(t)
	// One live session from the engine itself, plus hand-made entries in
	// each shape the engine stores.
	f.run(t, "credential-process", "prod").wantCode(t, exitOK)
	dir := filepath.Join(f.home, ".cache", "switcher")
	past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	entries := map[string]string{
		creds.Key("expired session"):     `{"AccessKeyId":"ASIAEXAMPLE","Expiration":"` + past + `"}`,
		creds.Key("expired mfa session"): `{"Credentials":{"AccessKeyId":"ASIAEXAMPLE","Expiration":"` + past + `"},"Serial":"s"}`,
		creds.Key("live mfa session"):    `{"Credentials":{"AccessKeyId":"ASIAEXAMPLE","Expiration":"` + future + `"},"Serial":"s"}`,
		creds.Key("no expiry"):           `{"AccessKeyId":"AKIAEXAMPLE"}`,
	}
	for key, body := range entries {
		writeTestFile(t, filepath.Join(dir, key+".json"), body)
	}
	before := cacheEntries(t, dir)

	r := f.run(t, "clean")
	r.wantCode(t, exitOK)
	if diff := cmp.Diff("switcher: removed 2 expired cache entries from "+dir+"\n", r.stderr); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	var want []string
	for _, e := range before {
		if e != creds.Key("expired session")+".json" && e != creds.Key("expired mfa session")+".json" {
			want = append(want, e)
		}
	}
	if diff := cmp.Diff(want, cacheEntries(t, dir)); diff != "" {
		t.Errorf("entries left (-want +got):\n%s", diff)
	}
	// The live session is still served from the cache.
	f.run(t, "credential-process", "prod").wantCode(t, exitOK)
	if diff := cmp.Diff(1, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}

	r = f.run(t, "clean", "--all")
	r.wantCode(t, exitOK)
	if !strings.HasPrefix(r.stderr, "switcher: removed 3 cache entries") {
		t.Errorf("stderr = %q, want 3 entries removed", r.stderr)
	}
	if got := cacheEntries(t, dir); len(got) != 0 {
		t.Errorf("entries left after --all: %v", got)
	}
}

func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range des {
		if strings.HasSuffix(d.Name(), ".json") {
			out = append(out, d.Name())
		}
	}
	sort.Strings(out)
	return out
}

func TestEntryExpired(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		raw  string
		want bool
	}{
		{name: "session expired", raw: `{"Expiration":"2026-01-01T11:59:59Z"}`, want: true},
		{name: "session expiring now", raw: `{"Expiration":"2026-01-01T12:00:00Z"}`, want: true},
		{name: "session live", raw: `{"Expiration":"2026-01-01T12:00:01Z"}`},
		{name: "mfa session expired", raw: `{"Credentials":{"Expiration":"2026-01-01T11:00:00Z"}}`, want: true},
		{name: "mfa session live", raw: `{"Credentials":{"Expiration":"2026-01-01T13:00:00Z"}}`},
		{name: "no expiry", raw: `{"AccessKeyId":"x"}`},
		{name: "not an object", raw: `[1]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := entryExpired([]byte(tt.raw), now); got != tt.want {
				t.Errorf("entryExpired(%s) = %t, want %t", tt.raw, got, tt.want)
			}
		})
	}
}
