package require_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/assert/require"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// stopper is a TestingT that notes FailNow instead of stopping.
type stopper struct {
	msgs    []string
	stopped int
}

func (s *stopper) Errorf(format string, args ...any) {
	s.msgs = append(s.msgs, fmt.Sprintf(format, args...))
}
func (s *stopper) FailNow() { s.stopped++ }
func (s *stopper) Helper()  {}

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
	} {
		s := new(stopper)
		c.call(s)
		switch {
		case c.shouldStop && (s.stopped != 1 || len(s.msgs) != 1 || !strings.HasPrefix(s.msgs[0], c.message)):
			t.Errorf("%s: FailNow called %d times, messages %q; want it called once after a message starting %q", c.name, s.stopped, s.msgs, c.message)
		case !c.shouldStop && (s.stopped != 0 || len(s.msgs) != 0):
			t.Errorf("%s: FailNow called %d times, messages %q; want neither", c.name, s.stopped, s.msgs)
		}
	}
}
