package creds

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/switcher-cli/switcher/profiles"
)

// mapEnv is an injected environment.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestResolveEndpoint(t *testing.T) {
	chain := &profiles.Chain{
		EndpointURL: profiles.Value{Value: "http://profile:1", Pos: profiles.Pos{File: "config", Line: 7}},
		Region:      profiles.Value{Value: "eu-west-1", Pos: profiles.Pos{File: "config", Line: 8}},
	}
	allEnv := map[string]string{
		"AWS_ENDPOINT_URL_STS": "http://env-sts:1", "AWS_ENDPOINT_URL": "http://env-all:1",
		"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "sa-east-1",
	}
	tests := []struct {
		name  string
		flagE string
		flagR string
		env   map[string]string
		chain *profiles.Chain
		want  resolved
	}{
		{"flags win", "https://flag:1", "us-west-2", allEnv, chain,
			resolved{"https://flag:1", "--endpoint-url", "us-west-2", "--region", "us-west-2"}},
		{"sts env before global env and profile; profile region before env", "", "", allEnv, chain,
			resolved{"http://env-sts:1", "AWS_ENDPOINT_URL_STS", "eu-west-1", "region at config:8", "eu-west-1"}},
		{"global env", "", "", map[string]string{"AWS_ENDPOINT_URL": "http://env-all:1"}, chain,
			resolved{"http://env-all:1", "AWS_ENDPOINT_URL", "eu-west-1", "region at config:8", "eu-west-1"}},
		{"profile endpoint; AWS_REGION", "", "", map[string]string{"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "sa-east-1"},
			&profiles.Chain{EndpointURL: chain.EndpointURL},
			resolved{"http://profile:1", "endpoint_url at config:7", "ap-south-1", "AWS_REGION", "ap-south-1"}},
		{"AWS_DEFAULT_REGION", "", "", map[string]string{"AWS_DEFAULT_REGION": "sa-east-1"}, &profiles.Chain{},
			resolved{"", "", "sa-east-1", "AWS_DEFAULT_REGION", "sa-east-1"}},
		{"nothing set: SDK default endpoint, us-east-1 for STS, no session region", "", "", nil, &profiles.Chain{},
			resolved{"", "", "", "", "us-east-1"}},
		{"no chain (whoami)", "", "", nil, nil, resolved{STSRegion: "us-east-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := &Engine{EndpointURL: tt.flagE, Region: tt.flagR, Getenv: mapEnv(tt.env)}
			got, err := e.resolveEndpoint(tt.chain)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(resolved{})); diff != "" {
				t.Errorf("resolveEndpoint (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveEndpointRejectsNonURL(t *testing.T) {
	for _, u := range []string{"localhost:4566", "ftp://x", "http://"} {
		t.Run(u, func(t *testing.T) {
			e := &Engine{EndpointURL: u}
			if _, err := e.resolveEndpoint(nil); err == nil {
				t.Fatalf("endpoint %q accepted", u)
			}
		})
	}
}

func TestDefaultSessionName(t *testing.T) {
	now := time.Unix(1767225600, 0)
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"user", map[string]string{"USER": "alice"}, "switcher-alice-1767225600"},
		{"windows", map[string]string{"USERNAME": "Bob Smith"}, "switcher-Bob-Smith-1767225600"},
		{"none", nil, "switcher-user-1767225600"},
		{"only unsafe", map[string]string{"USER": "ü ü"}, "switcher-user-1767225600"},
		{"email kept", map[string]string{"USER": "a.b@example.com"}, "switcher-a.b@example.com-1767225600"},
		{"long", map[string]string{"USER": strings.Repeat("x", 80)}, "switcher-" + strings.Repeat("x", 44) + "-1767225600"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DefaultSessionName(mapEnv(tt.env), now)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DefaultSessionName (-want +got):\n%s", diff)
			}
			if len(got) < 2 || len(got) > 64 {
				t.Errorf("length %d outside 2–64", len(got))
			}
		})
	}
}
