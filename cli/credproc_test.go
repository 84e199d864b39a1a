package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// processOutput is the credential_process JSON, decoded strictly.
type processOutput struct {
	Version         int
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
}

func decodeProcessOutput(t *testing.T, stdout string) processOutput {
	t.Helper()
	if strings.Count(stdout, "\n") != 1 || !strings.HasSuffix(stdout, "\n") {
		t.Fatalf("stdout is not exactly one line: %q", stdout)
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	dec.DisallowUnknownFields()
	var out processOutput
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("stdout %q: %v", stdout, err)
	}
	return out
}

func TestCredentialProcess(t *testing.T) {
	f := newSTSFixture(t)
	r := f.run(t, "credential-process", "prod")
	r.wantCode(t, exitOK)
	if r.stderr != "" {
		t.Errorf("stderr = %q, want nothing on success", r.stderr)
	}
	out := decodeProcessOutput(t, r.stdout)
	if out.Version != 1 || out.SecretAccessKey == "" || out.SessionToken == "" {
		t.Errorf("output %+v: want Version 1, a secret and a token", out.Version)
	}
	if left := time.Until(out.Expiration); left < 50*time.Minute || left > time.Hour {
		t.Errorf("Expiration in %v, want about an hour", left)
	}
	f.wantIssuedFor(t, out.AccessKeyID, "prod")

	// The cache: a second call makes no STS call and hands out the same keys.
	again := decodeProcessOutput(t, f.run(t, "credential-process", "prod").stdout)
	if diff := cmp.Diff(out.AccessKeyID, again.AccessKeyID); diff != "" {
		t.Errorf("second call: access key (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(1, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}
	// The cache is private: directory 0700, files 0600.
	dir := filepath.Join(f.home, ".cache", "switcher")
	checkMode(t, dir, 0o700)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".json") {
			checkMode(t, filepath.Join(dir, e.Name()), 0o600)
		}
	}
	// --no-cache asks STS again.
	decodeProcessOutput(t, f.run(t, "credential-process", "prod", "--no-cache").stdout)
	if diff := cmp.Diff(2, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls after --no-cache (-want +got):\n%s", diff)
	}
}

// TestCredentialProcessMinRemaining: a cached session with less than 15
// minutes left is not handed to the AWS CLI (it would refresh at once).
func TestCredentialProcessMinRemaining(t *testing.T) {
	f := newSTSFixture(t)
	// A 15-minute session is cached; a moment later it has less than 15
	// minutes left.
	first := exportedVars(t, f.run(t, "export", "prod", "--format", "json", "--duration", "15m"))
	out := decodeProcessOutput(t, f.run(t, "credential-process", "prod", "--duration", "15m").stdout)
	if out.AccessKeyID == *first["AWS_ACCESS_KEY_ID"] {
		t.Errorf("credential-process handed out a cached session with under 15 minutes left")
	}
	if diff := cmp.Diff(2, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}
	// export, with no such margin, still uses the cache.
	again := exportedVars(t, f.run(t, "export", "prod", "--format", "json", "--duration", "15m"))
	if diff := cmp.Diff(out.AccessKeyID, *again["AWS_ACCESS_KEY_ID"]); diff != "" {
		t.Errorf("export after credential-process (-want +got):\n%s", diff)
	}
}

func TestCredentialProcessFailures(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{name: "denied", args: []string{"credential-process", "denied"}, wantCode: exitFailure, wantStderr: "trust policy"},
		{name: "unknown profile", args: []string{"credential-process", "nope"}, wantCode: exitFailure, wantStderr: `unknown profile "nope"`},
		{name: "no profile", args: []string{"credential-process"}, wantCode: exitUsage, wantStderr: "credential-process needs PROFILE"},
		{name: "bad mfa code", args: []string{"credential-process", "mfa", "--mfa-code", "1"}, wantCode: exitFailure, wantStderr: "6 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			r := f.run(t, tt.args...)
			r.wantCode(t, tt.wantCode)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing on failure", r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tt.wantStderr)
			}
		})
	}
}

func checkMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "windows" {
		return // Windows has ACLs, not Unix modes: Perm() is 0666 or 0444
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %#o, want %#o", path, got, want)
	}
}

// TestCredentialProcessParallel: parallel calls on a cold cache (as when
// the AWS CLI runs many commands at once) make one STS call per hop and
// all hand out the same session.
func TestCredentialProcessParallel(t *testing.T) {
	f := newSTSFixture(t)
	const n = 10
	results := make(chan cmdResult, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { results <- f.run(t, "credential-process", "chained") })
	}
	wg.Wait()
	close(results)
	distinct := map[string]bool{}
	for r := range results {
		r.wantCode(t, exitOK)
		distinct[decodeProcessOutput(t, r.stdout).AccessKeyID] = true
	}
	if len(distinct) != 1 {
		t.Errorf("%d distinct sessions handed out, want 1", len(distinct))
	}
	// chained is dev → prod → admin: two AssumeRole calls in all.
	if diff := cmp.Diff(2, f.sim.Calls("AssumeRole")); diff != "" {
		t.Errorf("AssumeRole calls (-want +got):\n%s", diff)
	}
}
