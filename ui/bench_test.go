package ui

import (
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

// manyRows is an n-profile config's rows.
func manyRows(n int) []Row {
	rows := make([]Row, n)
	for i := range rows {
		acct := fmt.Sprintf("%012d", 100000000000+i%400)
		rows[i] = Row{
			Name:    fmt.Sprintf("team%03d-%s-%d", i%97, []string{"dev", "staging", "prod", "sandbox"}[i%4], i),
			Account: acct, Role: []string{"admin", "readonly", "deployer"}[i%3], Region: "eu-west-1",
			IsRole: i < n*9/10, // role profiles first, as Backend.Rows gives them
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

// BenchmarkFirstFrame: the rows arrive and the first frame is drawn
// (the history, the doctor and the cache come after it).
func BenchmarkFirstFrame10k(b *testing.B) { benchFirstFrame(b, 10000) }

func BenchmarkFirstFrame100k(b *testing.B) { benchFirstFrame(b, 100000) }

func benchFirstFrame(b *testing.B, n int) {
	rows := manyRows(n)
	m := benchModel(b)
	for b.Loop() {
		b.StopTimer()
		fresh := append([]Row(nil), rows...)
		b.StartTimer()
		next, _ := m.Update(rowsMsg{rows: fresh})
		_ = next.View()
	}
}

// BenchmarkHistoryArrives100k: after the first frame, the history orders
// 100,000 rows and the frame is drawn again.
func BenchmarkHistoryArrives100k(b *testing.B) {
	hist := map[string]Usage{"team002-prod-2": {Count: 3, Last: t0}, "team005-staging-5": {Count: 1, Last: t0}}
	loaded, _ := benchModel(b).Update(rowsMsg{rows: manyRows(100000)})
	for b.Loop() {
		next, _ := loaded.Update(historyMsg{hist: hist})
		_ = next.View()
	}
}

// BenchmarkFilterKeystroke: one more character typed into the filter, and
// the frame drawn, once the search index is built (in the background
// after the first frame; BenchmarkSearchIndex100k is its cost).
func BenchmarkFilterKeystroke10k(b *testing.B) { benchFilterKeystroke(b, 10000) }

func BenchmarkFilterKeystroke100k(b *testing.B) { benchFilterKeystroke(b, 100000) }

func benchFilterKeystroke(b *testing.B, n int) {
	rows := manyRows(n)
	for _, typed := range []string{"", "te", "prod9"} {
		b.Run(fmt.Sprintf("after %q", typed), func(b *testing.B) {
			m := benchModel(b)
			next, _ := m.Update(rowsMsg{rows: rows})
			next, _ = next.Update(searchCmd(rows)())
			for _, k := range keys(typed) {
				next, _ = next.Update(k)
			}
			key := tea.KeyPressMsg{Code: 'a', Text: "a"}
			for b.Loop() {
				after, _ := next.Update(key)
				_ = after.View()
			}
		})
	}
}

// BenchmarkSearchIndex100k: building what the filter searches, which runs
// in the background after the first frame.
func BenchmarkSearchIndex100k(b *testing.B) {
	rows := manyRows(100000)
	for b.Loop() {
		_ = newSearchIndex(rows)
	}
}
