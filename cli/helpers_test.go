package cli

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// errNoTestTTY: the tests draw on no terminal unless they give one.
var errNoTestTTY = errors.New("no terminal in tests")

func noTTY() (*os.File, *os.File, error) { return nil, nil, errNoTestTTY }

// testDeps are Deps for an in-process run: the given streams and
// environment, the real clock (or now), no terminal, the test process's
// environment for exec's children.
func testDeps(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, now func() time.Time) Deps {
	if now == nil {
		now = time.Now
	}
	return Deps{Stdin: stdin, Stdout: stdout, Stderr: stderr, Getenv: getenv, Environ: os.Environ, Now: now, OpenTTY: noTTY,
		OpenURL: func(context.Context, string) error { return errors.New("no browser in the tests") },
		Build:   Build{Version: "dev", Commit: "none", Date: "unknown"}, KeyringWorkFactor: 10}
}

// run is Run with the given streams and environment and the real clock.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	return Run(ctx, args, testDeps(stdin, stdout, stderr, getenv, nil))
}

// testFactory is a Factory on env (the whole environment) and now, writing
// to buffers.
func testFactory(env map[string]string, now func() time.Time) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	var stdout, stderr bytes.Buffer
	f := newFactory(testDeps(strings.NewReader(""), &stdout, &stderr, func(k string) string { return env[k] }, now))
	return f, &stdout, &stderr
}

// syncWriter serialises writes to w (a command's stderr read by the test).
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
