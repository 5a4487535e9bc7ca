package require

import (
	"time"

	"github.com/mqtt-testkit/testkit/assert"
)

// TestingT is what the assertions need of a test: *testing.T and testing.TB
// satisfy it. It has the method set of testify's require.TestingT, so a
// value of either type converts to the other. When it has a Helper method, each function calls it,
// so failures are reported at the caller's line.
type TestingT interface {
	assert.TestingT
	FailNow()
}

// tHelper is a TestingT that can mark its caller as a test helper.
type tHelper interface {
	Helper()
}

// Received is assert.Received, stopping the test with FailNow when it fails.
func Received(t TestingT, src assert.Source, clientID, filter string, p assert.PayloadMatcher, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.Received(t, src, clientID, filter, p, timeout) {
		t.FailNow()
	}
}

// NotReceived is assert.NotReceived, stopping the test with FailNow when it fails.
func NotReceived(t TestingT, src assert.Source, clientID, filter string, d time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.NotReceived(t, src, clientID, filter, d) {
		t.FailNow()
	}
}

// AtMostOnce is assert.AtMostOnce, stopping the test with FailNow when it fails.
func AtMostOnce(t TestingT, src assert.Source, clientID, filter string, p assert.PayloadMatcher) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.AtMostOnce(t, src, clientID, filter, p) {
		t.FailNow()
	}
}

// AtLeastOnce is assert.AtLeastOnce, stopping the test with FailNow when it fails.
func AtLeastOnce(t TestingT, src assert.Source, clientID, filter string, p assert.PayloadMatcher, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.AtLeastOnce(t, src, clientID, filter, p, timeout) {
		t.FailNow()
	}
}

// ExactlyOnce is assert.ExactlyOnce, stopping the test with FailNow when it fails.
func ExactlyOnce(t TestingT, src assert.Source, clientID, filter string, p assert.PayloadMatcher, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.ExactlyOnce(t, src, clientID, filter, p, timeout) {
		t.FailNow()
	}
}

// HandshakeCompleted is assert.HandshakeCompleted, stopping the test with FailNow when it fails.
func HandshakeCompleted(t TestingT, src assert.Source, clientID, filter string, p assert.PayloadMatcher, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.HandshakeCompleted(t, src, clientID, filter, p, timeout) {
		t.FailNow()
	}
}

// InOrder is assert.InOrder, stopping the test with FailNow when it fails.
func InOrder(t TestingT, src assert.Source, clientID, filter string, timeout time.Duration, payloads ...string) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.InOrder(t, src, clientID, filter, timeout, payloads...) {
		t.FailNow()
	}
}

// Retained is assert.Retained, stopping the test with FailNow when it fails.
func Retained(t TestingT, b assert.RetainedStore, topic string, p assert.PayloadMatcher) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.Retained(t, b, topic, p) {
		t.FailNow()
	}
}

// NoRetained is assert.NoRetained, stopping the test with FailNow when it fails.
func NoRetained(t TestingT, b assert.RetainedStore, topic string) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.NoRetained(t, b, topic) {
		t.FailNow()
	}
}

// ReceivedRetained is assert.ReceivedRetained, stopping the test with FailNow when it fails.
func ReceivedRetained(t TestingT, src assert.Source, clientID, filter string, p assert.PayloadMatcher, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.ReceivedRetained(t, src, clientID, filter, p, timeout) {
		t.FailNow()
	}
}

// SessionPresent is assert.SessionPresent, stopping the test with FailNow when it fails.
func SessionPresent(t TestingT, src assert.Source, clientID string) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.SessionPresent(t, src, clientID) {
		t.FailNow()
	}
}

// SessionNotPresent is assert.SessionNotPresent, stopping the test with FailNow when it fails.
func SessionNotPresent(t TestingT, src assert.Source, clientID string) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.SessionNotPresent(t, src, clientID) {
		t.FailNow()
	}
}

// Subscribed is assert.Subscribed, stopping the test with FailNow when it fails.
func Subscribed(t TestingT, src assert.Source, clientID, filter string, qos byte, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.Subscribed(t, src, clientID, filter, qos, timeout) {
		t.FailNow()
	}
}

// TopicMatches is assert.TopicMatches, stopping the test with FailNow when it fails.
func TopicMatches(t TestingT, filter, topic string) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.TopicMatches(t, filter, topic) {
		t.FailNow()
	}
}

// TopicNotMatches is assert.TopicNotMatches, stopping the test with FailNow when it fails.
func TopicNotMatches(t TestingT, filter, topic string) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.TopicNotMatches(t, filter, topic) {
		t.FailNow()
	}
}

// ReceivedAllAndOnly is assert.ReceivedAllAndOnly, stopping the test with FailNow when it fails.
func ReceivedAllAndOnly(t TestingT, src assert.Source, clientID, filter string, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.ReceivedAllAndOnly(t, src, clientID, filter, timeout) {
		t.FailNow()
	}
}

// WillPublished is assert.WillPublished, stopping the test with FailNow when it fails.
func WillPublished(t TestingT, src assert.Source, clientID string, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.WillPublished(t, src, clientID, timeout) {
		t.FailNow()
	}
}

// NoWill is assert.NoWill, stopping the test with FailNow when it fails.
func NoWill(t TestingT, src assert.Source, clientID string, d time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.NoWill(t, src, clientID, d) {
		t.FailNow()
	}
}

// Redelivered is assert.Redelivered, stopping the test with FailNow when it fails.
func Redelivered(t TestingT, src assert.Source, clientID, filter string, p assert.PayloadMatcher, timeout time.Duration) {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	if !assert.Redelivered(t, src, clientID, filter, p, timeout) {
		t.FailNow()
	}
}
