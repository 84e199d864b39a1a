//go:build unix

package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"
)

// startServe runs `switcher serve PROFILE --format json` and returns the
// variables it printed before closing stdout; the server is stopped (by
// SIGTERM, as Ctrl-C would) when the test ends.
func startServe(t *testing.T, h *home, profile string) map[string]string {
	t.Helper()
	cmd := exec.Command(h.s.bin, "--endpoint-url", h.s.moto.Endpoint, "serve", profile, "--format", "json")
	cmd.Env, cmd.Dir = h.env, h.dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve after SIGTERM: %v\n%s", err, stderr.String())
			}
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			t.Error("serve did not stop on SIGTERM")
		}
	})
	data, err := io.ReadAll(out) // until serve closes stdout
	if err != nil {
		t.Fatal(err)
	}
	var vars map[string]*string
	if err := json.Unmarshal(data, &vars); err != nil {
		t.Fatalf("serve printed %q: %v\nstderr:\n%s", data, err, stderr.String())
	}
	m := map[string]string{}
	for k, v := range vars {
		if v != nil {
			m[k] = *v
		}
	}
	if !strings.HasPrefix(m["AWS_CONTAINER_CREDENTIALS_FULL_URI"], "http://127.0.0.1:") || m["AWS_CONTAINER_AUTHORIZATION_TOKEN"] == "" {
		t.Fatalf("serve printed %v", m)
	}
	return m
}

// clients are the consumers, each a command that prints the caller ARN.
func clients(t *testing.T, s *suite) map[string][]string {
	t.Helper()
	py := fmt.Sprintf(`import boto3; print(boto3.client("sts", endpoint_url=%q, region_name="us-east-1").get_caller_identity()["Arn"])`, s.moto.Endpoint)
	return map[string][]string{
		"AWS CLI v2": {awsCLI, "--endpoint-url", s.moto.Endpoint, "sts", "get-caller-identity", "--query", "Arn", "--output", "text"},
		"boto3":      {"python3", "-c", py},
		"Go SDK":     {os.Args[0], "-test.run=^TestGoSDKClientHelper$"},
	}
}

// TestGoSDKClientHelper is the Go SDK client: the test binary run again,
// config.LoadDefaultConfig reading the container variables.
func TestGoSDKClientHelper(t *testing.T) {
	ep := os.Getenv("SWITCHER_TEST_STS_ENDPOINT")
	if ep == "" {
		t.Skip("the Go SDK client of the serve tests")
	}
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion("us-east-1"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	out, err := sts.NewFromConfig(cfg, func(o *sts.Options) { o.BaseEndpoint = aws.String(ep) }).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(4)
	}
	fmt.Println(aws.ToString(out.Arn))
	os.Exit(0)
}

// TestServeToRealClients: the AWS CLI v2, boto3 and the Go SDK each get
// the role's identity through `serve`, with no keys in their environment.
func TestServeToRealClients(t *testing.T) {
	s := need(t)
	h := newHome(t, s)
	vars := startServe(t, h, "deploy")
	env := []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=" + vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"],
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"],
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_CONFIG_FILE=/dev/null", // nothing else to find
		"SWITCHER_TEST_STS_ENDPOINT=" + s.moto.Endpoint, "AWS_REGION=us-east-1"}
	for name, argv := range clients(t, s) {
		t.Run(name, func(t *testing.T) {
			r := h.with(env...).run(argv[0], argv[1:]...).mustSucceed(t, name)
			if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(r.stdout)); diff != "" {
				t.Errorf("%s identity through serve (-want +got):\n%s\nstderr:\n%s", name, diff, r.stderr)
			}
		})
	}
}

// TestExecServerToRealClients: the same clients as the child of exec
// --server: only the URI and the token in their environment.
func TestExecServerToRealClients(t *testing.T) {
	s := need(t)
	h := newHome(t, s).with("SWITCHER_TEST_STS_ENDPOINT="+s.moto.Endpoint, "AWS_REGION=us-east-1")
	for name, argv := range clients(t, s) {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"exec", "--server", "deploy", "--", "env", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_CONFIG_FILE=/dev/null"}, argv...)
			r := h.switcher(args...).mustSucceed(t, "exec --server "+name)
			if diff := cmp.Diff(assumedARN("deploy", sessionName), strings.TrimSpace(r.stdout)); diff != "" {
				t.Errorf("%s identity through exec --server (-want +got):\n%s\nstderr:\n%s", name, diff, r.stderr)
			}
		})
	}
	r := h.switcher("exec", "--server", "deploy", "--", "sh", "-c", `env | grep -c '^AWS_\(ACCESS_KEY_ID\|SECRET_ACCESS_KEY\|SESSION_TOKEN\)=' || true`)
	if strings.TrimSpace(r.stdout) != "0" {
		t.Errorf("the child of exec --server has keys in its environment: %q", r.stdout)
	}
}
