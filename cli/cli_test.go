package cli

import (
	"context"
	"strings"
	"testing"
)

func TestHomeFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want string
		err  bool
	}{
		{"unix HOME", "linux", map[string]string{"HOME": "/home/a", "USERPROFILE": `C:\Users\a`}, "/home/a", false},
		{"unix falls back to USERPROFILE", "linux", map[string]string{"USERPROFILE": "/u"}, "/u", false},
		{"windows USERPROFILE first", "windows", map[string]string{"HOME": "/c/Users/a", "USERPROFILE": `C:\Users\a`}, `C:\Users\a`, false},
		{"windows falls back to HOME", "windows", map[string]string{"HOME": `C:\h`}, `C:\h`, false},
		{"neither", "linux", map[string]string{}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := homeFromEnv(tt.goos, env(tt.env))
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("homeFromEnv(%s) = %q, %v; want %q, error %t", tt.goos, got, err, tt.want, tt.err)
			}
		})
	}
}

func TestUnknownCommandIsUsage(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"nosuch"}, strings.NewReader(""), &stdout, &stderr,
		func(k string) string { return map[string]string{"HOME": t.TempDir()}[k] })
	if code != exitUsage || stdout.Len() != 0 || !strings.Contains(stderr.String(), `unknown command "nosuch"`) {
		t.Errorf("switcher nosuch: exit %d, stdout %q, stderr %q; want exit 2 with the error on stderr", code, stdout.String(), stderr.String())
	}
}
