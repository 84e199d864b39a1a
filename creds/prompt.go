package creds

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
)

// Prompter asks for an MFA code. An implementation that cannot ask (no
// terminal, no command) returns an error wrapping ErrNoMFAPrompt, so a
// ChainPrompter moves on to the next one.
type Prompter interface {
	MFACode(ctx context.Context, profile, serial string) (string, error)
}

// PrompterFunc adapts a function to a Prompter.
type PrompterFunc func(ctx context.Context, profile, serial string) (string, error)

// MFACode calls f.
func (f PrompterFunc) MFACode(ctx context.Context, profile, serial string) (string, error) {
	return f(ctx, profile, serial)
}

// ChainPrompter tries each prompter in order and returns the first code.
// A prompter failing with ErrNoMFAPrompt passes to the next; any other
// error stops the chain.
type ChainPrompter []Prompter

// MFACode asks each prompter in turn.
func (c ChainPrompter) MFACode(ctx context.Context, profile, serial string) (string, error) {
	for _, p := range c {
		if p == nil {
			continue
		}
		code, err := p.MFACode(ctx, profile, serial)
		if errors.Is(err, ErrNoMFAPrompt) {
			continue
		}
		return code, err
	}
	return "", ErrNoMFAPrompt
}

// DefaultMFAProcessTimeout bounds an mfa_process command.
const DefaultMFAProcessTimeout = time.Minute

// ProcessPrompter runs the mfa_process command of a profile and reads the
// code from its stdout (surrounding white space trimmed).
//
// The command runs the way switcher runs credential_process (through the
// SDK's processcreds): with `sh -c` on Unix and `cmd.exe /C` on Windows, so
// quoting, $VARS and pipes behave as in a shell. Note that the AWS CLI
// splits credential_process itself and runs it without a shell; a command
// that works there works here. stdin is empty (the command must not wait on
// it; use /dev/tty to ask a person), stderr is kept for the error message.
type ProcessPrompter struct {
	Command string
	Timeout time.Duration // 0: DefaultMFAProcessTimeout
}

// MFACode runs the command. An empty Command means "not configured" and
// returns ErrNoMFAPrompt.
func (p ProcessPrompter) MFACode(ctx context.Context, profile, serial string) (string, error) {
	if strings.TrimSpace(p.Command) == "" {
		return "", ErrNoMFAPrompt
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = DefaultMFAProcessTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var cmd *exec.Cmd
	line := commandLine(p.Command)
	if runtime.GOOS == "windows" {
		cmd = exec.CommandContext(ctx, "cmd.exe", "/C", line)
	} else {
		cmd = exec.CommandContext(ctx, "sh", "-c", line)
	}
	cmd.WaitDelay = 200 * time.Millisecond // a grandchild keeping stdout open
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 512}
	cmd.Stdout, cmd.Stderr = &stdout, stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() == context.DeadlineExceeded {
			return "", fmt.Errorf("profile %s: mfa_process did not print a code within %s", profile, timeout)
		}
		msg := lastLine(stderr.String())
		if msg != "" {
			msg = ": " + msg
		}
		return "", fmt.Errorf("profile %s: mfa_process failed: %w%s", profile, err, msg)
	}
	code := strings.TrimSpace(stdout.String())
	if err := ValidateMFACode(code); err != nil {
		return "", fmt.Errorf("profile %s: mfa_process printed something that is not a 6-digit code: %w", profile, err)
	}
	return code, nil
}

