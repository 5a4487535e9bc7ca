package mqtttest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
)

// TestTranscriptLines checks the transcript format of the design notes.
func TestTranscriptLines(t *testing.T) {
	b := NewBroker(t)
	c := connect3(t, b.URL(), "sensor-1")
	c.publish(t, "home/kitchen/temp", 1, false, "21.5")
	wait(t, b.Recorder(), Type(TypePuback))
	tr := b.Recorder().Transcript()
	for _, want := range []string{
		"sensor-1 → broker  PUBLISH  q1 id=1  home/kitchen/temp  \"21.5\"\n",
		"broker → sensor-1  PUBACK  id=1\n",
		"sensor-1 → broker  CONNECT  v4 clean keepalive=30",
	} {
		if !strings.Contains(tr, want) {
			t.Errorf("transcript lacks %q:\n%s", want, tr)
		}
	}
	if !strings.HasPrefix(tr, "+") || !strings.Contains(strings.SplitN(tr, "\n", 2)[0], "ms  ") {
		t.Errorf("transcript lines do not start with a relative time:\n%s", tr)
	}
}

// fakeTB captures what NewBroker logs at cleanup for a failed test.
type fakeTB struct {
	testing.TB
	cleanups []func()
	mu       sync.Mutex // guards logs: the broker logs from its goroutines
	logs     []string
}

func (f *fakeTB) log(s string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.logs = append(f.logs, strings.TrimSpace(s))
}

func (f *fakeTB) Helper()                         {}
func (f *fakeTB) Failed() bool                    { return true }
func (f *fakeTB) Cleanup(fn func())               { f.cleanups = append(f.cleanups, fn) }
func (f *fakeTB) Logf(format string, args ...any) { f.log(fmt.Sprintf(format, args...)) }
func (f *fakeTB) Fatal(args ...any)               { f.TB.Fatal(args...) }
func (f *fakeTB) Log(args ...any)                 { f.log(fmt.Sprint(args...)) }

// TestFailedTestLogsTranscript checks a failed test's log ends with the
// transcript, so a CI log alone shows what crossed the wire.
func TestFailedTestLogsTranscript(t *testing.T) {
	f := &fakeTB{TB: t}
	b := NewBroker(f)
	connect3(t, b.URL(), "dev").publish(t, "x/y", 0, false, "z")
	wait(t, b.Recorder(), Publish("x/y"))
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	if len(f.logs) != 1 || !strings.Contains(f.logs[0], b.Addr()) || !strings.Contains(f.logs[0], `dev → broker  PUBLISH  q0  x/y  "z"`) {
		t.Errorf("failed test logged %q, want the broker address and the transcript", f.logs)
	}
}

// TestFailedTestWithoutRecords checks a failed test's log says so when
// nothing was recorded, rather than "last records:" over nothing, and so
// does a wait's error (issue 9, defect 10).
func TestFailedTestWithoutRecords(t *testing.T) {
	f := &fakeTB{TB: t}
	b := NewBroker(f)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Recorder().WaitFor(ctx, Publish("x")); err == nil || !strings.HasSuffix(err.Error(), "; no records (nothing was recorded)") {
		t.Errorf("WaitFor on an empty recording: error %v, want one that says there are no records", err)
	}
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	if len(f.logs) != 1 || !strings.Contains(f.logs[0], b.Addr()) || !strings.HasSuffix(f.logs[0], ", no records (nothing was recorded)") {
		t.Errorf("failed test logged %q, want the broker address and no records", f.logs)
	}
}

// TestWithLogsGoesToTestLog checks the broker is quiet by default and logs
// to t.Log with WithLogs.
func TestWithLogsGoesToTestLog(t *testing.T) {
	for _, verbose := range []bool{false, true} {
		f := &fakeTB{TB: t}
		var opts []Option
		if verbose {
			opts = append(opts, WithLogs())
		}
		b := NewBroker(f, opts...)
		connect3(t, b.URL(), "dev").Disconnect(1000)
		wait(t, b.Recorder(), Closed())
		f.cleanups[0]() // Close, without the failed-test transcript
		f.mu.Lock()
		logs := f.logs
		f.mu.Unlock()
		logged := false
		for _, l := range logs {
			logged = logged || strings.Contains(l, "mochi mqtt")
		}
		if logged != verbose {
			t.Errorf("WithLogs %v: broker logs in t.Log = %v (%d lines)", verbose, logged, len(logs))
		}
	}
}
