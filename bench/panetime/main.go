// Command panetime times what a person waits for in a terminal: from the
// moment tmux is asked to start a command in a pane to the moment the
// pane has shown a given text. It drives tmux in control mode (tmux -C),
// which reports every byte a pane's program writes as it arrives, so the
// clock stops when the text reaches the terminal, not at the next poll.
//
//	panetime -goal "picker, 10,000 profiles" -w 200 -h 50 -target-ms 100 \
//	  -a "switcher (picker)" -acmd "switcher --config c" -amark "team0001-prod" \
//	  -b "grep | head (floor)" -bcmd "grep -m 45 profile c" -bmark "team0045"
//
// A and B run alternately in one pane of the given size; the row printed is
// the median of each, the median of the paired differences A-B and whether
// that is within -target-ms. With -keys, after A's first frame the keys are
// typed (tmux send-keys -l) and the time until -keysmark is on the screen
// (polled with capture-pane) is reported too. A command that exits right
// after writing can lose its last output in tmux: keep it alive (exec
// sleep 60; the next run kills it). A mark is matched against the pane's output with escape sequences
// and blanks removed (a renderer may move the cursor over blanks), and,
// whenever the output pauses, against the pane's screen (a renderer that
// redraws only changed cells may never write the mark out whole); after
// the last run the pane's screen is checked for it.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

type side struct {
	label, cmd, mark string
	wall             []time.Duration
}

func main() {
	var (
		goal     = flag.String("goal", "", "goal label (first column)")
		header   = flag.Bool("header", false, "print the table header and exit")
		runs     = flag.Int("runs", 20, "timed runs of each command")
		warmup   = flag.Int("warmup", 2, "untimed runs of each command first")
		width    = flag.Int("w", 80, "pane width")
		height   = flag.Int("h", 24, "pane height")
		targetMS = flag.Float64("target-ms", 0, "pass when the median of A-B is at most this many ms (0: no target)")
		keys     = flag.String("keys", "", "typed into A's pane after its first frame")
		keysMark = flag.String("keysmark", "", "the text that shows the keys took effect")
		keysWait = flag.Duration("keysafter", 0, "how long after the first frame the keys are typed")
		timeout  = flag.Duration("timeout", 30*time.Second, "longest wait for a mark")
		a, b     side
	)
	flag.StringVar(&a.label, "a", "A", "label of A")
	flag.StringVar(&a.cmd, "acmd", "", "command A (a shell command line)")
	flag.StringVar(&a.mark, "amark", "", "text that ends A's run")
	flag.StringVar(&b.label, "b", "B", "label of B")
	flag.StringVar(&b.cmd, "bcmd", "", "command B")
	flag.StringVar(&b.mark, "bmark", "", "text that ends B's run")
	flag.Parse()
	if *header {
		fmt.Println("| goal | pane | A | B | A median | B median | A-B median | target | met |")
		fmt.Println("| --- | --- | --- | --- | ---: | ---: | ---: | --- | --- |")
		return
	}
	if a.cmd == "" || a.mark == "" || (b.cmd != "") != (b.mark != "") || (*keys != "") != (*keysMark != "") {
		fmt.Fprintln(os.Stderr, "panetime: -acmd and -amark are required; -bcmd needs -bmark, -keys needs -keysmark")
		os.Exit(2)
	}
	t, err := startTmux(*width, *height, *timeout)
	if err != nil {
		fmt.Fprintf(os.Stderr, "panetime: %v\n", err)
		os.Exit(1)
	}
	defer t.close()
	t.keysAfter = *keysWait
	typed, err := t.alternate(&a, &b, *keys, *keysMark, *warmup, *runs)
	if err != nil {
		fmt.Fprintf(os.Stderr, "panetime: %v\n", err)
		t.dump()
		t.close()
		os.Exit(1) //nolint:gocritic // t is closed above
	}
	if err := t.checkScreen(a.cmd, a.mark); err != nil {
		fmt.Fprintf(os.Stderr, "panetime: %v\n", err)
		os.Exit(1)
	}
	report(*goal, fmt.Sprintf("%dx%d", *width, *height), &a, &b, *targetMS)
	if len(typed) > 0 {
		fmt.Printf("| %s: typing %q %s after the first frame, until %q shows | %dx%d | %s | | %s | | | | |\n",
			*goal, *keys, *keysWait, *keysMark, *width, *height, a.label, ms(median(typed)))
	}
}