// tailBuffer keeps the last max bytes written.
type tailBuffer struct {
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = t.buf[len(t.buf)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// TTYPrompter asks on the controlling terminal (/dev/tty; the console's
// CONIN$ and CONOUT$ on Windows), so it works while stdout and stderr are
// captured (eval "$(switcher export p)", credential_process under the AWS
// CLI). Input is not echoed when the device is a terminal.
type TTYPrompter struct {
	// Path is the terminal device; "" means the platform's own.
	Path string
	// ForegroundOnly asks only while the process is in the terminal's
	// foreground (a credential server running in the background must not
	// be stopped by SIGTTIN): otherwise there is no terminal to ask on.
	ForegroundOnly bool
}

// open returns the device to read the code from and the one to write the
// prompt to (the same file on Unix), and a function closing them.
func (p TTYPrompter) open() (in, out *os.File, name string, closeAll func(), err error) {
	if p.Path != "" {
		f, err := os.OpenFile(p.Path, os.O_RDWR, 0)
		if err != nil {
			return nil, nil, p.Path, nil, err
		}
		return f, f, p.Path, func() { f.Close() }, nil
	}
	in, out, err = openDefaultTerminal()
	if err != nil {
		return nil, nil, defaultTerminalName, nil, err
	}
	return in, out, defaultTerminalName, func() {
		in.Close()
		if out != in {
			out.Close()
		}
	}, nil
}

// MFACode opens the terminal, writes the prompt there and reads one line.
// No terminal (no controlling tty, e.g. under cron or CI) returns an error
// wrapping ErrNoMFAPrompt.
func (p TTYPrompter) MFACode(ctx context.Context, profile, serial string) (string, error) {
	code, err := p.Line(ctx, fmt.Sprintf("MFA code for %s (%s): ", profile, serial), false)
	switch {
	case errors.Is(err, ErrNoTerminal):
		return "", fmt.Errorf("%w: %w", ErrNoMFAPrompt, err)
	case err != nil && ctx.Err() == nil:
		return "", fmt.Errorf("profile %s: reading the mfa code: %w", profile, err)
	}
	return code, err
}

// ErrNoTerminal: there is no terminal to ask on.
var ErrNoTerminal = errors.New("no terminal to ask on")

// Line writes prompt on the terminal and reads one line from it, trimmed;
// with echo false (a secret) the input is not shown. No terminal returns an
// error wrapping ErrNoTerminal; ctx ending stops the wait.
func (p TTYPrompter) Line(ctx context.Context, prompt string, echo bool) (string, error) {
	in, out, path, closeAll, err := p.open()
	if err != nil {
		return "", fmt.Errorf("%w: cannot open %s: %w", ErrNoTerminal, path, err)
	}
	defer closeAll()
	if p.ForegroundOnly && !inForeground(in) {
		return "", fmt.Errorf("%w: running in the background of %s", ErrNoTerminal, path)
	}
	if _, err := io.WriteString(out, prompt); err != nil {
		return "", fmt.Errorf("%w: cannot write to %s: %w", ErrNoTerminal, path, err)
	}
	type result struct {
		line string
		err  error
	}
	done := make(chan result, 1)
	fd := in.Fd()
	isTerm := term.IsTerminal(fd)
	var state *term.State
	if isTerm {
		state, _ = term.GetState(fd)
	}
	go func() {
		var line string
		var err error
		if isTerm && !echo {
			var b []byte
			b, err = term.ReadPassword(fd)
			line = string(b)
			fmt.Fprintln(out)
		} else {
			line, err = bufio.NewReader(in).ReadString('\n')
			if errors.Is(err, io.EOF) && line != "" {
				err = nil
			}
		}
		done <- result{strings.TrimSpace(line), err}
	}()
	select {
	case r := <-done:
		if r.err != nil {
			return "", fmt.Errorf("reading from %s: %w", path, r.err)
		}
		return r.line, nil
	case <-ctx.Done():
		if state != nil {
			_ = term.Restore(fd, state) // echo back on
		}
		fmt.Fprintln(out)
		return "", ctx.Err()
	}
}

// NoMFAPromptError says a code is needed and how to provide one.
type NoMFAPromptError struct {
	Profile string
	Serial  string
}

func (e *NoMFAPromptError) Error() string {
	return fmt.Sprintf("profile %s needs an mfa code for %s and there is no terminal to ask on: "+
		"run `switcher export %s --mfa-code 123456` (your current code) or `switcher` in a terminal once; "+
		"the mfa session is then cached and shared; or set mfa_process to a command that prints a code",
		e.Profile, e.Serial, e.Profile)
}

func (e *NoMFAPromptError) Is(target error) bool { return target == ErrNoMFAPrompt }
