package creds

import (
	"bufio"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the master side of a new pseudo-terminal and the path of
// its slave, which TTYPrompter opens like /dev/tty.
func openPTY(t *testing.T) (*os.File, string) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { master.Close() })
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	return master, "/dev/pts/" + strconv.Itoa(n)
}

func TestTTYPrompterReadsTerminalWithoutEcho(t *testing.T) {
	master, slave := openPTY(t)
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		code, err := TTYPrompter{Path: slave}.MFACode(context.Background(), "prod", "arn:aws:iam::111111111111:mfa/dev")
		done <- result{code, err}
	}()
	r := bufio.NewReader(master)
	var prompt string
	for !strings.HasSuffix(prompt, "): ") {
		b, err := r.ReadByte()
		if err != nil {
			t.Fatalf("reading the prompt: %v (so far %q)", err, prompt)
		}
		prompt += string(b)
	}
	if !strings.Contains(prompt, "MFA code for prod (arn:aws:iam::111111111111:mfa/dev)") {
		t.Errorf("prompt = %q", prompt)
	}
	// The prompter turns echo off after writing the prompt; wait for that,
	// so the code is typed into a non-echoing terminal, as a person would.
	waitEchoOff(t, slave)
	if _, err := master.WriteString("123456\n"); err != nil {
		t.Fatal(err)
	}
	var got result
	select {
	case got = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the prompter did not return")
	}
	if got.err != nil || got.code != "123456" {
		t.Fatalf("MFACode = %q, %v; want 123456", got.code, got.err)
	}
	_ = master.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	rest, _ := r.ReadString(0)
	if strings.Contains(rest, "123456") {
		t.Errorf("the code was echoed on the terminal: %q", rest)
	}
}

func TestTTYPrompterCancelled(t *testing.T) {
	_, slave := openPTY(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := TTYPrompter{Path: slave}.MFACode(ctx, "prod", "serial")
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cancelled prompt did not return")
	}
}

func waitEchoOff(t *testing.T, slave string) {
	t.Helper()
	f, err := os.OpenFile(slave, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tio, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the prompter never turned echo off")
}
