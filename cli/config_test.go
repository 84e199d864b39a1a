package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"

	"github.com/switcher-cli/switcher/profiles"
)

// configRun is one in-process run of the command line.
type configRun struct {
	stdout, stderr string
	code           int
}

// withAWSFiles makes a temporary HOME whose ~/.aws holds the files of
// testdata/config/<fixture> (none when fixture is ""), and returns it.
func withAWSFiles(t *testing.T, fixture string) string {
	t.Helper()
	home := t.TempDir()
	if fixture == "" {
		return home
	}
	dir := filepath.Join(home, ".aws")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"config", "credentials"} {
		data, err := os.ReadFile(filepath.Join("testdata", "config", fixture, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

// runIn runs switcher with HOME as the only environment variable and
// replaces HOME in the output with ~ so goldens do not depend on it.
func runIn(t *testing.T, home string, args ...string) configRun {
	t.Helper()
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		if k == "HOME" {
			return home
		}
		return ""
	}
	code := run(context.Background(), args, strings.NewReader(""), &stdout, &stderr, getenv)
	clean := func(s string) string { return strings.ReplaceAll(s, home, "~") }
	return configRun{stdout: clean(stdout.String()), stderr: clean(stderr.String()), code: code}
}

// updateGoldens reports whether -update was given (the flag is declared
// once for the package, by whichever test file declares it).
func updateGoldens() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func compareGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "config", "golden", name)
	if updateGoldens() {
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
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s (-want +got):\n%s", path, diff)
	}
}

func TestConfigCommandsGolden(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		args    []string
		code    int
	}{
		{"list.txt", "sample", []string{"list"}, 0},
		{"list.json", "sample", []string{"list", "--json"}, 0},
		{"list-broken.txt", "broken", []string{"list"}, 0},
		{"plan-ops.txt", "sample", []string{"plan", "ops"}, 0},
		{"plan-ops.json", "sample", []string{"plan", "ops", "--json"}, 0},
		{"plan-prod.txt", "sample", []string{"plan", "prod"}, 0},
		{"plan-dev-duration.txt", "sample", []string{"plan", "dev", "--duration", "2h"}, 0},
		{"plan-ops-duration.txt", "sample", []string{"plan", "ops", "--duration", "2h"}, 0}, // a capped --duration: the warning says where it came from
		{"plan-dev-policy.txt", "sample", []string{"plan", "dev", "--session-policy", `{"Version":"2012-10-17","Statement":[]}`, "--session-policy-arns", "arn:aws:iam::aws:policy/ReadOnlyAccess"}, 0},
		{"plan-ci.txt", "sample", []string{"plan", "ci"}, 0},
		{"plan-sso-dev.txt", "sample", []string{"plan", "sso-dev"}, 0},
		{"doctor.txt", "sample", []string{"doctor"}, 0},
		{"doctor-broken.txt", "broken", []string{"doctor"}, 1},
		{"doctor-broken.json", "broken", []string{"doctor", "--json"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := withAWSFiles(t, tt.fixture)
			r := runIn(t, home, tt.args...)
			if r.code != tt.code {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, tt.code, r.stderr)
			}
			if r.stderr != "" {
				t.Errorf("stderr = %q, want nothing", r.stderr)
			}
			if strings.HasSuffix(tt.name, ".json") && !json.Valid([]byte(r.stdout)) {
				t.Errorf("stdout is not JSON:\n%s", r.stdout)
			}
			if strings.Contains(r.stdout, "fakefakefake") || strings.Contains(r.stdout, "AKIAFAKEFAKEFAKEBASE") {
				t.Errorf("a secret or a whole key id reached stdout:\n%s", r.stdout)
			}
			compareGolden(t, tt.name, r.stdout)
		})
	}
}

