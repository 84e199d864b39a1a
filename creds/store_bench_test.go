package creds

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/switcher-cli/switcher/creds/stssim"
	"github.com/switcher-cli/switcher/profiles"
)

// BenchmarkCacheGet is one role-session lookup: a hit (an entry the size of a
// session) and a miss.
func BenchmarkCacheGet(b *testing.B) {
	c := &Store{Dir: b.TempDir(), Now: time.Now}
	s := Session{Profile: "prod", Credentials: Credentials{
		AccessKeyID: "ASIAFAKE000000000001", SecretAccessKey: strings.Repeat("s", 40),
		SessionToken: strings.Repeat("t", 400), Expiration: time.Now().Add(time.Hour),
	}}
	hit, miss := Key("hit"), Key("miss")
	if err := c.putRoleSession(hit, &s); err != nil {
		b.Fatal(err)
	}
	for _, tt := range []struct {
		name, key string
		want      bool
	}{{"hit", hit, true}, {"miss", miss, false}} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := c.roleSession(tt.key); ok != tt.want {
					b.Fatalf("roleSession: %t", ok)
				}
			}
		})
	}
}

// BenchmarkAssumeCached is Engine.Assume answered from the cache (plan,
// cache key, lookup) for a two-hop chain in a 10,000-profile config, and
// CachedTimeLeft, which `list` asks for each profile with a session.
func BenchmarkAssumeCached(b *testing.B) {
	sim := stssim.New()
	if err := sim.AddUser(stssim.User{Name: "dev", AccessKeyID: "AKIAFAKE000000000001", SecretAccessKey: "fake"}); err != nil {
		b.Fatal(err)
	}
	for _, r := range []string{"hub", "target"} {
		if err := sim.AddRole(stssim.Role{ARN: "arn:aws:iam::123456789012:role/" + r, Trust: []string{"*"}}); err != nil {
			b.Fatal(err)
		}
	}
	srv := httptest.NewServer(sim)
	b.Cleanup(srv.Close)
	var cfg strings.Builder
	for i := range 10000 {
		cfg.WriteString("[profile filler-")
		cfg.WriteString(strings.Repeat("x", i%7))
		cfg.WriteString(string(rune('a' + i%26)))
		cfg.WriteString(strings.Repeat("0", 1+i%3))
		cfg.WriteString("]\nregion = eu-west-1\n")
	}
	cfg.WriteString("[profile dev]\nregion = eu-west-1\n" +
		"[profile hub]\nrole_arn = arn:aws:iam::123456789012:role/hub\nsource_profile = dev\n" +
		"[profile target]\nrole_arn = arn:aws:iam::123456789012:role/target\nsource_profile = hub\n")
	conf, err := profiles.Load("config", []byte(cfg.String()), "credentials",
		[]byte("[dev]\naws_access_key_id = AKIAFAKE000000000001\naws_secret_access_key = fake\n"))
	if err != nil {
		b.Fatal(err)
	}
	e := &Engine{Config: conf, Store: &Store{Dir: b.TempDir(), Now: time.Now}, Now: time.Now,
		Getenv: func(string) string { return "" }, EndpointURL: srv.URL, Region: "us-east-1"}
	ctx := context.Background()
	if _, err := e.Assume(ctx, "target", Options{}); err != nil {
		b.Fatal(err)
	}
	b.Run("Assume", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s, err := e.Assume(ctx, "target", Options{})
			if err != nil || !s.FromCache {
				b.Fatalf("Assume: from cache %t, %v", s != nil && s.FromCache, err)
			}
		}
	})
	b.Run("CachedTimeLeft", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := e.CachedTimeLeft("target"); !ok {
				b.Fatal("no cached session")
			}
		}
	})
	if n := sim.Calls("AssumeRole"); n != 2 {
		b.Fatalf("%d AssumeRole calls, want 2 (one per hop, then none)", n)
	}
}