// alternate runs a and b (when b has a command) in turn, A B then B A,
// recording their times after the warm-up runs, and a's typing times.
func (t *tmux) alternate(a, b *side, keys, keysMark string, warmup, runs int) ([]time.Duration, error) {
	sides := []*side{a}
	if b.cmd != "" {
		sides = append(sides, b)
	}
	var typed []time.Duration
	for i := range warmup + runs {
		order := sides
		if i%2 == 1 {
			order = []*side{sides[len(sides)-1], sides[0]}[:len(sides)]
		}
		for _, s := range order {
			k, km := "", ""
			if s == a {
				k, km = keys, keysMark
			}
			d, kd, err := t.run(s.cmd, s.mark, k, km)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", s.label, err)
			}
			if i < warmup {
				continue
			}
			s.wall = append(s.wall, d)
			if k != "" {
				typed = append(typed, kd)
			}
		}
	}
	return typed, nil
}

func report(goal, pane string, a, b *side, targetMS float64) {
	am := median(a.wall)
	row := []string{goal, pane, a.label, b.label, ms(am), "", "", "", ""}
	if len(b.wall) > 0 {
		diffs := make([]time.Duration, len(a.wall))
		for i := range a.wall {
			diffs[i] = a.wall[i] - b.wall[i]
		}
		d := median(diffs)
		row[5], row[6] = ms(median(b.wall)), ms(d)
		if targetMS > 0 {
			row[7] = fmt.Sprintf("≤ %g ms over B", targetMS)
			row[8] = "no"
			if float64(d)/float64(time.Millisecond) <= targetMS {
				row[8] = "yes"
			}
		}
	}
	fmt.Println("| " + strings.Join(row, " | ") + " |")
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}

// tmux is one control-mode client of a private tmux server.
type tmux struct {
	cmd     *exec.Cmd
	in      io.WriteCloser
	lines   chan string
	socket  string
	timeout time.Duration
	last    string // the pane's recent output, for dump
	// early is pane output that came while a command's reply was awaited:
	// a fast program can write before tmux's reply to respawn-pane.
	early []string
	// keysAfter is the pause between the first frame and the typing.
	keysAfter time.Duration
}

func startTmux(w, h int, timeout time.Duration) (*tmux, error) {
	sock := fmt.Sprintf("panetime-%d", os.Getpid())
	c := exec.CommandContext(context.Background(), "tmux", "-L", sock, "-f", "/dev/null", "-C", "new-session", "-x", strconv.Itoa(w), "-y", strconv.Itoa(h), "cat")
	c.Env = append(os.Environ(), "TERM=xterm-256color")
	in, err := c.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	c.Stderr = os.Stderr
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("tmux: %w", err)
	}
	t := &tmux{cmd: c, in: in, lines: make(chan string, 4096), socket: sock, timeout: timeout}
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		debug := os.Getenv("PANETIME_DEBUG") != ""
		for sc.Scan() {
			if debug {
				fmt.Fprintf(os.Stderr, "%s %.200q\n", time.Now().Format("15:04:05.000"), sc.Text())
			}
			t.lines <- sc.Text()
		}
		close(t.lines)
	}()
	// new-session's own reply comes first.
	if _, err := t.reply(); err != nil {
		t.close()
		return nil, fmt.Errorf("tmux new-session: %w", err)
	}
	for _, setup := range []string{
		"set-option -g remain-on-exit on",
		"set-option -g default-terminal tmux-256color",
		fmt.Sprintf("refresh-client -C %dx%d", w, h),
		fmt.Sprintf("resize-window -x %d -y %d", w, h),
	} {
		if _, err := t.command(setup); err != nil {
			t.close()
			return nil, fmt.Errorf("tmux %s: %w", setup, err)
		}
	}
	size, err := t.command("display-message -p '#{pane_width}x#{pane_height}'")
	if err != nil || strings.TrimSpace(size) != fmt.Sprintf("%dx%d", w, h) {
		t.close()
		return nil, fmt.Errorf("the pane is %q, not %dx%d (%w)", size, w, h, err)
	}
	return t, nil
}

