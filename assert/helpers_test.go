package assert_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// waitTime bounds waits that should succeed; generous for a loaded CI machine.
const waitTime = 10 * time.Second

// shortWait is the timeout of assertions expected to fail: how long they
// wait for what never comes.
const shortWait = 50 * time.Millisecond

// capture is a TestingT that keeps failure messages instead of failing.
type capture struct {
	mu      sync.Mutex
	msgs    []string
	helpers int
	failNow int
}

func (c *capture) Errorf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, fmt.Sprintf(format, args...))
}

func (c *capture) Helper() {
	c.mu.Lock()
	c.helpers++
	c.mu.Unlock()
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
	flat := strings.Join(strings.Fields(msg), " ") // the labels' padding does not matter
	for _, w := range want {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("%s: the failure message does not contain %q:\n%s", what, w, msg)
		}
	}
	if c.helpers == 0 {
		t.Errorf("%s: the assertion did not call Helper", what)
	}
	return msg
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

func inject(t *testing.T, b *mqtttest.Broker, r mqtttest.Rule) {
	t.Helper()
	if _, err := b.Inject(r); err != nil {
		t.Fatal(err)
	}
}