func TestConfigCommandsErrors(t *testing.T) {
	tests := []struct {
		name       string
		fixture    string
		config     string // written over ~/.aws/config when set
		args       []string
		code       int
		wantStderr string
	}{
		{
			name: "unknown profile", fixture: "sample", args: []string{"plan", "dve"}, code: 1,
			wantStderr: "switcher: unknown profile \"dve\": did you mean \"dev\"?\n",
		},
		{
			name: "cycle", fixture: "broken", args: []string{"plan", "a"}, code: 1,
			wantStderr: "switcher: ~/.aws/config:7: source_profile cycle: a -> b -> a\n",
		},
		{
			name: "a bad line breaks only its profile", fixture: "sample", config: "[default]\nregion\n[profile ok]\ncredential_process = /bin/true\n", args: []string{"plan", "default"}, code: 1,
			wantStderr: "switcher: ~/.aws/config:2: profile default: line is neither a [section], a key = value setting nor a comment: \"region\"; the profile cannot be used until it is fixed (the AWS CLI cannot read the file) (fix: fix or delete the line)\n",
		},
		{
			name: "bad --duration", fixture: "sample", args: []string{"plan", "dev", "--duration", "soon"}, code: 2,
			wantStderr: "switcher: --duration: duration \"soon\" is neither seconds (3600) nor a duration (1h, 90m)\nRun 'switcher --help' for usage.\n",
		},
		{
			name: "plan without a profile", fixture: "sample", args: []string{"plan"}, code: 2,
			wantStderr: "switcher: plan needs PROFILE (usage: switcher plan PROFILE; switcher list shows them)\nRun 'switcher plan --help' for usage.\n",
		},
		{
			name: "plan with two profiles", fixture: "sample", args: []string{"plan", "dev", "prod"}, code: 2,
			wantStderr: "switcher: plan: unexpected argument \"prod\" (usage: switcher plan PROFILE)\nRun 'switcher plan --help' for usage.\n",
		},
		{
			name: "a session policy that is not JSON", fixture: "sample", args: []string{"export", "dev", "--session-policy", "{oops"}, code: 2,
			wantStderr: "switcher: --session-policy is not a JSON policy document: invalid character 'o' looking for beginning of object key string\nRun 'switcher --help' for usage.\n",
		},
		{
			name: "eleven session policy ARNs", fixture: "sample", args: []string{"export", "dev", "--session-policy-arns", strings.Repeat("arn:aws:iam::aws:policy/ReadOnlyAccess,", 11)}, code: 2,
			wantStderr: "switcher: --session-policy-arns names 11 policies; STS takes at most 10\nRun 'switcher --help' for usage.\n",
		},
		{
			name: "a mistyped command", fixture: "sample", args: []string{"exprot", "dev"}, code: 2,
			wantStderr: "switcher: unknown command \"exprot\" for switcher: did you mean \"export\"?\nRun 'switcher --help' for usage.\n",
		},
		{
			name: "a mistyped subcommand", fixture: "sample", args: []string{"keys", "rotat", "dev"}, code: 2,
			wantStderr: "switcher: unknown command \"rotat\" for switcher keys: did you mean \"rotate\"?\nRun 'switcher keys --help' for usage.\n",
		},
		{
			name: "a mistyped flag", fixture: "sample", args: []string{"list", "--jsn"}, code: 2,
			wantStderr: "switcher: unknown flag: --jsn: did you mean --json?\nRun 'switcher list --help' for usage.\n",
		},
		{
			name: "--config names a missing file", fixture: "sample", args: []string{"doctor", "--config", "/nonexistent/config"}, code: 2,
			wantStderr: "switcher: --config /nonexistent/config: no such file (a file named with --config must exist; without the flag switcher reads $AWS_CONFIG_FILE or ~/.aws/config)\nRun 'switcher --help' for usage.\n",
		},
		{
			name: "--credentials names a missing file", fixture: "sample", args: []string{"list", "--credentials", "/nonexistent/credentials"}, code: 2,
			wantStderr: "switcher: --credentials /nonexistent/credentials: no such file (a file named with --credentials must exist; without the flag switcher reads $AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials)\nRun 'switcher --help' for usage.\n",
		},
		{
			name: "credential-process with a missing --config", fixture: "sample", args: []string{"credential-process", "dev", "--config", "/nonexistent/config"}, code: 2,
			wantStderr: "switcher: --config /nonexistent/config: no such file (a file named with --config must exist; without the flag switcher reads $AWS_CONFIG_FILE or ~/.aws/config)\nRun 'switcher --help' for usage.\n",
		},
		{
			name: "unreadable config", fixture: "sample", config: "\x00dir", args: []string{"list"}, code: 1,
			wantStderr: "switcher: cannot read ~/.aws/config: is a directory\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := withAWSFiles(t, tt.fixture)
			path := filepath.Join(home, ".aws", "config")
			switch {
			case tt.config == "\x00dir":
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			case tt.config != "":
				if err := os.WriteFile(path, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			r := runIn(t, home, tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d", r.code, tt.code)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if diff := cmp.Diff(tt.wantStderr, r.stderr); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigCommandsNoFiles(t *testing.T) {
	home := withAWSFiles(t, "")
	r := runIn(t, home, "list", "--json")
	if r.code != 0 || r.stdout != "[]\n" || r.stderr != "" {
		t.Errorf("list --json with no files = %+v, want [] and exit 0", r)
	}
	r = runIn(t, home, "doctor")
	if want := "no problems found in ~/.aws/config and ~/.aws/credentials (0 profiles)\n"; r.code != 0 || r.stdout != want {
		t.Errorf("doctor with no files = %+v, want %q", r, want)
	}
	r = runIn(t, home, "plan", "dev")
	if want := "switcher: unknown profile \"dev\" (see 'switcher list')\n"; r.code != 1 || r.stderr != want || r.stdout != "" {
		t.Errorf("plan with no files = %+v, want %q", r, want)
	}
}

func TestConfigFilesFromFlagsAndEnv(t *testing.T) {
	home := withAWSFiles(t, "")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "cfg")
	if err := os.WriteFile(cfg, []byte("[profile x]\ncredential_process = /bin/true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	env := map[string]string{"HOME": home, "AWS_CONFIG_FILE": cfg}
	code := run(context.Background(), []string{"list", "--json"}, strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] })
	var rows []profiles.Row
	if err := json.Unmarshal(stdout.Bytes(), &rows); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s", code, err, stderr.String())
	}
	if len(rows) != 1 || rows[0].Name != "x" || rows[0].Pos != cfg+":1" {
		t.Errorf("rows = %+v, want profile x at %s:1", rows, cfg)
	}
	r := runIn(t, home, "list", "--config", cfg, "--json")
	if !strings.Contains(r.stdout, `"name": "x"`) {
		t.Errorf("--config not used: %s", r.stdout)
	}
}

func TestListJSONShape(t *testing.T) {
	home := withAWSFiles(t, "sample")
	r := runIn(t, home, "list", "--json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, row := range rows {
		names = append(names, row["name"].(string))
		for _, k := range []string{"name", "role_arn", "account", "role", "source_profile", "chain", "region", "mfa_serial", "source"} {
			if _, ok := row[k]; !ok {
				t.Errorf("%v: no %q", row["name"], k)
			}
		}
	}
	// Role profiles first, then the others, each in file order.
	if diff := cmp.Diff([]string{"dev", "ops", "prod", "ci", "default", "base", "sso-dev"}, names); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	ops := rows[1]
	if diff := cmp.Diff([]any{"ops", "dev", "base"}, ops["chain"]); diff != "" {
		t.Errorf("ops chain (-want +got):\n%s", diff)
	}
}

func TestCompleteProfiles(t *testing.T) {
	home := withAWSFiles(t, "sample")
	f, _, _ := testFactory(map[string]string{"HOME": home}, nil)
	tests := []struct {
		args       []string
		toComplete string
		want       []string
	}{
		{nil, "d", []string{"default", "dev"}},
		{nil, "", []string{"default", "base", "dev", "ops", "prod", "ci", "sso-dev"}},
		{nil, "zz", nil},
		{[]string{"dev"}, "", nil},
	}
	for _, tt := range tests {
		got, dir := f.completeProfiles(nil, tt.args, tt.toComplete)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("complete %q (-want +got):\n%s", tt.toComplete, diff)
		}
		if dir != cobra.ShellCompDirectiveNoFileComp {
			t.Errorf("directive = %v, want NoFileComp", dir)
		}
	}
}

// TestOneBadLine: a line that cannot be read marks its profile in list,
// doctor and plan, and leaves every other profile working (issue 12).
func TestOneBadLine(t *testing.T) {
	home := withAWSFiles(t, "sample")
	path := filepath.Join(home, ".aws", "config")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	bad := "\n[profile typo]\nrole_arn = arn:aws:iam::111111111111:role/x\nregion us-east-1\nsource_profile = base\n"
	if err := os.WriteFile(path, append(data, bad...), 0o600); err != nil {
		t.Fatal(err)
	}
	r := runIn(t, home, "list", "--json")
	if r.code != 0 {
		t.Fatalf("list: exit %d: %s", r.code, r.stderr)
	}
	var rows []profiles.Row
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		switch {
		case row.Name == "typo" && !strings.Contains(row.Error, "line is neither"):
			t.Errorf("typo: error %q, want the bad line", row.Error)
		case row.Name == "dev" && row.Error != "":
			t.Errorf("dev: error %q, want none", row.Error)
		}
	}
	if r := runIn(t, home, "plan", "dev"); r.code != 0 {
		t.Errorf("plan dev: exit %d: %s", r.code, r.stderr)
	}
	r = runIn(t, home, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "line is neither") {
		t.Errorf("doctor: exit %d:\n%s", r.code, r.stdout)
	}
	r = runIn(t, home, "plan", "typo")
	if r.code != 1 || !strings.Contains(r.stderr, "config:51") || !strings.Contains(r.stderr, `"region us-east-1"`) {
		t.Errorf("plan typo: exit %d: %s", r.code, r.stderr)
	}
}
