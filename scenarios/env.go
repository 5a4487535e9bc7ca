package scenarios

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// env is one scenario run: its broker, its clients, its deadline, and how it
// reports. It is a TestingT for package assert. A scenario's body uses it
// from one goroutine.
type env struct {
	t       *testing.T
	Ctx     context.Context // ends at the scenario's deadline
	cancel  context.CancelFunc
	Broker  *mqtttest.Broker
	Version byte // 4 or 5
	Virtual bool // running in a testing/synctest bubble

	adapter   Adapter
	transport Transport
	dir       string // the clients' stores are under it
	link      string // the upstream issue, if a known failure

	mu       sync.Mutex
	failures []string
	clients  []*client
	over     bool // the test has moved on from a hung scenario: its late reports go nowhere
}

func newEnv(t *testing.T, sc Scenario, a Adapter, version byte, tr Transport, virtual bool, link string, timeout time.Duration) *env {
	opts := append([]mqtttest.Option(nil), sc.broker...)
	if tr == Memory {
		opts = append(opts, mqtttest.WithoutTCP())
	}
	s := &env{t: t, Version: version, Virtual: virtual, adapter: a, transport: tr, link: link, dir: t.TempDir()}
	s.Broker = mqtttest.NewBroker(t, opts...)
	s.Ctx, s.cancel = context.WithTimeout(context.Background(), timeout)
	return s
}

// Errorf reports a failure and goes on. In a known failure it is recorded
// and logged, not reported to the test.
func (s *env) Errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	s.mu.Lock()
	over := s.over
	if !over {
		s.failures = append(s.failures, msg)
	}
	s.mu.Unlock()
	if over {
		return
	}
	if s.link == "" {
		s.t.Error(msg)
	} else {
		s.t.Log("(known failure) " + msg)
	}
}

// Fatalf reports a failure and ends the scenario.
func (s *env) Fatalf(format string, args ...any) {
	s.Errorf(format, args...)
	runtime.Goexit()
}

// FailNow ends the scenario as failed.
func (s *env) FailNow() {
	s.mu.Lock()
	over := s.over
	if len(s.failures) == 0 && !over {
		s.failures = append(s.failures, "failed")
	}
	s.mu.Unlock()
	if s.link == "" && !over {
		s.t.Fail()
	}
	runtime.Goexit()
}

// Logf logs to the subtest.
func (s *env) Logf(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.over {
		s.t.Logf(format, args...)
	}
}

// Helper does nothing: a scenario's failures name the scenario, not a line.
func (s *env) Helper() {}

// failure reports whether the scenario failed, with its first message.
func (s *env) failure() (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == 0 {
		return false, ""
	}
	return true, s.failures[0]
}

// logFailure logs, for a failed scenario, what each client's application
// got, and for a known failure the end of the transcript (the broker logs it
// for any other failure).
func (s *env) logFailure() {
	if failed, _ := s.failure(); !failed {
		return
	}
	var b strings.Builder
	s.mu.Lock()
	clients := append([]*client(nil), s.clients...)
	s.mu.Unlock()
	made := map[string]int{}
	for _, c := range clients {
		made[c.cfg.ClientID]++
		fmt.Fprintf(&b, "\n  %s (client object %d)'s application got:", c.cfg.ClientID, made[c.cfg.ClientID])
		got := c.all()
		if len(got) == 0 {
			b.WriteString(" nothing")
		}
		for _, m := range got {
			fmt.Fprintf(&b, "\n    %s", m)
		}
	}
	if b.Len() > 0 {
		s.t.Log("what the applications saw:" + b.String())
	}
	if s.link != "" {
		s.t.Logf("the end of the transcript:\n%s", s.Broker.Recorder().Tail(40))
	}
}

// Client makes a client of the library under test with ID id, through the
// adapter, with the scenario's defaults (the scenario's version, clean
// start, a 30 s keepalive, its own store) changed by set. It does not
// connect. The scenario stops it at its end.
func (s *env) Client(id string, set ...func(*Config)) *client {
	cfg := Config{
		ClientID:   id,
		Version:    s.Version,
		CleanStart: true,
		KeepAlive:  30 * time.Second,
		Store:      filepath.Join(s.dir, "store-"+id),
	}
	for _, f := range set {
		f(&cfg)
	}
	return s.make(cfg)
}

// make makes a client with cfg, its Dial and Deliver set by the scenario.
func (s *env) make(cfg Config) *client {
	c := &client{s: s, changed: make(chan struct{})}
	cfg.Dial = s.dial
	cfg.Deliver = c.deliver
	c.cfg = cfg
	client, err := s.adapter.New(cfg)
	if err != nil {
		s.Fatalf("%s: making client %q: %v", s.adapter.Name, cfg.ClientID, err)
	}
	c.Client = client
	s.mu.Lock()
	s.clients = append(s.clients, c)
	s.mu.Unlock()
	return c
}

// dial connects a client to the broker over the scenario's transport.
func (s *env) dial(ctx context.Context) (net.Conn, error) {
	if s.transport == Memory {
		return s.Broker.Dial(ctx)
	}
	var d net.Dialer
	return d.DialContext(ctx, "tcp", s.Broker.Addr())
}

// teardown stops every client still running: a clean disconnect, or a
// kill if that fails.
func (s *env) teardown() {
	s.mu.Lock()
	clients := append([]*client(nil), s.clients...)
	s.mu.Unlock()
	for i := len(clients) - 1; i >= 0; i-- {
		c := clients[i]
		if c.stopped {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := c.Client.Disconnect(ctx); err != nil {
			c.Client.Kill()
		}
		cancel()
		c.stopped = true
	}
}

// WaitFor waits until the broker has recorded a record matching ms, and
// returns it; at the deadline the scenario fails.
func (s *env) WaitFor(ms ...mqtttest.Matcher) mqtttest.Record {
	r, err := s.Broker.Recorder().WaitFor(s.Ctx, ms...)
	if err != nil {
		s.Fatalf("waiting for %s: %v", mqtttest.All(ms...), err)
	}
	return r
}

// Inject installs a fault rule on the broker.
func (s *env) Inject(r mqtttest.Rule) *mqtttest.Fault {
	f, err := s.Broker.Inject(r)
	if err != nil {
		s.Fatalf("injecting a fault: %v", err)
	}
	return f
}

// Publish publishes from the broker itself (no client), as a message the
// scenario controls exactly.
func (s *env) Publish(topic, payload string, qos byte, retain bool) {
	if err := s.Broker.Publish(topic, []byte(payload), qos, retain); err != nil {
		s.Fatalf("the broker publishing on %s: %v", topic, err)
	}
}

// Settle waits until the broker has finished with everything it has read:
// the barrier before checking that something did not happen.
func (s *env) Settle() {
	if err := s.Broker.Settle(5 * time.Second); err != nil {
		s.Fatalf("settling the broker: %v", err)
	}
}
