package record

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Recorder holds a recording: every Record made of what crossed the wire,
// in order. It is safe for use from any goroutine. Queries return copies.
// A Recorder needs no cleanup of its own; whoever made it (a broker or a
// proxy of package mqtttest) adds to it through its Writer.
type Recorder struct {
	mu      sync.Mutex
	start   time.Time
	log     recordLog
	seq     uint64 // Seq of the last record appended
	dropped uint64
	limit   int                       // 0: no limit
	changed chan struct{}             // closed on the next append; nil when nobody waits
	settler func(time.Duration) error // what Settle waits with; nil when the owner cannot tell
	ended   error                     // set by close: waits end with it
}

// Writer adds records to a Recorder. Only whoever made the Recorder with
// NewRecorder holds its Writer, so code that is handed the Recorder (a
// test, an assertion) cannot add to the recording. Its methods are safe for
// use from any goroutine.
type Writer struct{ rc *Recorder }

// NewRecorder returns an empty Recorder that keeps at most limit records (0:
// all; over the limit the oldest go, counted by Dropped), and the Writer that
// adds to it. The recording starts now: transcript times are relative to it.
func NewRecorder(limit int) (*Recorder, *Writer) {
	rc := newRecorder(limit)
	return rc, &Writer{rc}
}

// newRecorder returns an empty Recorder that keeps at most limit records (0: all).
func newRecorder(limit int) *Recorder {
	return &Recorder{start: time.Now(), limit: limit}
}

// Add appends r, giving it the next sequence number and, when r.Time is
// zero, the current time. The Recorder keeps r's slices: the caller must
// not change them after.
func (w *Writer) Add(r Record) { w.rc.add(r) }

// Close ends every wait on the Recorder, now and to come, that the records
// kept do not satisfy, with err, which should wrap ErrClosed and say who
// closed what: no record they wait for will come. The first call counts.
func (w *Writer) Close(err error) { w.rc.close(err) }

// SetSettle gives the Recorder's Settle the function it waits with: the
// owner's, which knows when everything it has read is handled. Without one
// Settle returns ErrCannotSettle.
func (w *Writer) SetSettle(settle func(timeout time.Duration) error) {
	w.rc.mu.Lock()
	w.rc.settler = settle
	w.rc.mu.Unlock()
}

// close ends the waits with err; see Writer.Close.
func (rc *Recorder) close(err error) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.ended != nil {
		return
	}
	rc.ended = err
	if rc.changed != nil {
		close(rc.changed)
		rc.changed = nil
	}
}

// add appends r; see Writer.Add.
func (rc *Recorder) add(r Record) {
	rc.mu.Lock()
	rc.seq++
	r.Seq = rc.seq
	if r.Time.IsZero() {
		r.Time = time.Now()
	}
	rc.log.push(&r)
	if rc.limit > 0 && rc.log.len() > rc.limit {
		rc.log.dropFirst()
		rc.dropped++
	}
	if rc.changed != nil {
		close(rc.changed)
		rc.changed = nil
	}
	rc.mu.Unlock()
}

// Settle waits until the owner of the recording (a broker) has finished
// with everything it has read, so that what is not recorded after it did
// not happen: see mqtttest's Broker.Settle. It returns ErrCannotSettle at
// once when the owner cannot tell (a proxy, whose broker it cannot see
// into), and an error that wraps ErrClosed once the owner is closed.
func (rc *Recorder) Settle(timeout time.Duration) error {
	rc.mu.Lock()
	settle := rc.settler
	rc.mu.Unlock()
	if settle == nil {
		return ErrCannotSettle
	}
	return settle(timeout)
}

// ErrClosed is the error, tested with errors.Is, of a wait on a Recorder
// (WaitFor, WaitForN, Next) that its owner's Close ended: no more records
// will come. mqtttest's ErrClosed is the same value.
var ErrClosed = errors.New("record: the recording has ended")

// ErrCannotSettle is returned by Settle for a recording whose traffic goes
// to a broker the recorder's owner cannot see into (a Proxy's).
var ErrCannotSettle = errors.New("record: Settle: the recording's owner cannot see when the broker behind it has finished (a Proxy's recorder)")

// Records returns a copy of every record kept, oldest first.
func (rc *Recorder) Records() []Record {
	return rc.Find()
}