// command sends one tmux command and returns its reply (between %begin
// and %end), skipping notifications.
func (t *tmux) command(c string) (string, error) {
	if os.Getenv("PANETIME_DEBUG") != "" {
		fmt.Fprintf(os.Stderr, "%s > %s\n", time.Now().Format("15:04:05.000"), c)
	}
	if _, err := io.WriteString(t.in, c+"\n"); err != nil {
		return "", err
	}
	return t.reply()
}

func (t *tmux) reply() (string, error) {
	var out []string
	in := false
	deadline := time.After(t.timeout)
	for {
		select {
		case l, ok := <-t.lines:
			if !ok {
				return "", errors.New("tmux exited")
			}
			switch {
			case strings.HasPrefix(l, "%begin"):
				in = true
			case strings.HasPrefix(l, "%end") && in:
				return strings.Join(out, "\n"), nil
			case strings.HasPrefix(l, "%error") && in:
				return "", errors.New(strings.Join(out, "\n"))
			case in:
				out = append(out, l)
			case strings.HasPrefix(l, "%output "):
				t.early = append(t.early, l)
			}
		case <-deadline:
			return "", errors.New("no reply from tmux")
		}
	}
}

// run starts cmd in the pane and returns the time until mark shows; with
// keys, it then types them and returns the time until keysMark shows. The
// program is stopped before it returns.
func (t *tmux) run(cmd, mark, keys, keysMark string) (first, typed time.Duration, err error) {
	first, err = t.start(cmd, mark)
	if err == nil && keys != "" {
		time.Sleep(t.keysAfter)
		start := time.Now()
		if _, err = t.command("send-keys -t %0 -l " + quote(keys)); err == nil {
			typed, err = t.waitScreen(keysMark, start)
		}
	}
	// Stop it (a picker keeps running) before the next run starts.
	if _, kerr := t.command("respawn-pane -k -t %0 cat"); kerr != nil && err == nil {
		err = kerr
	}
	return first, typed, err
}

func (t *tmux) start(cmd, mark string) (time.Duration, error) {
	t.early = nil // the output of what ran before
	start := time.Now()
	if _, err := t.command("respawn-pane -k -t %0 " + quote(cmd)); err != nil {
		return 0, err
	}
	return t.waitFor(mark, start)
}

// waitFor reads the pane's output until mark shows in it.
func (t *tmux) waitFor(mark string, start time.Time) (time.Duration, error) {
	var seen strings.Builder
	deadline := time.After(t.timeout)
	for {
		l, err := t.nextLine(deadline)
		if err != nil {
			t.last = seen.String()
			return 0, fmt.Errorf("%q did not show: %w", mark, err)
		}
		data, ok := strings.CutPrefix(l, "%output %0 ")
		if !ok {
			continue
		}
		seen.WriteString(stripEscapes(unescape(data)))
		if strings.Contains(noBlanks(seen.String()), noBlanks(mark)) {
			t.last = seen.String()
			return time.Since(start), nil
		}
		// A renderer redraws only the cells that change: a count going
		// from 256/10000 to 10000/10000 writes "10000" alone. Once the
		// output pauses, ask tmux for the screen; the time is taken after
		// its answer (an upper bound, by one control round trip).
		if len(t.early) == 0 && len(t.lines) == 0 {
			onScreen, err := t.onScreen(mark)
			if err != nil || onScreen {
				return time.Since(start), err
			}
		}
	}
}

// nextLine is the next line from tmux: one a reply put aside first.
func (t *tmux) nextLine(deadline <-chan time.Time) (string, error) {
	if len(t.early) > 0 {
		l := t.early[0]
		t.early = t.early[1:]
		return l, nil
	}
	select {
	case l, ok := <-t.lines:
		if !ok {
			return "", errors.New("tmux exited")
		}
		return l, nil
	case <-deadline:
		return "", fmt.Errorf("not within %s", t.timeout)
	}
}

