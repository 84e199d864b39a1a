//go:build windows

package creds

import "os"

// defaultTerminalName names the device the MFA prompt uses by default.
const defaultTerminalName = "the console (CONIN$/CONOUT$)"

// openDefaultTerminal opens the process's console: CONIN$ to read the code
// (with echo turned off by term.ReadPassword) and CONOUT$ to write the
// prompt, which work while stdout and stderr are redirected, as /dev/tty
// does on Unix.
func openDefaultTerminal() (in, out *os.File, err error) {
	in, err = os.OpenFile("CONIN$", os.O_RDWR, 0)
	if err != nil {
		return nil, nil, err
	}
	out, err = os.OpenFile("CONOUT$", os.O_WRONLY, 0)
	if err != nil {
		in.Close()
		return nil, nil, err
	}
	return in, out, nil
}
