package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

func TestWrite(t *testing.T) {
	f := newSTSFixture(t)
	path := filepath.Join(f.home, ".aws", "credentials")
	// prod is a role profile, so without --as the session goes to [prod-session].
	r := f.run(t, "write", "prod")
	r.wantCode(t, exitOK)
	if r.stdout != "" {
		t.Errorf("stdout = %q, want nothing", r.stdout)
	}
	if !strings.Contains(r.stderr, "[prod-session]") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr = %q, want one line naming [prod-session]", r.stderr)
	}
	checkMode(t, path, 0o600)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), testCredentials) {
		t.Errorf("the comment and [dev] changed:\n%s", data)
	}
	// Read the file back the way switcher (and the AWS CLI) read it.
	cfg, err := profiles.Load("", nil, path, data)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := cfg.Profile("prod-session")
	if !ok {
		t.Fatalf("no [prod-session] in\n%s", data)
	}
	f.wantIssuedFor(t, p.Value(profiles.KeyAccessKeyID), "prod")
	if p.Value(profiles.KeySessionToken) == "" || p.Value(profiles.KeyRegion) != "eu-west-1" {
		t.Errorf("[prod-session] lacks the token or region eu-west-1:\n%s", data)
	}

	// Writing again replaces the section: one [prod-session], new keys.
	f.run(t, "write", "prod", "--as", "prod-session", "--no-cache").wantCode(t, exitOK)
	data, err = os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), "[prod-session]"); n != 1 {
		t.Errorf("%d [prod-session] sections after a second write, want 1:\n%s", n, data)
	}
}

func TestWriteRefusesShadowedNames(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantKey    string
		wantStderr []string
	}{
		{name: "the role profile's own name", args: []string{"write", "prod", "--as", "prod"}, wantKey: profiles.KeyRoleARN,
			wantStderr: []string{"[prod]", "role_arn", "config:5", "--as prod-session"}},
		{name: "another role profile", args: []string{"write", "prod", "--as", "chained"}, wantKey: profiles.KeyRoleARN,
			wantStderr: []string{"[chained]", "role_arn", "config:21"}},
		{name: "long-term keys", args: []string{"write", "prod", "--as", "dev"}, wantKey: profiles.KeyAccessKeyID,
			wantStderr: []string{"[dev]", "long-term access keys", "credentials:3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			r := f.run(t, tt.args...)
			r.wantCode(t, exitFailure)
			for _, want := range tt.wantStderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr = %q\nwant it to contain %q", r.stderr, want)
				}
			}
			if got := f.sim.Calls(""); got != 0 {
				t.Errorf("%d STS requests, want none before refusing", got)
			}
			data, err := os.ReadFile(filepath.Join(f.home, ".aws", "credentials"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(testCredentials, string(data)); diff != "" {
				t.Errorf("credentials file changed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCheckWriteTarget(t *testing.T) {
	config := "[profile sso]\nsso_session = corp\n[profile web]\nweb_identity_token_file = /t\nrole_arn = arn:aws:iam::123456789012:role/w\n[profile plain]\nregion = eu-west-1\n"
	credentials := "[plain]\naws_access_key_id = AKIAEXAMPLEPLAIN0001\naws_secret_access_key = x\naws_session_token = t\n[inline]\nrole_arn = arn:aws:iam::123456789012:role/i\nsource_profile = plain\n"
	cfg, err := profiles.Load("config", []byte(config), "credentials", []byte(credentials))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		target  string
		wantKey string // "" when allowed
	}{
		{name: "new name", target: "fresh"},
		{name: "sso profile", target: "sso", wantKey: profiles.KeySSOSession},
		{name: "role before web identity", target: "web", wantKey: profiles.KeyRoleARN},
		{name: "session keys may be replaced", target: "plain"},
		{name: "settings in the credentials file would be lost", target: "inline", wantKey: profiles.KeyRoleARN},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkWriteTarget(cfg, "prod", tt.target, false)
			var we *WriteTargetError
			gotKey := ""
			if errors.As(err, &we) {
				gotKey = we.Key
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantKey, gotKey); diff != "" {
				t.Errorf("refused for (-want +got):\n%s\nerr: %v", diff, err)
			}
		})
	}
}

func TestDefaultWriteName(t *testing.T) {
	config := "[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/p\nsource_profile = dev\n[profile plain]\nregion = eu-west-1\n"
	credentials := "[dev]\naws_access_key_id = AKIAEXAMPLEDEV000001\naws_secret_access_key = x\n[plain]\naws_access_key_id = AKIAEXAMPLEPLAIN0001\naws_secret_access_key = x\naws_session_token = t\n"
	cfg, err := profiles.Load("config", []byte(config), "credentials", []byte(credentials))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ profile, want string }{
		{"prod", "prod-session"}, // a role profile shadows its own name
		{"dev", "dev-session"},   // long-term keys would be destroyed
		{"fresh", "fresh"},       // nothing there
		{"plain", "plain"},       // session keys may be replaced
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			if got := defaultWriteName(cfg, tt.profile); got != tt.want {
				t.Errorf("defaultWriteName(%q) = %q, want %q", tt.profile, got, tt.want)
			}
		})
	}
}

// A name the credentials file cannot hold is a usage error found before
// any STS call (so no MFA code is spent on it).
func TestWriteBadSectionNameBeforeAssuming(t *testing.T) {
	f := newSTSFixture(t)
	r := f.run(t, "write", "prod", "--as", "a]b")
	r.wantCode(t, exitUsage)
	if !strings.Contains(r.stderr, "invalid section name") {
		t.Errorf("stderr = %q, want the section name explained", r.stderr)
	}
	if n := f.sim.Calls(""); n != 0 {
		t.Errorf("%d STS calls before refusing the name, want none", n)
	}
}

// TestWriteMayNameANewCredentialsFile: --credentials must name a file
// that exists, except for write, which creates it.
func TestWriteMayNameANewCredentialsFile(t *testing.T) {
	home := t.TempDir()
	newFile := filepath.Join(home, "new", "credentials")
	f, _, _ := testFactory(map[string]string{"HOME": home}, time.Now)
	f.Flags.CredentialsFile = newFile
	if _, _, err := f.paths(); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("paths() with a missing --credentials: %v, want no such file", err)
	}
	f.newCredentials = true
	if _, cred, err := f.paths(); err != nil || cred != newFile {
		t.Errorf("paths() for write: %q, %v; want %q", cred, err, newFile)
	}
}