// Find returns copies of the records that match every matcher, oldest first.
// With no matchers it returns every record kept. An invalid matcher, such as
// Publish("a/#/b"), matches nothing, so Find returns no records for it:
// Matcher.Err says why (WaitFor returns that error).
func (rc *Recorder) Find(m ...Matcher) []Record {
	all := All(m...)
	if all.err != nil {
		return nil
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []Record
	var r Record
	for i := 0; i < rc.log.len(); i++ {
		if rc.log.match(i, &all, &r) {
			out = append(out, copyRecord(&r))
		}
	}
	return out
}

// Next returns copies of every record kept with a sequence number above
// after, oldest first, waiting until there is at least one or ctx ends. It is
// the way to follow a recording as it grows: pass the Seq of the last record
// it returned. Once the broker or proxy is closed, Next does not wait: with
// nothing new it returns an error that wraps ErrClosed.
func (rc *Recorder) Next(ctx context.Context, after uint64) ([]Record, error) {
	var out []Record
	err := rc.await(ctx, func() bool {
		if rc.seq <= after {
			return false
		}
		from := 0
		if first := rc.firstSeq(); after >= first {
			from = int(after - first + 1)
		}
		out = make([]Record, 0, rc.log.len()-from)
		var r Record
		for i := from; i < rc.log.len(); i++ {
			rc.log.load(i, &r)
			out = append(out, copyRecord(&r))
		}
		return true
	})
	return out, err
}

// await calls done with mu held, after every add, until it returns true
// (nil), ctx ends (ctx.Err()), or the recorder is closed (Close's error).
// It never polls.
func (rc *Recorder) await(ctx context.Context, done func() bool) error {
	for {
		rc.mu.Lock()
		if done() {
			rc.mu.Unlock()
			return nil
		}
		if err := rc.ended; err != nil {
			rc.mu.Unlock()
			return err
		}
		changed := rc.nextAdd()
		rc.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// nextAdd returns a channel that the next add closes. The caller holds mu.
func (rc *Recorder) nextAdd() <-chan struct{} {
	if rc.changed == nil {
		rc.changed = make(chan struct{})
	}
	return rc.changed
}

// Started returns when the recording started; transcript times are relative to it.
func (rc *Recorder) Started() time.Time { return rc.start }

// Dropped reports how many of the oldest records were discarded because of
// the record limit (mqtttest's WithRecordLimit).
func (rc *Recorder) Dropped() uint64 {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.dropped
}

// Len returns how many records are kept now.
func (rc *Recorder) Len() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.log.len()
}

// firstSeq returns the Seq of the oldest record kept. The caller holds mu.
func (rc *Recorder) firstSeq() uint64 {
	return rc.seq - uint64(rc.log.len()) + 1
}

// WaitFor returns the first record, already recorded or still to come, that
// matches every matcher. It waits on new records, never polls, and gives up
// when ctx ends, with an error that names what it waited for and shows the
// end of the transcript. Once the broker or proxy is closed it returns at
// once: a match already recorded, or an error that wraps ErrClosed. To wait
// only for records after some point, add After(seq). An invalid matcher
// (see Matcher.Err) is an error at once.
func (rc *Recorder) WaitFor(ctx context.Context, m ...Matcher) (Record, error) {
	rs, err := rc.WaitForN(ctx, 1, m...)
	if err != nil {
		return Record{}, err
	}
	return rs[0], nil
}

// WaitForN waits until n records match every matcher and returns the first n
// of them. It fails like WaitFor when ctx ends first, or the broker or proxy
// is closed, saying how many it saw, and at once for an invalid matcher.
func (rc *Recorder) WaitForN(ctx context.Context, n int, m ...Matcher) ([]Record, error) {
	if n < 1 {
		return nil, fmt.Errorf("record: WaitForN needs n >= 1, got %d", n)
	}
	all := All(m...)
	if all.err != nil {
		return nil, fmt.Errorf("record: cannot wait for records matching %s: %w", all, all.err)
	}
	var found []Record
	var next uint64 = 1 // Seq of the next record to look at
	var r Record
	err := rc.await(ctx, func() bool {
		first := rc.firstSeq()
		if next < first {
			next = first // the limit dropped records we had not looked at yet
		}
		for ; next <= rc.seq; next++ {
			if rc.log.match(int(next-first), &all, &r) {
				found = append(found, copyRecord(&r))
				if len(found) == n {
					return true
				}
			}
		}
		return false
	})
	if err != nil {
		return found, &WaitError{Want: all.String(), N: n, Seen: len(found), Cause: err, Transcript: rc.Tail(transcriptTail)}
	}
	return found, nil
}

// WaitError is the error WaitFor and WaitForN return when their context ends,
// or the broker or proxy is closed, before enough records matched. Its
// message holds the end of the transcript.
type WaitError struct {
	Want       string // the matchers, described
	N          int    // how many matches were wanted
	Seen       int    // how many matched
	Cause      error  // ctx.Err(), or an error that wraps ErrClosed
	Transcript string // the last records, one line each
}

// Error says what was awaited, how many matched, and shows the transcript's end.
func (e *WaitError) Error() string {
	return fmt.Sprintf("record: waited for %d record(s) matching %s, saw %d (%v); %s",
		e.N, e.Want, e.Seen, e.Cause, lastRecords(e.Transcript))
}

// Unwrap returns the cause, so errors.Is(err, context.DeadlineExceeded) and
// errors.Is(err, ErrClosed) work.
func (e *WaitError) Unwrap() error { return e.Cause }
