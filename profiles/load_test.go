package profiles

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// load parses the two files under the names "config" and "credentials", so
// positions read config:N and credentials:N.
func load(t *testing.T, config, creds string) *Config {
	t.Helper()
	c, err := Load("config", []byte(config), "credentials", []byte(creds))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func at(file string, line int) Pos { return Pos{File: file, Line: line} }

func val(v, file string, line int) Value { return Value{Value: v, Pos: at(file, line)} }

func TestLoadKeyTable(t *testing.T) {
	// Every key switcher reads, with its position, in one profile.
	config := `# a comment
; another
[profile all]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base
mfa_serial = arn:aws:iam::123456789012:mfa/alice
external_id = ext-123
role_session_name = alice
duration_seconds = 7200
region = eu-west-1
credential_process = /bin/creds --json
web_identity_token_file = /tmp/token
sso_session = corp
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Admin
endpoint_url = http://localhost:5000
services = local
mfa_process = pass otp aws
session_tags = team=infra,env=prod
transitive_session_tags = team
source_identity = alice
mfa_session_duration = 43200
credential_source = Environment
aws_access_key_id = AKIAFAKEFAKEFAKE0001
aws_secret_access_key = fakesecret
aws_session_token = faketoken
`
	c := load(t, config, "")
	p, ok := c.Profile("all")
	if !ok {
		t.Fatal("profile all not found")
	}
	want := map[string]Value{}
	for i, line := range strings.Split(strings.TrimSpace(config), "\n")[3:] {
		k, v, _ := strings.Cut(line, " = ")
		want[k] = val(v, "config", i+4)
	}
	if diff := cmp.Diff(want, p.Keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	for _, k := range []string{KeyRoleARN, KeySourceProfile, KeyCredentialSource, KeyMFASerial, KeyExternalID,
		KeyRoleSessionName, KeyDurationSeconds, KeyRegion, KeyAccessKeyID, KeySecretAccessKey, KeySessionToken,
		KeyCredentialProcess, KeyWebIdentityTokenFile, KeySSOSession, KeySSOStartURL, KeySSORegion, KeySSOAccountID,
		KeySSORoleName, KeyEndpointURL, KeyServices, KeyMFAProcess, KeySessionTags, KeyTransitiveSessionTags,
		KeySourceIdentity, KeyMFASessionDuration} {
		if _, ok := p.Get(k); !ok {
			t.Errorf("key %s not read", k)
		}
	}
}

func TestLoadSections(t *testing.T) {
	config := `[default]
region = us-east-1

[profile dev]
Region = eu-west-1
ROLE_ARN = arn:aws:iam::123456789012:role/dev
# role_arn = commented out
source_profile = base ; not an inline comment

[profile "with space"]
region = ap-south-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1

[services local]
sts =
  endpoint_url = http://localhost:5000
s3 =
  max_concurrent_requests = 10

  addressing_style = path

[notaprofile]
region = x

[plugins]
foo = bar
`
	creds := `[base]
aws_access_key_id = AKIAFAKEFAKEFAKE0001
aws_secret_access_key = fake

[profile odd]
aws_access_key_id = AKIAFAKEFAKEFAKE0002
`
	c := load(t, config, creds)
	var names []string
	for _, p := range c.Profiles() {
		names = append(names, p.Name)
	}
	if diff := cmp.Diff([]string{"default", "dev", "with space", "base", "profile odd"}, names); diff != "" {
		t.Errorf("profiles (-want +got):\n%s", diff)
	}
	dev, _ := c.Profile("dev")
	wantDev := &Profile{
		Name: "dev", Pos: at("config", 4), InConfig: true,
		Keys: map[string]Value{
			"region":         val("eu-west-1", "config", 5),
			"role_arn":       val("arn:aws:iam::123456789012:role/dev", "config", 6),
			"source_profile": val("base ; not an inline comment", "config", 8),
		},
	}
	if diff := cmp.Diff(wantDev, dev); diff != "" {
		t.Errorf("dev (-want +got):\n%s", diff)
	}
	base, _ := c.Profile("base")
	if base.InConfig || !base.InCredentials || base.Pos != at("credentials", 1) || base.CredentialsPos != at("credentials", 1) {
		t.Errorf("base = %+v, want credentials-only at credentials:1", base)
	}
	svc, ok := c.Services("local")
	if !ok {
		t.Fatal("services local not found")
	}
	wantSub := map[string]map[string]Value{
		"sts": {"endpoint_url": val("http://localhost:5000", "config", 19)},
		"s3": {
			"max_concurrent_requests": val("10", "config", 21),
			"addressing_style":        val("path", "config", 23),
		},
	}
	if diff := cmp.Diff(wantSub, svc.Sub); diff != "" {
		t.Errorf("services sub (-want +got):\n%s", diff)
	}
	sso, ok := c.SSOSession("corp")
	if !ok || sso.Pos != at("config", 13) || sso.Keys["sso_region"] != val("us-east-1", "config", 15) {
		t.Errorf("sso-session corp = %+v", sso)
	}
	if _, ok := c.Profile("notaprofile"); ok {
		t.Error("[notaprofile] in config must be ignored, as the AWS CLI does")
	}
	var notes []string
	for _, n := range c.notes {
		notes = append(notes, n.Pos.String())
	}
	if diff := cmp.Diff([]string{"config:25", "credentials:5"}, notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestLoadPrecedence(t *testing.T) {
	config := `[profile both]
region = eu-west-1
aws_access_key_id = AKIAFAKECONFIG000001
aws_secret_access_key = fromconfig
[profile both]
region = eu-central-1
output = json
`
	creds := `[both]
aws_access_key_id = AKIAFAKECREDS0000001
aws_secret_access_key = fromcreds
`
	c := load(t, config, creds)
	p, _ := c.Profile("both")
	tests := []struct {
		key  string
		want Value
	}{
		{"region", val("eu-central-1", "config", 6)},
		{"output", val("json", "config", 7)},
		{"aws_access_key_id", val("AKIAFAKECREDS0000001", "credentials", 2)},
		{"aws_secret_access_key", val("fromcreds", "credentials", 3)},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, p.Keys[tt.key]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if p.Pos != at("config", 1) || p.CredentialsPos != at("credentials", 1) || !p.InConfig || !p.InCredentials {
		t.Errorf("profile positions = %+v", p)
	}
}

func TestLoadEmptyAndAbsent(t *testing.T) {
	for _, tt := range []struct{ name, config, creds string }{
		{"both absent", "", ""},
		{"comments only", "# nothing\n;\n", "\n\n"},
		{"BOM", "\xEF\xBB\xBF[default]\nregion = x\n", ""},
		{"CRLF", "[default]\r\nregion = x\r\n", "[a]\r\naws_access_key_id = AKIAFAKE\r\n"},
		{"no final newline", "[default]\nregion = x", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, tt.config, tt.creds)
			if p, ok := c.Profile("default"); ok && p.Value(KeyRegion) != "x" {
				t.Errorf("region = %q, want x", p.Value(KeyRegion))
			}
		})
	}
}

// TestLenientParse: a line that cannot be read is a finding at its line
// and breaks only its own profile (Resolve says why); every other profile
// loads (issue 12: one odd line made every command fail).
func TestLenientParse(t *testing.T) {
	const ok = "[profile ok]\ncredential_process = /bin/ok\n"
	tests := []struct {
		name, config, creds string
		broken              string // the profile that cannot be used; "" none
		want                string // the finding, as Error() of its ConfigError
	}{
		{"unclosed section", ok + "[profile dev\nregion = x\ncredential_process = /bin/dev\n", "", "dev",
			"config:3: profile dev: section header \"[profile dev\" has no closing ]"},
		{"empty section", ok + "[]\nregion = x\n", "", "", "config:3: section header [] has no name"},
		{"no delimiter", ok + "[profile dev]\nregion us-east-1\ncredential_process = /bin/dev\n", "", "dev",
			"config:4: profile dev: line is neither a [section], a key = value setting nor a comment: \"region us-east-1\""},
		{"empty key", ok + "[profile dev]\n = x\n", "", "dev", "config:4: profile dev: setting has an empty key name: \"= x\""},
		{"before section", "region = x\n" + ok, "", "", "config:1: setting before any [section] header: \"region = x\""},
		{"credentials file", ok, "[a]\naws_access_key_id\n", "a",
			"credentials:2: profile a: line is neither a [section], a key = value setting nor a comment: \"aws_access_key_id\""},
		{"nested without =", ok + "[services x]\nsts =\n  endpoint_url\n", "", "", "config:5: nested setting under sts is not key = value: \"endpoint_url\""},
		{"unclosed quoted value", ok + "[profile dev]\nregion = `eu\n[profile after]\ncredential_process = /bin/after\n", "", "dev",
			"config:4: profile dev: quoted value is never closed: \"region = `eu\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load("config", []byte(tt.config), "credentials", []byte(tt.creds))
			if err != nil {
				t.Fatalf("Load: %v; a bad line must not fail the load", err)
			}
			var got []string
			for _, f := range c.Doctor() {
				if f.Key == KeySyntax {
					got = append(got, f.Err().Error())
				}
			}
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
				t.Fatalf("syntax findings %q, want one starting %q", got, tt.want)
			}
			if _, err := c.Resolve("ok"); err != nil {
				t.Errorf("profile ok: %v; the other profiles must load", err)
			}
			if tt.broken != "" {
				_, err := c.Resolve(tt.broken)
				if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
					t.Errorf("Resolve(%s) = %v, want the line's problem %q", tt.broken, err, tt.want)
				}
			}
			if _, err := c.Resolve("after"); tt.name == "unclosed quoted value" && err != nil {
				t.Errorf("the profile after an unclosed quote: %v", err)
			}
		})
	}
}

