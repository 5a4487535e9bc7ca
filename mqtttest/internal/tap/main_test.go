package tap

import (
	"net"
	"sync"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/record"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// waitTime bounds every wait in this package's tests.
const waitTime = 10 * time.Second

// rules is a Judge for this package's tests: act says what to do to each
// packet (nil: pass it on); a nil act means no rule is installed.
type rules struct{ act func(r *record.Record) Action }

func (j rules) Active() bool { return j.act != nil }

func (j rules) Decide(r *record.Record) Verdict {
	if a := j.act(r); a != nil {
		return Verdict{Act: a, By: testRule{}}
	}
	return Verdict{}
}

// testRule is the Source of the verdicts of rules.
type testRule struct{}

func (testRule) String() string { return "a test's rule" }
func (testRule) CarriedOut()    {}

// tapped returns a tap over one end of a TCP connection on the loopback
// interface, as the broker's side, and the other end, as the client's,
// recording on a new recorder. The test's cleanup closes both.
func tapped(t *testing.T, j Judge, s *Seams) (*Conn, net.Conn, *record.Recorder) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err := ln.Accept()
	if err != nil {
		client.Close()
		t.Fatal(err)
	}
	rec, w := record.NewRecorder(0)
	c := New(server, server, Config{Recorder: w, Faults: j, Conn: 1, Listener: "tcp", Seams: s})
	t.Cleanup(func() {
		c.Cut(record.ClosedByTest, "the test ended")
		c.Finish(nil)
		client.Close()
		w.Close(nil)
	})
	return c, client, rec
}

// within waits for ch to close, and fails the test after waitTime.
func within(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTime):
		t.Fatalf("waited %v for %s", waitTime, what)
	}
}

// closeOnce returns a function that closes ch the first time it is called.
func closeOnce(ch chan struct{}) func() {
	var o sync.Once
	return func() { o.Do(func() { close(ch) }) }
}
