package require_test

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/assert/require"
	"github.com/mqtt-testkit/testkit/mqtttest"
	testifyrequire "github.com/stretchr/testify/require"
)

// The require functions take what testify's require functions take.
var (
	_ require.TestingT        = (*testing.T)(nil)
	_ require.TestingT        = testing.TB(nil)
	_ testifyrequire.TestingT = require.TestingT(nil)
	_ require.TestingT        = testifyrequire.TestingT(nil)
)

// stopper is a TestingT that notes FailNow instead of stopping, and the
// functions between the test and Errorf that did not call Helper, which Go's
// testing would blame for the failure.
type stopper struct {
	msgs     []string
	stopped  int
	helpers  map[string]bool
	unmarked []string
}

func (s *stopper) Errorf(format string, args ...any) {
	s.msgs = append(s.msgs, fmt.Sprintf(format, args...))
	for _, f := range callers(3, 64) {
		if strings.HasSuffix(f.File, "_test.go") {
			break
		}
		if !s.helpers[f.Function] {
			s.unmarked = append(s.unmarked, f.Function)
		}
	}
}

func (s *stopper) FailNow() { s.stopped++ }

// Helper notes its caller, as testing.T's Helper does.
func (s *stopper) Helper() {
	if s.helpers == nil {
		s.helpers = map[string]bool{}
	}
	if fs := callers(3, 1); len(fs) == 1 {
		s.helpers[fs[0].Function] = true
	}
}

// callers returns at most n frames of the stack from skip on (as
// runtime.Callers counts).
func callers(skip, n int) []runtime.Frame {
	pcs := make([]uintptr, n)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(skip, pcs)])
	var out []runtime.Frame
	for {
		f, more := frames.Next()
		if f.Function != "" {
			out = append(out, f)
		}
		if !more || len(out) == n {
			return out
		}
	}
}

// errorField returns the "Error:" field of testify's failure message, which
// holds the assertion's report.
func errorField(msg string) string {
	_, field, _ := strings.Cut(msg, "\tError:")
	return strings.TrimLeft(field, " \t")
}

// TestRequireStops checks that each require assertion stops the test when
// its assert counterpart fails, with that failure's message, and lets it go
// on when it holds.
func TestRequireStops(t *testing.T) {
	b := mqtttest.NewBroker(t)
	if err := b.Publish("dev/1/status", []byte("online"), 0, true); err != nil {
		t.Fatal(err)
	}
	rec := b.Recorder()
	empty := assert.Records{}
	for _, c := range []struct {
		name       string
		call       func(require.TestingT)
		shouldStop bool
		message    string
	}{
		{"Retained holds", func(t require.TestingT) { require.Retained(t, b, "dev/1/status", assert.Payload("online")) }, false, ""},
		{"Retained fails", func(t require.TestingT) { require.Retained(t, b, "dev/1/status", assert.Payload("offline")) }, true, "assert.Retained"},
		{"NoRetained", func(t require.TestingT) { require.NoRetained(t, b, "dev/1/status") }, true, "assert.NoRetained"},
		{"TopicMatches", func(t require.TestingT) { require.TopicMatches(t, "a/+", "a/b") }, false, ""},
		{"TopicMatches fails", func(t require.TestingT) { require.TopicMatches(t, "#", "$SYS/x") }, true, "assert.TopicMatches"},
		{"TopicNotMatches", func(t require.TestingT) { require.TopicNotMatches(t, "a/+", "a/b") }, true, "assert.TopicNotMatches"},
		{"Received", func(t require.TestingT) { require.Received(t, empty, "c", "#", assert.AnyPayload, time.Second) }, true, "assert.Received"},
		{"NotReceived", func(t require.TestingT) { require.NotReceived(t, empty, "c", "#", 0) }, false, ""},
		{"ReceivedRetained", func(t require.TestingT) { require.ReceivedRetained(t, rec, "c", "#", assert.AnyPayload, 0) }, true, "assert.ReceivedRetained"},
		{"ReceivedAllAndOnly", func(t require.TestingT) { require.ReceivedAllAndOnly(t, empty, "c", "#", 0) }, true, "assert.ReceivedAllAndOnly"},
		{"AtMostOnce", func(t require.TestingT) { require.AtMostOnce(t, empty, "c", "#", assert.AnyPayload) }, false, ""},
		{"AtLeastOnce", func(t require.TestingT) { require.AtLeastOnce(t, empty, "c", "#", assert.AnyPayload, 0) }, true, "assert.AtLeastOnce"},
		{"ExactlyOnce", func(t require.TestingT) { require.ExactlyOnce(t, empty, "c", "#", assert.AnyPayload, 0) }, true, "assert.ExactlyOnce"},
		{"HandshakeCompleted", func(t require.TestingT) { require.HandshakeCompleted(t, empty, "c", "#", assert.AnyPayload, 0) }, true, "assert.HandshakeCompleted"},
		{"InOrder", func(t require.TestingT) { require.InOrder(t, empty, "c", "#", 0, "1") }, true, "assert.InOrder"},
		{"InOrder, nothing wanted", func(t require.TestingT) { require.InOrder(t, empty, "c", "#", 0) }, false, ""},
		{"SessionPresent", func(t require.TestingT) { require.SessionPresent(t, empty, "c") }, true, "assert.SessionPresent"},
		{"SessionNotPresent", func(t require.TestingT) { require.SessionNotPresent(t, empty, "c") }, true, "assert.SessionNotPresent"},
		{"Subscribed", func(t require.TestingT) { require.Subscribed(t, empty, "c", "#", 0, 0) }, true, "assert.Subscribed"},
		{"WillPublished", func(t require.TestingT) { require.WillPublished(t, empty, "c", 0) }, true, "assert.WillPublished"},
		{"NoWill", func(t require.TestingT) { require.NoWill(t, empty, "c", 0) }, true, "assert.NoWill"},
		{"Redelivered", func(t require.TestingT) { require.Redelivered(t, empty, "c", "#", assert.AnyPayload, 0) }, true, "assert.Redelivered"},
	} {
		s := new(stopper)
		c.call(s)
		switch {
		case c.shouldStop && (s.stopped != 1 || len(s.msgs) != 1 || !strings.HasPrefix(errorField(s.msgs[0]), c.message)):
			t.Errorf("%s: FailNow called %d times, messages %q; want it called once after a message whose Error: starts %q", c.name, s.stopped, s.msgs, c.message)
		case len(s.unmarked) > 0:
			t.Errorf("%s: between the test and Errorf, these did not call Helper, so the failure would be reported in them: %s", c.name, strings.Join(s.unmarked, ", "))
		case !c.shouldStop && (s.stopped != 0 || len(s.msgs) != 0):
			t.Errorf("%s: FailNow called %d times, messages %q; want neither", c.name, s.stopped, s.msgs)
		}
	}
}
