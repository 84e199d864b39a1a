//go:build unix

package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// keyboardSignalsReachChild reports whether a Ctrl-C or Ctrl-\ typed on
// the terminal already reaches the child by itself: switcher's process
// group (which the child shares) is the terminal's foreground group, and
// the terminal sends those signals to the whole group.
func keyboardSignalsReachChild() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}
