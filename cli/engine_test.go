package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/switcher-cli/switcher/creds"
	"github.com/switcher-cli/switcher/creds/stssim"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// cmdResult is what one run of the command line did.
type cmdResult struct {
	stdout, stderr string
	code           int
}

// runSwitcher runs the command line in-process with env as the whole
// environment and an empty stdin.
func runSwitcher(t *testing.T, env map[string]string, args ...string) cmdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, getenv)
	return cmdResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

func (r cmdResult) wantCode(t *testing.T, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, want, r.stdout, r.stderr)
	}
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

// Fixture values. The keys are obviously fake.
const (
	testAccount   = "123456789012"
	testKeyID     = "AKIAEXAMPLEDEV000001"
	testSecret    = "fake-secret-of-dev-for-tests"
	testMFASerial = "arn:aws:iam::123456789012:mfa/dev"
	testSession   = "switcher-test"
)

// testConfig is the config file of the command tests: dev holds long-term
// keys (in the credentials file); prod trusts dev; mfa requires MFA;
// denied's role does not trust dev; chained is assumed by prod's session.
const testConfig = `[profile dev]
region = eu-west-1

[profile prod]
role_arn = arn:aws:iam::123456789012:role/prod
source_profile = dev
role_session_name = switcher-test

[profile mfa]
role_arn = arn:aws:iam::123456789012:role/mfa
source_profile = dev
mfa_serial = arn:aws:iam::123456789012:mfa/dev
role_session_name = switcher-test

[profile denied]
role_arn = arn:aws:iam::123456789012:role/locked
source_profile = dev
role_session_name = switcher-test

[profile chained]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = prod
role_session_name = switcher-test
region = us-west-2
`

const testCredentials = `# long-term keys of dev
[dev]
aws_access_key_id = ` + testKeyID + `
aws_secret_access_key = ` + testSecret + `
`

// stsFixture is a home directory with the test config, and the STS
// simulator serving over HTTP, reached through AWS_ENDPOINT_URL_STS.
type stsFixture struct {
	sim  *stssim.Sim
	home string
	env  map[string]string
}

