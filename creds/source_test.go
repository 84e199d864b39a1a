package creds

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/ssocreds"
	"github.com/google/go-cmp/cmp"
)

func encodeJSON(t *testing.T, w http.ResponseWriter, v any) {
	t.Helper()
	if err := json.NewEncoder(w).Encode(v); err != nil {
		t.Error(err)
	}
}

// fakeIMDS serves the instance metadata endpoints ec2rolecreds reads.
func fakeIMDS(t *testing.T, exp time.Time) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("PUT /latest/api/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Aws-Ec2-Metadata-Token-Ttl-Seconds", "21600")
		w.Write([]byte("fake-imds-token"))
	})
	auth := func(h http.HandlerFunc) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("X-Aws-Ec2-Metadata-Token") != "fake-imds-token" {
				http.Error(w, "no token", http.StatusUnauthorized)
				return
			}
			h(w, r)
		}
	}
	mux.HandleFunc("GET /latest/meta-data/iam/security-credentials/", auth(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("instance-role"))
	}))
	mux.HandleFunc("GET /latest/meta-data/iam/security-credentials/instance-role", auth(func(w http.ResponseWriter, r *http.Request) {
		encodeJSON(t, w, map[string]any{"Code": "Success", "AccessKeyId": "ASIAFAKEEC2000001111",
			"SecretAccessKey": "fakeEC2Secret", "Token": "fakeEC2Token", "Expiration": exp.Format(time.RFC3339)})
	}))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// fakeECS serves the container credentials endpoint.
