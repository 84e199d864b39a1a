package cli

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/switcher-cli/switcher/creds/stssim"
)

func TestConsolePrint(t *testing.T) {
	f := newSTSFixture(t)
	base := f.env["AWS_ENDPOINT_URL_STS"]
	r := f.run(t, "console", "prod", "--print", "--federation-endpoint", base+stssim.FederationPath, "--destination", base+stssim.ConsolePath)
	r.wantCode(t, exitOK)
	u, err := url.Parse(strings.TrimSpace(r.stdout))
	if err != nil || strings.Count(r.stdout, "\n") != 1 {
		t.Fatalf("stdout is not one URL: %q", r.stdout)
	}
	if q := u.Query(); q.Get("Action") != "login" || q.Get("SigninToken") == "" || q.Get("Destination") != base+stssim.ConsolePath {
		t.Errorf("login URL %s", u)
	}
	if strings.Contains(r.stderr, testSecret) {
		t.Errorf("stderr shows the secret: %s", r.stderr)
	}
}

func TestConsoleOpens(t *testing.T) {
	f := newSTSFixture(t)
	base := f.env["AWS_ENDPOINT_URL_STS"]
	tests := []struct {
		name    string
		profile string
		openErr error
		want    string // in the error; "" for success
	}{
		{"opens the browser", "prod", nil, ""},
		{"no browser", "prod", errors.New(`exec: "xdg-open": executable file not found in $PATH`), "use --print"},
		{"long-term keys cannot sign in", "dev", nil, "long-term keys cannot sign in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fac, stdout, _ := testFactory(f.env, nil)
			var opened []string
			opts := &ConsoleOptions{IO: fac.IO, Assume: fac.Assume, Client: http.DefaultClient, Profile: tt.profile,
				Federation: base + stssim.FederationPath,
				Open:       func(_ context.Context, u string) error { opened = append(opened, u); return tt.openErr },
			}
			err := consoleRun(context.Background(), opts)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(opened) != 1 || !strings.HasPrefix(opened[0], base+stssim.FederationPath+"?") {
					t.Errorf("opened %v", opened)
				}
				if stdout.Len() != 0 {
					t.Errorf("stdout %q, want nothing", stdout.String())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "SigninToken") {
				t.Errorf("the error shows the sign-in URL: %v", err)
			}
		})
	}
}
