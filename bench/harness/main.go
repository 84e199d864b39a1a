// Command harness times two commands side by side for bench/run: it runs
// them alternately (A B, then B A, ...) so that the machine's drift hits
// both alike, and prints one Markdown table row: the median wall time and
// peak RSS of each, the median of the paired ratios A/B, the target and
// whether it is met.
//
//	harness -goal "1. hit, small config" -target 2 \
//	  -a "credential-process hit" -acmd "switcher credential-process p" \
//	  -b "hello-world floor" -bcmd "hello"
//
// Commands are split on blanks and run without a shell, stdout and stderr
// to /dev/null; a failing run stops the harness with its stderr.
package main

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

type side struct {
	label string
	argv  []string
	clean string   // glob removed before each run ("" none)
	env   []string // extra environment of the command (K=V)
	wall  []time.Duration
	rss   []int64 // KiB
}

func main() {
	var (
		goal      = flag.String("goal", "", "goal label (first column)")
		header    = flag.Bool("header", false, "print the table header and exit")
		runs      = flag.Int("runs", 60, "timed runs of each command")
		warmup    = flag.Int("warmup", 5, "untimed runs of each command first")
		target    = flag.Float64("target", 0, "pass when the median paired ratio A/B is at most this (0: no ratio target)")
		rssTarget = flag.Float64("rss-target-mib", 0, "pass when A's median peak RSS is under this many MiB (0: none)")
		a, b      side
		acmd      = flag.String("acmd", "", "command A")
		bcmd      = flag.String("bcmd", "", "command B (empty: A alone)")
	)
	flag.StringVar(&a.label, "a", "A", "label of A")
	flag.StringVar(&b.label, "b", "B", "label of B")
	flag.StringVar(&a.clean, "aclean", "", "files (glob) removed before each run of A: a cold run")
	flag.StringVar(&b.clean, "bclean", "", "files (glob) removed before each run of B")
	aenv := flag.String("aenv", "", "extra environment of A: K=V,K=V")
	benv := flag.String("benv", "", "extra environment of B: K=V,K=V")
	flag.Parse()
	if *header {
		fmt.Println("| goal | A | B | A median | B median | A/B paired median | A peak RSS | target | met |")
		fmt.Println("| --- | --- | --- | ---: | ---: | ---: | ---: | --- | --- |")
		return
	}
	a.argv = strings.Fields(*acmd)
	b.argv = strings.Fields(*bcmd)
	if *aenv != "" {
		a.env = strings.Split(*aenv, ",")
	}
	if *benv != "" {
		b.env = strings.Split(*benv, ",")
	}
	if len(a.argv) == 0 || *runs < 1 {
		fmt.Fprintln(os.Stderr, "harness: -acmd and -runs >= 1 are required")
		os.Exit(2)
	}
	sides := []*side{&a}
	if len(b.argv) > 0 {
		sides = append(sides, &b)
	}
	if err := alternate(sides, *warmup, *runs); err != nil {
		fmt.Fprintf(os.Stderr, "harness: %v\n", err)
		os.Exit(1)
	}
	fmt.Println(tableRow(*goal, sides, *target, *rssTarget))
}

// alternate runs the sides in turn (A B, B A, ...), keeping the timed runs.
func alternate(sides []*side, warmup, runs int) error {
	for i := 0; i < warmup+runs; i++ {
		order := sides
		if i%2 == 1 {
			order = []*side{sides[len(sides)-1], sides[0]}
		}
		for _, s := range order {
			d, rss, err := s.once()
			if err != nil {
				return fmt.Errorf("%s: %w", s.label, err)
			}
			if i >= warmup {
				s.wall = append(s.wall, d)
				s.rss = append(s.rss, rss)
			}
		}
	}
	return nil
}

// tableRow is the result line: medians, the median paired ratio, A's peak
// RSS, and whether the targets are met.
func tableRow(goal string, sides []*side, target, rssTarget float64) string {
	a := sides[0]
	row := []string{goal, a.label, "-", ms(median(a.wall)), "-", "-", mib(median(a.rss))}
	ok := true
	ratio := 0.0
	if len(sides) == 2 {
		b := sides[1]
		ratios := make([]float64, len(a.wall))
		for i := range a.wall {
			ratios[i] = float64(a.wall[i]) / float64(b.wall[i])
		}
		ratio = median(ratios)
		row[2], row[4], row[5] = b.label, ms(median(b.wall)), fmt.Sprintf("%.2f×", ratio)
	}
	var targets []string
	if target > 0 {
		targets = append(targets, fmt.Sprintf("≤ %.1f×", target))
		ok = ok && ratio <= target
	}
	if rssTarget > 0 {
		targets = append(targets, fmt.Sprintf("RSS < %.0f MiB", rssTarget))
		ok = ok && float64(median(a.rss))/1024 < rssTarget
	}
	met := "yes"
	switch {
	case len(targets) == 0:
		met, targets = "-", []string{"-"}
	case !ok:
		met = "**no**"
	}
	row = append(row, strings.Join(targets, ", "), met)
	return "| " + strings.Join(row, " | ") + " |"
}

// once runs the command once and returns its wall time and peak RSS.
func (s *side) once() (time.Duration, int64, error) {
	if s.clean != "" {
		matches, _ := filepath.Glob(s.clean)
		for _, m := range matches {
			if err := os.Remove(m); err != nil && !errors.Is(err, os.ErrNotExist) {
				return 0, 0, err
			}
		}
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return 0, 0, err
	}
	defer null.Close()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(context.Background(), s.argv[0], s.argv[1:]...)
	cmd.Env = append(os.Environ(), s.env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = null, null, null
	start := time.Now()
	err = cmd.Run()
	d := time.Since(start)
	if err != nil {
		// Run it again to show why, with stderr captured.
		again := exec.CommandContext(context.Background(), s.argv[0], s.argv[1:]...)
		again.Env = cmd.Env
		again.Stdout, again.Stderr = null, &stderr
		_ = again.Run()
		return 0, 0, fmt.Errorf("%s: %w\n%s", strings.Join(s.argv, " "), err, stderr.String())
	}
	return d, peakRSSKiB(cmd.ProcessState), nil
}

// median is the middle value of xs (the upper one of an even count), 0 when empty.
func median[T cmp.Ordered](xs []T) T {
	if len(xs) == 0 {
		var zero T
		return zero
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }
