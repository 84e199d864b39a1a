//go:build unix

package creds

import (
	"os"

	"golang.org/x/sys/unix"
)

// inForeground reports whether this process's group is the terminal's
// foreground group: a background process reading the terminal would be
// stopped (SIGTTIN) instead of asking.
func inForeground(tty *os.File) bool {
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == unix.Getpgrp()
}
