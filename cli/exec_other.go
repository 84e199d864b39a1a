//go:build !unix

package cli

// keyboardSignalsReachChild: on Windows a console Ctrl-C reaches every
// process attached to the console, the child included.
func keyboardSignalsReachChild() bool { return true }
