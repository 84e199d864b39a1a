package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// countdown formats time left for the dashboard: 1h02m03s, 58m12s, 42s,
// or "expired".
func countdown(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	s := int(d / time.Second)
	h, m, sec := s/3600, s/60%60, s%60
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, sec)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, sec)
	}
	return fmt.Sprintf("%ds", sec)
}

// short formats a duration compactly for columns: 11h, 1h02m, 58m, 42s.
func short(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	s := int(d / time.Second)
	h, m := s/3600, s/60%60
	switch {
	case h >= 10 || h > 0 && m == 0:
		return fmt.Sprintf("%dh", h)
	case h > 0:
		return fmt.Sprintf("%dh%02dm", h, m)
	case m > 0:
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%ds", s)
}

// seconds formats a planned duration: 1h, 2h, 90m, 12h.
func seconds(n int) string {
	if n == 0 {
		return "default"
	}
	return short(time.Duration(n) * time.Second)
}

// countdownStyle picks the colour for time left.
func (s Styles) countdownStyle(d time.Duration) lipgloss.Style {
	switch {
	case d < 5*time.Minute:
		return s.Urgent
	case d < 15*time.Minute:
		return s.Soon
	}
	return s.OK
}

// fit cuts every line of s to width cells and keeps at most height lines.
func fit(s string, width, height int) string {
	lines := strings.Split(s, "\n")
	if height > 0 && len(lines) > height {
		lines = lines[:height]
	}
	if width > 0 {
		for i, l := range lines {
			if ansi.StringWidth(l) > width {
				lines[i] = ansi.Truncate(l, width, "…")
			}
		}
	}
	return strings.Join(lines, "\n")
}

// cell pads or cuts plain text to exactly w cells.
func cell(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := ansi.StringWidth(s)
	if n > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-n)
}

// wrap breaks plain text to width for error explanations.
func wrap(s string, width int) string {
	if width < 20 {
		width = 20
	}
	return lipgloss.Wrap(s, width, " ")
}

// hang wraps plain text to width with first before the first line and
// rest before the others.
func hang(s string, width int, first, rest string) string {
	lines := strings.Split(wrap(s, width-len(rest)), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = first + lines[i]
		} else {
			lines[i] = rest + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
