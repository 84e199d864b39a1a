package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
)

// TestServe: serve prints the two variables (and unsets the keys), closes
// stdout, then answers the SDK's container provider with the role's
// session until interrupted.
func TestServe(t *testing.T) {
	f := newSTSFixture(t)
	outR, outW := io.Pipe()
	var stderr strings.Builder
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int, 1)
	go func() {
		d := testDeps(strings.NewReader(""), outW, &syncWriter{w: &stderr}, func(k string) string { return f.env[k] }, nil)
		done <- Run(ctx, []string{"serve", "prod", "--format", "json"}, d)
	}()
	out, err := io.ReadAll(bufio.NewReader(outR)) // EOF: serve closed stdout
	if err != nil {
		t.Fatal(err)
	}
	var vars map[string]*string
	if err := json.Unmarshal(out, &vars); err != nil {
		t.Fatalf("serve printed %q: %v", out, err)
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		if v, ok := vars[k]; !ok || v != nil {
			t.Errorf("%s: want it removed, got %v", k, v)
		}
	}
	uri, token := *vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"], *vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
	if !strings.HasPrefix(uri, "http://127.0.0.1:") || len(token) < 43 {
		t.Fatalf("uri %q, token of %d characters", uri, len(token))
	}
	c, err := endpointcreds.New(uri, func(o *endpointcreds.Options) { o.AuthorizationToken = token }).Retrieve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	f.wantIssuedFor(t, c.AccessKeyID, "prod")
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("serve exited %d after the interrupt; stderr %q", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after the interrupt")
	}
	if strings.Contains(stderr.String(), token) || strings.Contains(stderr.String(), c.SecretAccessKey) {
		t.Error("serve printed the token or a secret on stderr")
	}
}

func TestServeRefusals(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"not loopback", []string{"serve", "prod", "--addr", "0.0.0.0:0"}, "only listens on loopback"},
		{"a LAN address", []string{"serve", "prod", "--addr", "192.168.1.5:9911"}, "only listens on loopback"},
		{"too short to serve", []string{"serve", "prod", "--duration", "15m"}, "too short to serve"},
		{"an unknown profile", []string{"serve", "nope"}, `unknown profile "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newSTSFixture(t)
			r := f.run(t, tt.args...)
			if r.code != exitFailure || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 saying %q", r.code, r.stdout, r.stderr, tt.want)
			}
		})
	}
}

// TestExecServer: the child gets the server's variables and no keys.
func TestExecServer(t *testing.T) {
	f := newSTSFixture(t)
	r := f.run(t, "exec", "--server", "prod", "--", "sh", "-c",
		`test -z "$AWS_ACCESS_KEY_ID$AWS_SECRET_ACCESS_KEY$AWS_SESSION_TOKEN" || exit 7; printf '%s\n%s\n' "$AWS_CONTAINER_CREDENTIALS_FULL_URI" "$AWS_CONTAINER_AUTHORIZATION_TOKEN"`)
	r.wantCode(t, exitOK)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "http://127.0.0.1:") || len(lines[1]) < 43 {
		t.Errorf("the child saw %q", r.stdout)
	}
	if r := f.run(t, "exec", "--server", "prod", "--", "sh", "-c", "exit 4"); r.code != 4 {
		t.Errorf("exec --server exit %d, want the child's 4", r.code)
	}
}