// TestContinuationLines: a line indented deeper than its key, with no
// delimiter, continues the value as the AWS CLI and the Go SDK read it;
// credential_process runs it as one command line.
func TestContinuationLines(t *testing.T) {
	tests := []struct {
		name, config string
		profile, key string
		want         string
	}{
		{"credential_process", "[profile p]\ncredential_process = /bin/tool\n  --flag\n    value\nregion = x\n", "p", KeyCredentialProcess, "/bin/tool\n--flag\nvalue"},
		{"indented section keeps its keys", "[profile p]\n  region = x\n  output = json\n", "p", KeyRegion, "x"},
		{"not deeper than the key: a problem", "[profile p]\n  region = x\n  json\n", "p", KeyRegion, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := load(t, tt.config, "")
			p, _ := c.Profile(tt.profile)
			_, rerr := c.Resolve(tt.profile)
			if tt.want == "" {
				if rerr == nil {
					t.Errorf("a line at the key's own indentation was read; want it refused")
				}
				return
			}
			if got := p.Value(tt.key); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.key, got, tt.want)
			}
			if strings.Contains(tt.config, "region = x\n") && tt.key != KeyRegion && p.Value(KeyRegion) != "x" {
				t.Errorf("the key after the continuation: region = %q", p.Value(KeyRegion))
			}
		})
	}
}

func TestLoadMultilineQuotedValueKeepsLines(t *testing.T) {
	// ini.v1 reads a ` quoted value across lines; the index must skip the
	// same lines so later positions stay right.
	config := "[profile a]\nnote = `one\n[two]\nthree`\nregion = eu-west-1\n[profile b]\nregion = x\n"
	c := load(t, config, "")
	a, _ := c.Profile("a")
	b, _ := c.Profile("b")
	if got := a.Keys["region"].Pos; got != at("config", 5) {
		t.Errorf("a region at %v, want config:5", got)
	}
	if b.Pos != at("config", 6) {
		t.Errorf("b at %v, want config:6", b.Pos)
	}
}

func TestShellSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"profile dev", []string{"profile", "dev"}, true},
		{"profile  dev ", []string{"profile", "dev"}, true},
		{`profile "a b"`, []string{"profile", "a b"}, true},
		{`profile 'a'`, []string{"profile", "a"}, true},
		{`profile "a`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, ok := shellSplit(tt.in)
			if ok != tt.ok || !cmp.Equal(tt.want, got) {
				t.Errorf("shellSplit(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