func newSTSFixture(t *testing.T) *stsFixture {
	t.Helper()
	sim := stssim.New()
	if err := sim.AddUser(stssim.User{Name: "dev", AccessKeyID: testKeyID, SecretAccessKey: testSecret, MFASerial: testMFASerial}); err != nil {
		t.Fatal(err)
	}
	roles := []stssim.Role{
		{ARN: "arn:aws:iam::123456789012:role/prod", Trust: []string{"arn:aws:iam::123456789012:user/dev"}},
		{ARN: "arn:aws:iam::123456789012:role/mfa", Trust: []string{"arn:aws:iam::123456789012:user/dev"}, RequireMFA: true},
		{ARN: "arn:aws:iam::123456789012:role/locked", Trust: []string{"arn:aws:iam::123456789012:user/ops"}},
		{ARN: "arn:aws:iam::123456789012:role/admin", Trust: []string{"arn:aws:iam::123456789012:role/prod"}},
	}
	for _, r := range roles {
		if err := sim.AddRole(r); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	writeTestFile(t, filepath.Join(home, ".aws", "config"), testConfig)
	writeTestFile(t, filepath.Join(home, ".aws", "credentials"), testCredentials)
	return &stsFixture{sim: sim, home: home, env: map[string]string{
		"HOME":                 home,
		"AWS_ENDPOINT_URL_STS": srv.URL,
		"USER":                 "tester",
	}}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// with returns the fixture's environment plus kv pairs.
func (f *stsFixture) with(kv ...string) map[string]string {
	env := make(map[string]string, len(f.env)+len(kv)/2)
	for k, v := range f.env {
		env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

func (f *stsFixture) run(t *testing.T, args ...string) cmdResult {
	t.Helper()
	return runSwitcher(t, f.env, args...)
}

// wantIssuedFor checks that keyID is a session the simulator issued for role.
func (f *stsFixture) wantIssuedFor(t *testing.T, keyID, role string) {
	t.Helper()
	info, ok := f.sim.Session(keyID)
	if !ok {
		t.Fatalf("access key %s was not issued by the simulator", creds.RedactKeyID(keyID))
	}
	if diff := cmp.Diff("arn:aws:iam::123456789012:role/"+role, info.RoleARN); diff != "" {
		t.Errorf("role of the session (-want +got):\n%s", diff)
	}
}

func TestUserCacheDir(t *testing.T) {
	tests := []struct {
		name    string
		goos    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{name: "linux xdg", goos: "linux", env: map[string]string{"XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"}, want: "/xdg"},
		{name: "linux home", goos: "linux", env: map[string]string{"HOME": "/home/u"}, want: "/home/u/.cache"},
		{name: "linux relative xdg", goos: "linux", env: map[string]string{"XDG_CACHE_HOME": "cache", "HOME": "/home/u"}, wantErr: "not an absolute path"},
		{name: "linux nothing", goos: "linux", env: map[string]string{}, wantErr: "neither $XDG_CACHE_HOME nor $HOME"},
		{name: "darwin ignores xdg", goos: "darwin", env: map[string]string{"XDG_CACHE_HOME": "/xdg", "HOME": "/Users/u"}, want: "/Users/u/Library/Caches"},
		{name: "windows", goos: "windows", env: map[string]string{"LocalAppData": `C:\Users\u\AppData\Local`}, want: `C:\Users\u\AppData\Local`},
		{name: "windows without LocalAppData", goos: "windows", env: map[string]string{"USERPROFILE": `C:\Users\u`}, wantErr: "LocalAppData"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := userCacheDir(tt.goos, func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("cache dir (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssumeOptionsDuration(t *testing.T) {
	tests := []struct {
		duration string
		want     int
		wantErr  string
	}{
		{duration: "", want: 0},
		{duration: "3600", want: 3600},
		{duration: "1h", want: 3600},
		{duration: "90m", want: 5400},
		{duration: "12h", want: 43200},
		{duration: "abc", wantErr: "--duration"},
		{duration: "10m", wantErr: "outside STS's range"},
		{duration: "13h", wantErr: "outside STS's range"},
		{duration: "-5", wantErr: "--duration"},
	}
	for _, tt := range tests {
		t.Run(tt.duration, func(t *testing.T) {
			f, _, _ := testFactory(nil, nil)
			f.Flags.Duration, f.Flags.MFACode = tt.duration, "123456"
			opt, err := f.AssumeOptions()
			if tt.wantErr != "" {
				var ue *usageError
				if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want a usage error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(creds.Options{DurationSeconds: tt.want, MFACode: "123456"}, opt, cmpopts.IgnoreFields(creds.Options{}, "OnStep")); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEngineFromFlags(t *testing.T) {
	f, _, _ := testFactory(map[string]string{"HOME": "/home/u"}, nil)
	f.Flags.EndpointURL, f.Flags.Region = "http://127.0.0.1:1", "eu-central-1"
	e, err := f.Engine(nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Store == nil || e.Store.Dir != filepath.Join("/home/u", ".cache", "switcher") {
		t.Errorf("store = %+v, want dir /home/u/.cache/switcher", e.Store)
	}
	if e.EndpointURL != f.Flags.EndpointURL || e.Region != f.Flags.Region || e.Debugf != nil {
		t.Errorf("engine endpoint %q region %q debug %t", e.EndpointURL, e.Region, e.Debugf != nil)
	}
	f.Flags.NoCache, f.Flags.Debug = true, true
	e, err = f.Engine(nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Store != nil || e.Debugf == nil {
		t.Errorf("--no-cache --debug: store %v, debugf set %t", e.Store, e.Debugf != nil)
	}
}
