package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// manyRows is a 10,000-profile config's rows.
func manyRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		acct := fmt.Sprintf("%012d", 100000000000+i%400)
		rows[i] = Row{
			Name:    fmt.Sprintf("team%03d-%s-%d", i%97, []string{"dev", "staging", "prod", "sandbox"}[i%4], i),
			Account: acct, Role: []string{"admin", "readonly", "deployer"}[i%3], Region: "eu-west-1",
			IsRole: i%10 != 0,
		}
		if i%5 == 0 {
			rows[i].MFASerial = "arn:aws:iam::100000000000:mfa/alice"
		}
	}
	return rows
}

func benchModel(b *testing.B) Model {
	b.Helper()
	m := New(Options{Backend: newFake(), Now: func() time.Time { return t0 }})
	return m
}

// BenchmarkFirstFrame: the rows arrive and the first frame is drawn.
func BenchmarkFirstFrame10k(b *testing.B) {
	rows := manyRows(10000)
	hist := map[string]Usage{"team001-prod-9": {Count: 3, Last: t0}}
	m := benchModel(b)
	b.ResetTimer()
	for b.Loop() {
		next, _ := m.Update(rowsMsg{rows: append([]Row(nil), rows...), hist: hist})
		_ = next.View()
	}
}

// BenchmarkFilterKeystroke: one more character typed into the filter over
// 10,000 rows, and the frame drawn.
func BenchmarkFilterKeystroke10k(b *testing.B) {
	for _, typed := range []string{"", "te", "prod9"} {
		b.Run(fmt.Sprintf("after %q", typed), func(b *testing.B) {
			m := benchModel(b)
			next, _ := m.Update(rowsMsg{rows: manyRows(10000)})
			for _, k := range keys(typed) {
				next, _ = next.Update(k)
			}
			key := tea.KeyPressMsg{Code: 'a', Text: "a"}
			b.ResetTimer()
			for b.Loop() {
				after, _ := next.Update(key)
				_ = after.View()
			}
		})
	}
}
