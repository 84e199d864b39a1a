// Command hello is the floor of the process benchmarks: a static Go binary
// that prints one line, the least any Go command-line program costs.
package main

import "os"

func main() {
	_, _ = os.Stdout.WriteString("hello, world\n")
}