// onScreen reports whether mark is on the pane's screen now.
func (t *tmux) onScreen(mark string) (bool, error) {
	screen, err := t.command("capture-pane -p -t %0")
	if err != nil {
		return false, err
	}
	if strings.Contains(noBlanks(screen), noBlanks(mark)) {
		t.last = screen
		return true, nil
	}
	return false, nil
}

// waitScreen polls the pane's screen (capture-pane, a round trip of the
// control connection, no process) until mark is on it. A renderer redraws
// only the cells that change, so what the output stream carries after a
// keystroke need not spell the mark out; the screen does.
func (t *tmux) waitScreen(mark string, start time.Time) (time.Duration, error) {
	want := noBlanks(mark)
	for time.Since(start) < t.timeout {
		screen, err := t.command("capture-pane -p -t %0")
		if err != nil {
			return 0, err
		}
		if strings.Contains(noBlanks(screen), want) {
			return time.Since(start), nil
		}
		t.last = screen
		time.Sleep(500 * time.Microsecond)
	}
	return 0, fmt.Errorf("%q was not on the screen within %s", mark, t.timeout)
}

// checkScreen makes sure the mark is really on the screen, not only
// somewhere in the output stream: it runs cmd once more and asks tmux for
// the pane's contents.
func (t *tmux) checkScreen(cmd, mark string) error {
	if _, err := t.start(cmd, mark); err != nil {
		return err
	}
	time.Sleep(200 * time.Millisecond) // let the frame finish drawing
	screen, err := t.command("capture-pane -p -t %0")
	if err == nil && !strings.Contains(noBlanks(screen), noBlanks(mark)) {
		err = fmt.Errorf("%q was in the output but is not on the screen:\n%s", mark, screen)
	}
	if _, kerr := t.command("respawn-pane -k -t %0 cat"); kerr != nil && err == nil {
		err = kerr
	}
	return err
}

func (t *tmux) dump() {
	fmt.Fprintf(os.Stderr, "panetime: the pane showed:\n%s\n", t.last)
}

func (t *tmux) close() {
	_, _ = io.WriteString(t.in, "kill-server\n")
	_ = t.in.Close()
	done := make(chan struct{})
	go func() { _ = t.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = t.cmd.Process.Kill()
	}
}

// quote is cmd as one tmux argument.
func quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// unescape undoes control mode's octal escapes (\ooo for bytes below 32
// and the backslash).
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// stripEscapes removes terminal escape sequences and control characters,
// keeping the text: a cursor-forward (CSI n C) becomes n blanks and a
// repeat (CSI n b) repeats the character before it, the two ways a
// renderer writes text without spelling it out.
func stripEscapes(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == 0x1b && i+1 < len(s) && s[i+1] == '[':
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			if j < len(s) {
				b = csi(b, s[i+2:j], s[j])
			}
			i = j
		case c == 0x1b && i+1 < len(s) && s[i+1] == ']':
			i = oscEnd(s, i+2)
		case c == 0x1b:
			i++
		case c < ' ' && c != '\n':
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// oscEnd is the index of the last byte of the OSC sequence whose body
// starts at i (it ends with BEL or ESC \).
func oscEnd(s string, i int) int {
	for ; i < len(s); i++ {
		if s[i] == 0x07 {
			return i
		}
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
			return i + 1
		}
	}
	return i
}

// csi applies the text-producing CSI sequences to b.
func csi(b []byte, params string, final byte) []byte {
	n, err := strconv.Atoi(params)
	if err != nil || n < 1 {
		n = 1
	}
	n = min(n, 1000)
	switch final {
	case 'C':
		b = append(b, strings.Repeat(" ", n)...)
	case 'b':
		if len(b) > 0 {
			// The character before: its last UTF-8 sequence.
			k := len(b) - 1
			for k > 0 && b[k]&0xc0 == 0x80 {
				k--
			}
			last := string(b[k:])
			b = append(b, strings.Repeat(last, n)...)
		}
	}
	return b
}

// noBlanks is s without spaces, for matching a mark however the renderer
// spaced it.
func noBlanks(s string) string { return strings.ReplaceAll(s, " ", "") }
