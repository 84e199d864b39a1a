//go:build !unix

package main

// keyboardSignalsReachChild: on Windows a console Ctrl-C reaches every
// process attached to the console, the child included.
func keyboardSignalsReachChild() bool { return true }
