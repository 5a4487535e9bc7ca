package mqtttest

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// checkClosedRecorder checks what a closed broker's or proxy's recorder and
// Inject do (issue 9, defect 5): a wait for a record that came returns it; a
// wait for one that never came, including one already waiting as the owner
// closed, returns at once with an error that says what was closed (with
// waitTime as the deadline, a wait that ran it out would fail on
// DeadlineExceeded); Inject refuses a rule.
func checkClosedRecorder(t *testing.T, what string, rec *Recorder, closeOwner func(), inject func(Rule) (*Fault, error)) {
	t.Helper()
	got := wait(t, rec, Publish("x/y"))
	waiting := make(chan error, 1)
	go func() {
		_, err := rec.WaitFor(ctxFor(t), Publish("never"))
		waiting <- err
	}()
	closeOwner()

	isClosed := func(call string, err error) {
		t.Helper()
		if !errors.Is(err, ErrClosed) || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "the "+what+" was closed") {
			t.Errorf("%s after Close: error %v, want one that wraps ErrClosed and says the %s was closed", call, err, what)
		}
	}
	isClosed("a WaitFor under way", <-waiting)
	if r, err := rec.WaitFor(ctxFor(t), Publish("x/y")); err != nil || r.Seq != got.Seq {
		t.Errorf("WaitFor of a recorded match after Close: %q, %v; want record #%d", r.Line(), err, got.Seq)
	}
	_, err := rec.WaitFor(ctxFor(t), Publish("never"))
	isClosed("WaitFor", err)
	var we *WaitError
	if !errors.As(err, &we) || we.N != 1 || we.Seen != 0 {
		t.Errorf("WaitFor after Close: %#v, want a WaitError that saw 0 of 1", err)
	}
	rs, err := rec.WaitForN(ctxFor(t), 2, Publish("x/y"))
	isClosed("WaitForN", err)
	if len(rs) != 1 || rs[0].Seq != got.Seq {
		t.Errorf("WaitForN(2) after Close returned %d records, want the one recorded", len(rs))
	}
	all := rec.Records()
	last := all[len(all)-1].Seq
	if rs, err := rec.Next(ctxFor(t), 0); err != nil || len(rs) != len(all) {
		t.Errorf("Next(0) after Close: %d records, %v; want all %d", len(rs), err, len(all))
	}
	_, err = rec.Next(ctxFor(t), last)
	isClosed("Next", err)
	f, err := inject(Drop(Publish("x/#")))
	isClosed("Inject", err)
	if f != nil {
		t.Errorf("Inject after Close returned a fault, want nil")
	}
}

// TestClosedBrokerEndsWaits checks WaitFor, WaitForN, Next and Inject after
// Broker.Close.
func TestClosedBrokerEndsWaits(t *testing.T) {
	b := NewBroker(t)
	connect3(t, b.URL(), "dev").publish(t, "x/y", 0, false, "z")
	checkClosedRecorder(t, "broker", b.Recorder(), func() { b.Close() }, b.Inject)
}

// TestClosedProxyEndsWaits checks WaitFor, WaitForN, Next and Inject after
// Proxy.Close.
func TestClosedProxyEndsWaits(t *testing.T) {
	p := NewProxy(t, NewBroker(t).Addr())
	connect3(t, p.URL(), "dev").publish(t, "x/y", 0, false, "z")
	checkClosedRecorder(t, "proxy", p.Recorder(), func() { p.Close() }, p.Inject)
}

// TestRestartKeepsRecorderOpen checks Restart, which closes and replaces
// mochi's server, does not end the recorder's waits: a wait under way gets
// the record that comes after the restart.
func TestRestartKeepsRecorderOpen(t *testing.T) {
	b := NewBroker(t)
	waiting := make(chan error, 1)
	go func() {
		_, err := b.Recorder().WaitFor(ctxFor(t), Publish("after/restart"))
		waiting <- err
	}()
	if err := b.Restart(false); err != nil {
		t.Fatal(err)
	}
	connect3(t, b.URL(), "dev").publish(t, "after/restart", 0, false, "z")
	if err := <-waiting; err != nil {
		t.Errorf("WaitFor across a Restart: %v, want the record after it", err)
	}
	if _, err := b.Inject(Drop(Publish("x/#"))); err != nil {
		t.Errorf("Inject after Restart: %v", err)
	}
}
