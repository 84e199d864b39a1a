//go:build !windows

package creds

import "os"

// defaultTerminalName names the device the MFA prompt uses by default.
const defaultTerminalName = "/dev/tty"

// openDefaultTerminal opens the controlling terminal for reading and
// writing, so the prompt works while stdout and stderr are captured.
func openDefaultTerminal() (in, out *os.File, err error) {
	f, err := os.OpenFile(defaultTerminalName, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	return f, f, nil
}
