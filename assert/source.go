package assert

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// Source is what assertions read records from: a *mqtttest.Recorder (from
// Broker.Recorder or Proxy.Recorder), which they can wait on, or Records, a
// fixed slice.
type Source interface {
	Records() []record.Record
}

// Records is a fixed slice of records as a Source, e.g. from Recorder.Find
// or read back from a JSON Lines file. Assertions over it do not wait: they
// decide on what it holds.
type Records []record.Record

// Records returns the slice itself.
func (rs Records) Records() []record.Record { return rs }

// nilSource fails an assertion given a nil Source.
func nilSource(t TestingT, name string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	return newReport(name, "no records: the Source is nil (pass b.Recorder(), or assert.Records)").fail(t)
}

// validFilter fails the assertion, and returns false, when filter is not a
// valid MQTT topic filter: nothing could ever match it.
func validFilter(t TestingT, name, filter string) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	err := record.Topic(filter).Err()
	if err == nil {
		return true
	}
	if why := errors.Unwrap(err); why != nil { // without the matcher's name: the caller gave a filter, not a matcher
		err = why
	}
	return newReport(name, fmt.Sprintf("%q is not a valid MQTT topic filter: nothing can match it", filter)).
		add("why", "%v", err).fail(t)
}

// settleTimeout bounds the barrier in front of a check that something did
// not happen.
const settleTimeout = 10 * time.Second

// settler is a Source that can wait until its broker has finished with
// everything it has read: *mqtttest.Recorder of a Broker.
type settler interface {
	Settle(timeout time.Duration) error
}

// barrier is what a check that something did not happen does first: it
// waits until the broker behind src has finished with everything it has
// read (Recorder.Settle), so that the window that follows starts after
// what came before it. It fails the assertion, and returns false, when the
// broker stays busy for settleTimeout. A Source that cannot settle (a
// Proxy's recorder, Records, a closed broker, whose records are final) has
// no barrier to wait for.
func barrier(t TestingT, name string, src Source) bool {
	if h, ok := t.(tHelper); ok {
		h.Helper()
	}
	s, ok := src.(settler)
	if !ok {
		return true
	}
	err := s.Settle(settleTimeout)
	if err == nil || errors.Is(err, record.ErrCannotSettle) || errors.Is(err, record.ErrClosed) {
		return true
	}
	return newReport(name, "could not check: the broker did not finish with what it had read").
		add("busy", "%v", err).fail(t)
}

// follower is a Source that can wait for records to come: *mqtttest.Recorder.
type follower interface {
	Next(ctx context.Context, after uint64) ([]record.Record, error)
}

// startTime returns the time transcript lines are relative to: when the
// recording started, or else the first record.
func startTime(src Source, recs []record.Record) time.Time {
	if s, ok := src.(interface{ Started() time.Time }); ok {
		return s.Started()
	}
	if len(recs) > 0 {
		return recs[0].Time
	}
	return time.Time{}
}

// watch calls done with every record so far and again each time more
// arrive, until done returns true or d has passed, and returns the records
// it last looked at and done's last answer. A Source that cannot wait is
// looked at once.
func watch(src Source, d time.Duration, done func([]record.Record) bool) ([]record.Record, bool) {
	recs := src.Records()
	if done(recs) {
		return recs, true
	}
	f, ok := src.(follower)
	if !ok || d <= 0 {
		return recs, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		var after uint64
		if len(recs) > 0 {
			after = recs[len(recs)-1].Seq
		}
		more, err := f.Next(ctx, after)
		if err != nil {
			return recs, false
		}
		recs = append(recs, more...)
		if done(recs) {
			return recs, true
		}
	}
}
