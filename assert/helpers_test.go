package assert_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
	testify "github.com/stretchr/testify/assert"
)

// waitTime bounds waits that should succeed; generous for a loaded CI machine.
const waitTime = 10 * time.Second

// shortWait is the timeout of assertions expected to fail: how long they
// wait for what never comes.
const shortWait = 50 * time.Millisecond

// Assertions take what testify's assertions take.
var (
	_ assert.TestingT  = (*testing.T)(nil)
	_ assert.TestingT  = (*testing.B)(nil)
	_ assert.TestingT  = testing.TB(nil)
	_ testify.TestingT = assert.TestingT(nil)
	_ assert.TestingT  = testify.TestingT(nil)
)

// capture is a TestingT that keeps failure messages instead of failing. It
// also checks what Go's testing relies on to report a failure at the
// caller's line: every function between the test's code and Errorf called
// Helper (which marks the function that calls it, not a function it calls).
type capture struct {
	mu       sync.Mutex
	msgs     []string
	helpers  map[string]bool // the functions that called Helper
	unmarked []string        // functions between the test and Errorf that did not
	failNow  int
}

func (c *capture) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
	for _, fn := range callersUntilTest(3) {
		if !c.helpers[fn] {
			c.unmarked = append(c.unmarked, fn)
		}
	}
}

// Helper notes its caller, as testing.T's Helper does.
func (c *capture) Helper() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.helpers == nil {
		c.helpers = map[string]bool{}
	}
	if fns := callers(3, 1); len(fns) == 1 {
		c.helpers[fns[0].Function] = true
	}
}

// callers returns at most n frames of the calling goroutine's stack, from
// skip on (as runtime.Callers counts), inlined calls included.
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

// callersUntilTest returns the functions on the stack from skip on up to
// the first frame in a _test.go file: the ones Go's testing would have to
// skip as helpers to report the test's own line.
func callersUntilTest(skip int) []string {
	var fns []string
	for _, f := range callers(skip+1, 64) {
		if strings.HasSuffix(f.File, "_test.go") {
			break
		}
		fns = append(fns, f.Function)
	}
	return fns
}

func (c *capture) FailNow() {
	c.mu.Lock()
	c.failNow++
	c.mu.Unlock()
}

func (c *capture) text() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.msgs, "\n")
}

// passes checks that an assertion holds: it returns true and reports nothing.
func passes(t *testing.T, what string, check func(assert.TestingT) bool) {
	t.Helper()
	c := new(capture)
	if !check(c) || c.text() != "" {
		t.Errorf("%s: want it to pass; it failed with:\n%s", what, c.text())
	}
}

// fails checks that an assertion fails with one message that contains every
// one of want, and returns the message.
func fails(t *testing.T, what string, check func(assert.TestingT) bool, want ...string) string {
	t.Helper()
	c := new(capture)
	ok := check(c)
	msg := c.text()
	if ok || len(c.msgs) != 1 {
		t.Errorf("%s: want it to fail with one message; it returned %v with %d messages:\n%s", what, ok, len(c.msgs), msg)
		return msg
	}
	for _, w := range want {
		if !containsFlat(msg, w) {
			t.Errorf("%s: the failure message does not contain %q:\n%s", what, w, msg)
		}
	}
	if len(c.unmarked) > 0 {
		t.Errorf("%s: between the test and Errorf, these did not call Helper, so the failure would be reported in them: %s",
			what, strings.Join(c.unmarked, ", "))
	}
	return msg
}

// containsFlat reports whether msg contains w, white space apart: the
// labels' padding does not matter.
func containsFlat(msg, w string) bool {
	return strings.Contains(strings.Join(strings.Fields(msg), " "), strings.Join(strings.Fields(w), " "))
}

// client is a paho.mqtt.golang (MQTT 3.1.1) client.
type client struct{ paho.Client }

// connect connects a paho client with clean session unless persistent, and
// disconnects it cleanly at cleanup.
func connect(t *testing.T, b *mqtttest.Broker, id string, tweak ...func(*paho.ClientOptions)) client {
	t.Helper()
	o := paho.NewClientOptions().AddBroker(b.URL()).SetClientID(id).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(waitTime)
	for _, f := range tweak {
		f(o)
	}
	c := client{paho.NewClient(o)}
	token(t, c.Connect())
	t.Cleanup(func() { c.Disconnect(1000) })
	return c
}

func persistent(o *paho.ClientOptions) { o.SetCleanSession(false) }

func token(t *testing.T, tok paho.Token) {
	t.Helper()
	if !tok.WaitTimeout(waitTime) {
		t.Fatal("paho token did not complete")
	}
	if err := tok.Error(); err != nil {
		t.Fatal(err)
	}
}

func (c client) sub(t *testing.T, filter string, qos byte) {
	t.Helper()
	token(t, c.Subscribe(filter, qos, func(paho.Client, paho.Message) {}))
}

func (c client) pub(t *testing.T, topic string, qos byte, retain bool, payload string) {
	t.Helper()
	token(t, c.Publish(topic, qos, retain, payload))
}

// waitFor waits until the recorder holds a record matching m.
func waitFor(t *testing.T, b *mqtttest.Broker, m ...mqtttest.Matcher) mqtttest.Record {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	defer cancel()
	r, err := b.Recorder().WaitFor(ctx, m...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func inject(t *testing.T, b *mqtttest.Broker, r mqtttest.Rule) *mqtttest.Fault {
	t.Helper()
	f, err := b.Inject(r)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