func fakeECS(t *testing.T, token string, exp time.Time) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != token {
			w.WriteHeader(http.StatusForbidden)
			encodeJSON(t, w, map[string]string{"code": "AccessDenied", "message": "bad token"})
			return
		}
		encodeJSON(t, w, map[string]any{"AccessKeyId": "ASIAFAKEECS000002222",
			"SecretAccessKey": "fakeECSSecret", "Token": "fakeECSToken", "Expiration": exp.Format(time.RFC3339)})
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestSources(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("credential_process below is POSIX sh")
	}
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte("fake-oidc-token"), 0o600); err != nil {
		t.Fatal(err)
	}
	procJSON := `{"Version":1,"AccessKeyId":"AKIAFAKEPROC00003333","SecretAccessKey":"fakeProcSecret"}`
	procFile := filepath.Join(dir, "proc.json") // a continuation line holds no = or : (those make it a setting)
	if err := os.WriteFile(procFile, []byte(procJSON), 0o600); err != nil {
		t.Fatal(err)
	}
	config := `[profile proc]
role_arn = arn:aws:iam::222222222222:role/proc
source_profile = procsrc

[profile procsrc]
credential_process = echo '` + procJSON + `'

[profile proccont]
role_arn = arn:aws:iam::222222222222:role/proc
source_profile = proccontsrc

[profile proccontsrc]
credential_process = cat
  ` + procFile + `

[profile ec2]
role_arn = arn:aws:iam::222222222222:role/ec2
credential_source = Ec2InstanceMetadata

[profile ecs]
role_arn = arn:aws:iam::222222222222:role/ecs
credential_source = EcsContainer

[profile envrole]
role_arn = arn:aws:iam::222222222222:role/env
credential_source = Environment

[profile web]
role_arn = arn:aws:iam::222222222222:role/web
web_identity_token_file = ` + tokenFile + `
role_session_name = ci-run

[profile web-admin]
role_arn = arn:aws:iam::333333333333:role/admin
source_profile = web
`
	ecsURL := fakeECS(t, "fake-ecs-auth", exp)
	tests := []struct {
		name    string
		profile string
		env     map[string]string
		want    []fakeCall
		errAs   bool // a *SourceError
		errText string
	}{
		{name: "credential_process", profile: "proc", env: map[string]string{"USER": "u"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "AKIAFAKEPROC00003333", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/proc", SessionName: "switcher-u-1795348800", Duration: 3600}}},
		{name: "credential_process continued on an indented line", profile: "proccont", env: map[string]string{"USER": "u"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "AKIAFAKEPROC00003333", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/proc", SessionName: "switcher-u-1795348800", Duration: 3600}}},
		{name: "instance metadata", profile: "ec2",
			env: map[string]string{"USER": "u", "AWS_EC2_METADATA_SERVICE_ENDPOINT": fakeIMDS(t, exp)},
			want: []fakeCall{{Op: "AssumeRole", Signer: "ASIAFAKEEC2000001111", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/ec2", SessionName: "switcher-u-1795348800", Duration: 3600}}},
		{name: "instance metadata disabled", profile: "ec2",
			env: map[string]string{"AWS_EC2_METADATA_DISABLED": "true"}, errAs: true, errText: "AWS_EC2_METADATA_DISABLED"},
		{name: "container", profile: "ecs",
			env: map[string]string{"USER": "u", "AWS_CONTAINER_CREDENTIALS_FULL_URI": ecsURL, "AWS_CONTAINER_AUTHORIZATION_TOKEN": "fake-ecs-auth"},
			want: []fakeCall{{Op: "AssumeRole", Signer: "ASIAFAKEECS000002222", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/ecs", SessionName: "switcher-u-1795348800", Duration: 3600}}},
		{name: "container without settings", profile: "ecs", errAs: true, errText: "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"},
		{name: "container over plain http to another host", profile: "ecs",
			env:   map[string]string{"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"},
			errAs: true, errText: "plain http"},
		{name: "environment without keys", profile: "envrole", errAs: true, errText: "AWS_ACCESS_KEY_ID"},
		{name: "web identity, then a hop", profile: "web-admin", env: map[string]string{"USER": "u"},
			want: []fakeCall{
				{Op: "AssumeRoleWithWebIdentity", Region: "us-east-1", RoleARN: "arn:aws:iam::222222222222:role/web",
					SessionName: "ci-run", Code: "fake-oidc-token", Duration: 3600},
				{Op: "AssumeRole", Signer: "ASIAFAKEASS01", Region: "us-east-1", RoleARN: "arn:aws:iam::333333333333:role/admin",
					SessionName: "switcher-u-1795348800", Duration: 3600},
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fe := newFakeEngine(t, tt.env, false)
			fe.eng.Config = loadTestConfig(t, config, "")
			s, err := fe.eng.Assume(context.Background(), tt.profile, Options{})
			if tt.errText != "" {
				var srcErr *SourceError
				if tt.errAs && !errors.As(err, &srcErr) {
					t.Fatalf("err = %T %v, want *SourceError", err, err)
				}
				if !strings.Contains(err.Error(), tt.errText) {
					t.Errorf("error %q lacks %q", err, tt.errText)
				}
				if len(fe.sts.Calls()) != 0 {
					t.Errorf("STS called after a source failure")
				}
				return
			}
			if err != nil {
				t.Fatalf("Assume: %v", err)
			}
			if diff := cmp.Diff(tt.want, fe.sts.Calls()); diff != "" {
				t.Errorf("STS calls (-want +got):\n%s", diff)
			}
			if s.AssumedRoleARN == "" || s.AccountID == "" {
				t.Errorf("session = %+v", s)
			}
		})
	}
}

// TestSSOSource runs the SDK's SSO provider against a fake portal, with a
// cached token as `aws sso login` leaves it, for both config styles.
func TestSSOSource(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home) // the SDK finds ~/.aws/sso/cache itself
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	cache := filepath.Join(home, ".aws", "sso", "cache")
	if err := os.MkdirAll(cache, 0o700); err != nil {
		t.Fatal(err)
	}
	writeToken := func(key string) {
		t.Helper()
		path, err := ssocreds.StandardCachedTokenFilepath(key)
		if err != nil {
			t.Fatal(err)
		}
		tok := `{"accessToken":"fake-sso-access-token","expiresAt":"` + exp.Format(time.RFC3339) + `","region":"eu-west-1","startUrl":"https://fake.awsapps.com/start"}`
		if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeToken("corp")
	writeToken("https://fake.awsapps.com/start")
	portal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/federation/credentials" || r.Header.Get("X-Amz-Sso_bearer_token") != "fake-sso-access-token" ||
			r.URL.Query().Get("account_id") != "111111111111" || r.URL.Query().Get("role_name") != "Dev" {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"message":"bad request"}`))
			return
		}
		encodeJSON(t, w, map[string]any{"roleCredentials": map[string]any{
			"accessKeyId": "ASIAFAKESSO000004444", "secretAccessKey": "fakeSSOSecret", "sessionToken": "fakeSSOToken",
			"expiration": exp.UnixMilli()}})
	}))
	t.Cleanup(portal.Close)
	config := `[profile new]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev

[sso-session corp]
sso_start_url = https://fake.awsapps.com/start
sso_region = eu-west-1

[profile legacy]
sso_start_url = https://fake.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 111111111111
sso_role_name = Dev

[profile new-role]
role_arn = arn:aws:iam::222222222222:role/ops
source_profile = new

[profile legacy-role]
role_arn = arn:aws:iam::222222222222:role/ops
source_profile = legacy
`
	for _, profile := range []string{"new-role", "legacy-role"} {
		t.Run(profile, func(t *testing.T) {
			fe := newFakeEngine(t, map[string]string{"USER": "u", "AWS_ENDPOINT_URL_SSO": portal.URL}, false)
			fe.eng.Config = loadTestConfig(t, config, "")
			if _, err := fe.eng.Assume(context.Background(), profile, Options{}); err != nil {
				t.Fatalf("Assume: %v", err)
			}
			want := []fakeCall{{Op: "AssumeRole", Signer: "ASIAFAKESSO000004444", Region: "us-east-1",
				RoleARN: "arn:aws:iam::222222222222:role/ops", SessionName: "switcher-u-1795348800", Duration: 3600}}
			if diff := cmp.Diff(want, fe.sts.Calls()); diff != "" {
				t.Errorf("STS calls (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSSOSourceWithoutLogin: an SSO profile with no cached token (or an
// expired one) says which sso_session or start URL needs a login and what
// to run, not the SDK's "failed to read cached SSO token file" (issue 12).
func TestSSOSourceWithoutLogin(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	expired := filepath.Join(home, ".aws", "sso", "cache")
	if err := os.MkdirAll(expired, 0o700); err != nil {
		t.Fatal(err)
	}
	path, err := ssocreds.StandardCachedTokenFilepath("old")
	if err != nil {
		t.Fatal(err)
	}
	tok := `{"accessToken":"fake","expiresAt":"2020-01-01T00:00:00Z","region":"eu-west-1","startUrl":"https://old.awsapps.com/start"}`
	if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	config := `[profile new]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev

[sso-session corp]
sso_start_url = https://fake.awsapps.com/start
sso_region = eu-west-1

[profile stale]
sso_session = old
sso_account_id = 111111111111
sso_role_name = Dev

[sso-session old]
sso_start_url = https://old.awsapps.com/start
sso_region = eu-west-1

[profile legacy]
sso_start_url = https://fake.awsapps.com/start
sso_region = eu-west-1
sso_account_id = 111111111111
sso_role_name = Dev
`
	tests := []struct{ profile, want string }{
		{"new", "profile new: no valid SSO login for sso_session corp (https://fake.awsapps.com/start): the cached token is missing or expired; run `switcher login --sso-session corp` (or `aws sso login --sso-session corp`)"},
		{"stale", "sso_session old (https://old.awsapps.com/start)"},
		{"legacy", "profile legacy: no valid SSO login for sso_start_url https://fake.awsapps.com/start: the cached token is missing or expired; run `switcher login legacy` (or `aws sso login --profile legacy`)"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			fe := newFakeEngine(t, map[string]string{"USER": "u", "AWS_ENDPOINT_URL_SSO": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_SSO_OIDC": "http://127.0.0.1:1"}, false)
			fe.eng.Config = loadTestConfig(t, config, "")
			_, err := fe.eng.Assume(context.Background(), tt.profile, Options{})
			var le *SSOLoginError
			if !errors.As(err, &le) || !errors.Is(err, ErrSSOLogin) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Assume: %v\nwant an SSOLoginError saying %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "failed to read cached SSO token file") {
				t.Errorf("the SDK's message leaked: %v", err)
			}
		})
	}
}

// TestLoginSessionSource: login_session (aws login) is a source like SSO:
// the cached token's keys while it is valid; once it has expired, the AWS
// CLI refreshes it (aws configure export-credentials); without a token,
// the error says to run aws login (issue 12).
func TestLoginSessionSource(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the fake aws below is POSIX sh")
	}
	const session = "arn:aws:iam::111111111111:user/alice"
	config := `[profile console]
login_session = ` + session + `
region = eu-west-1

[profile console-admin]
role_arn = arn:aws:iam::222222222222:role/admin
source_profile = console
`
	writeToken := func(t *testing.T, dir string, expires time.Time) {
		t.Helper()
		path, err := loginTokenPath(session, func(k string) string { return map[string]string{"AWS_LOGIN_CACHE_DIRECTORY": dir}[k] })
		if err != nil {
			t.Fatal(err)
		}
		tok := `{"accessToken":{"accessKeyId":"ASIAFAKELOGIN0005555","secretAccessKey":"fakeLoginSecret","sessionToken":"fakeLoginToken",` +
			`"accountId":"111111111111","expiresAt":"` + expires.UTC().Format(time.RFC3339) + `"},"tokenType":"aws_sigv4","refreshToken":"r","clientId":"c","dpopKey":"k"}`
		if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	fakeAWS := func(t *testing.T, script string) {
		t.Helper()
		bin := t.TempDir()
		if err := os.WriteFile(filepath.Join(bin, "aws"), []byte("#!/bin/sh\n"+script), 0o700); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	}
	refreshed := `{"Version":1,"AccessKeyId":"ASIAFAKEREFRESH06666","SecretAccessKey":"s","SessionToken":"t","Expiration":"` +
		time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`
	tests := []struct {
		name    string
		token   time.Duration // from now; 0: no token file
		aws     string        // the fake aws script; "" none
		signer  string
		errText string
	}{
		{name: "valid token", token: time.Hour, signer: "ASIAFAKELOGIN0005555"},
		{name: "expired token, refreshed by the AWS CLI", token: -time.Hour,
			aws:    `[ "$*" = "configure export-credentials --profile console --format process" ] || exit 3; echo '` + refreshed + `'`,
			signer: "ASIAFAKEREFRESH06666"},
		{name: "expired token, no refresh", token: -time.Hour, aws: "echo 'Error: session expired' >&2; exit 255",
			errText: "run `aws login --profile console`"},
		{name: "no token", errText: "run `aws login --profile console`"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.token != 0 {
				writeToken(t, dir, time.Now().Add(tt.token))
			}
			if tt.aws != "" {
				fakeAWS(t, tt.aws)
			}
			fe := newFakeEngine(t, map[string]string{"USER": "u", "AWS_LOGIN_CACHE_DIRECTORY": dir}, false)
			fe.eng.Config = loadTestConfig(t, config, "")
			fe.eng.Now = time.Now
			_, err := fe.eng.Assume(context.Background(), "console-admin", Options{})
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Assume: %v, want %q", err, tt.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("Assume: %v", err)
			}
			if calls := fe.sts.Calls(); len(calls) != 1 || calls[0].Signer != tt.signer {
				t.Errorf("STS calls %+v, want one AssumeRole signed by %s", calls, tt.signer)
			}
		})
	}
}
