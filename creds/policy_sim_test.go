package creds

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

// TestSimSessionPolicies: session policies (AssumeRole's Policy and
// PolicyArns) from session_policy / session_policy_arns and the flags,
// sent through the real SDK to the simulator, which scopes the session
// down; a scoped-down session denied the next hop is explained as such.
func TestSimSessionPolicies(t *testing.T) {
	dir := t.TempDir()
	allowProd := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::123456789012:role/prod"}]}`
	if err := os.WriteFile(filepath.Join(dir, "allow-prod.json"), []byte("{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"sts:*\", \"Resource\": \"*\"}]\n}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const readOnly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
	config := simConfig + `
[profile scoped-ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = dev
session_policy = {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}

[profile prod-via-scoped]
role_arn = arn:aws:iam::123456789012:role/prod
source_profile = scoped-ops

[profile ops-for-prod]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = dev
session_policy = ` + allowProd + `
session_policy_arns = ` + readOnly + `

[profile prod-via-allowed]
role_arn = arn:aws:iam::123456789012:role/prod
source_profile = ops-for-prod

[profile ops-from-file]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = dev
session_policy = file://allow-prod.json
`
	se := newSimEnv(t)
	cfg, err := profiles.Load(filepath.Join(dir, "config"), []byte(config), "credentials", []byte(simCredentials))
	if err != nil {
		t.Fatal(err)
	}
	se.cfg = cfg
	tests := []struct {
		name       string
		profile    string
		opt        Options
		wantPolicy string   // the inline policy of the session handed out
		wantARNs   []string // its managed policies
		errWords   []string // when the chain must fail
	}{
		{name: "a hop's session_policy", profile: "scoped-ops",
			wantPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`},
		{name: "policy and ARNs on the final hop from the flags", profile: "ops",
			opt:        Options{SessionPolicy: "{ \"Version\": \"2012-10-17\", \"Statement\": [] }", SessionPolicyARNs: readOnly + ", arn:aws:iam::123456789012:policy/Extra"},
			wantPolicy: `{"Version":"2012-10-17","Statement":[]}`, wantARNs: []string{readOnly, "arn:aws:iam::123456789012:policy/Extra"}},
		{name: "a file:// policy, next to the config", profile: "ops-from-file",
			wantPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:*","Resource":"*"}]}`},
		{name: "a scoped-down hop may still assume the next role", profile: "prod-via-allowed"},
		{name: "a scoped-down hop denied the next role", profile: "prod-via-scoped",
			errWords: []string{"access denied", "scoped down by its session policy", "scoped-ops", "config:"}},
		{name: "more than 10 ARNs, refused before any call", profile: "ops",
			opt:      Options{SessionPolicyARNs: strings.Repeat(readOnly+",", 11)},
			errWords: []string{"11 policies", "at most 10"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := se.engine(nil, map[string]string{"USER": "u"}, true)
			s, err := e.Assume(context.Background(), tt.profile, tt.opt)
			if len(tt.errWords) > 0 {
				if err == nil {
					t.Fatal("assumed; want an error")
				}
				for _, w := range tt.errWords {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q: %v", w, err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			info, ok := se.sim.Session(s.AccessKeyID)
			if !ok {
				t.Fatal("the simulator does not know the session")
			}
			if info.Policy != tt.wantPolicy {
				t.Errorf("session policy %q, want %q", info.Policy, tt.wantPolicy)
			}
			if diff := cmp.Diff(tt.wantARNs, info.PolicyARNs); len(tt.wantARNs)+len(info.PolicyARNs) > 0 && diff != "" {
				t.Errorf("policy ARNs (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a new policy is a new session, not the cached one", func(t *testing.T) {
		e := se.engine(nil, map[string]string{"USER": "u"}, false)
		a, err := e.Assume(context.Background(), "ops", Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.Assume(context.Background(), "ops", Options{SessionPolicy: allowProd})
		if err != nil {
			t.Fatal(err)
		}
		if a.AccessKeyID == b.AccessKeyID || b.FromCache {
			t.Errorf("the scoped-down session reused the unscoped one")
		}
	})
	t.Run("a malformed file policy names the setting", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "allow-prod.json"), []byte("{not json"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := se.engine(nil, map[string]string{"USER": "u"}, true).Assume(context.Background(), "ops-from-file", Options{})
		var ie *InputError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), "session_policy") {
			t.Errorf("error %v, want an InputError about session_policy", err)
		}
	})
}
