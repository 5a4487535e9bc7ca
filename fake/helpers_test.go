package fake_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// A Client takes what a Go test is.
var (
	_ fake.TB = (*testing.T)(nil)
	_ fake.TB = (*testing.B)(nil)
	_ fake.TB = testing.TB(nil)
)

// waitTime bounds every wait on the recorder; generous for a loaded CI machine.
const waitTime = 10 * time.Second

// wait returns the first record matching m, waiting for it.
func wait(t testing.TB, b *mqtttest.Broker, m ...mqtttest.Matcher) mqtttest.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	r, err := b.Recorder().WaitFor(ctx, m...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// connected dials b and connects with a clean session as id.
func connected(t testing.TB, b *mqtttest.Broker, id string, opts ...fake.Option) *fake.Client {
	t.Helper()
	c := fake.Dial(t, b.Addr(), opts...)
	if ack := c.Connect(fake.Connect{ClientID: id, CleanStart: true}); ack.ReasonCode != 0 {
		t.Fatalf("CONNACK for %s: %s", id, ack.Line())
	}
	return c
}

// sequence lists "direction TYPE" for each record, to compare flows.
func sequence(rs []mqtttest.Record) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprintf("%s %v", r.Dir, r.Type))
	}
	return strings.Join(s, ", ")
}

// fakeT is a testing.TB that records failures instead of reporting them.
// Fatalf ends the calling goroutine, as the testing package does, so calls
// that may fail run through run.
type fakeT struct {
	testing.TB // the real test, for Cleanup and anything else
	mu         sync.Mutex
	msgs       []string
}

func (f *fakeT) Helper() {}

func (f *fakeT) Errorf(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.msgs = append(f.msgs, fmt.Sprintf(format, args...))
}

func (f *fakeT) Fatalf(format string, args ...any) {
	f.Errorf(format, args...)
	runtime.Goexit()
}

// run calls fn on a goroutine of its own and returns the failures it
// reported, and whether it ended by Fatalf.
func (f *fakeT) run(fn func()) (msgs []string, fatal bool) {
	done := make(chan bool)
	go func() {
		returned := false
		defer func() { done <- !returned }()
		fn()
		returned = true
	}()
	fatal = <-done
	f.mu.Lock()
	defer f.mu.Unlock()
	msgs, f.msgs = f.msgs, nil
	return msgs, fatal
}

// wantFailure checks that fn failed the test with a message containing each of want.
func wantFailure(t *testing.T, ft *fakeT, fn func(), want ...string) string {
	t.Helper()
	msgs, fatal := ft.run(fn)
	if !fatal || len(msgs) != 1 {
		t.Fatalf("want one Fatalf, got fatal=%v, messages %q", fatal, msgs)
	}
	for _, w := range want {
		if !strings.Contains(msgs[0], w) {
			t.Errorf("failure message lacks %q:\n%s", w, msgs[0])
		}
	}
	return msgs[0]
}
