package mqtttest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// Proxy puts the wire tap, the recorder and the fault rules in front of
// another MQTT broker (Mosquitto, EMQX, HiveMQ, a cluster): clients connect to
// the proxy, which opens one connection to the upstream broker for each.
// Make one with NewProxy in a test, or StartProxy elsewhere.
type Proxy struct {
	host     // recorder, faults, connection numbers, closed
	upstream string
	ln       net.Listener
	dial     time.Duration
	conns    connSet
	once     sync.Once

	partitioned atomic.Bool // see Partition
}

// NewProxy starts a Proxy to the MQTT broker at upstreamAddr ("host:port")
// on a free loopback port, and registers its Close with t.Cleanup; a failed
// test logs the end of the transcript. A proxy takes WithAddr,
// WithRecordLimit and WithConnectTimeout; the other options are about the
// broker itself (TLS, WebSocket, auth, ACL, logs, limits) and are an error.
func NewProxy(t testing.TB, upstreamAddr string, opts ...Option) *Proxy {
	t.Helper()
	p, err := StartProxy(upstreamAddr, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.Close()
		p.report(t, "proxy "+p.Addr()+" → "+p.upstream)
	})
	return p
}

// StartProxy starts a Proxy without a testing.TB. The caller must call Close.
func StartProxy(upstreamAddr string, opts ...Option) (*Proxy, error) {
	cfg, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if len(cfg.brokerOnly) > 0 {
		return nil, fmt.Errorf("mqtttest: StartProxy: a proxy cannot use %s (options of the broker itself: set them on the upstream broker); it takes only WithAddr, WithRecordLimit and WithConnectTimeout",
			strings.Join(cfg.brokerOnly, ", "))
	}
	if upstreamAddr == "" {
		return nil, errors.New("mqtttest: StartProxy: no upstream address (want host:port)")
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return nil, fmt.Errorf("mqtttest: proxy cannot listen on %s: %w", cfg.addr, err)
	}
	p := &Proxy{upstream: upstreamAddr, ln: ln, dial: cfg.connectTimeout}
	p.host.init("proxy", cfg.recordLimit)
	p.conns.enter()
	go func() {
		defer p.conns.leave()
		p.conns.accept(ln, p.handle)
	}()
	return p, nil
}

// Addr returns the proxy's address, e.g. "127.0.0.1:41234".
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// URL returns the proxy's address as a URL, e.g. "tcp://127.0.0.1:41234".
func (p *Proxy) URL() string { return "tcp://" + p.Addr() }

// Recorder returns the proxy's recorder.
func (p *Proxy) Recorder() *Recorder { return p.rec }

// Inject installs a fault rule on every connection through the proxy, as
// Broker.Inject does; after Close it returns an error that wraps ErrClosed.
func (p *Proxy) Inject(r Rule) (*Fault, error) { return p.inject(r) }

// Close stops accepting, cuts every connection (both sides), and returns when
// every goroutine of the proxy has ended. It is idempotent.
func (p *Proxy) Close() error {
	p.once.Do(func() {
		p.closed.Store(true)
		p.conns.close(func(t *tap.Conn) { t.Cut(ClosedByTest, "proxy closed") }) // and, through t.Dead(), the upstream side
		p.ln.Close()
		p.conns.wait()
		p.ended() // every connection's last records are in
	})
	return nil
}

// handle relays one client connection to a new upstream connection through
// a tap, until either side ends.
func (p *Proxy) handle(c net.Conn) {
	t := p.tap(c, c, tap.Config{Listener: "proxy"})
	if !p.conns.add(t) {
		t.Cut(ClosedByTest, "proxy closed")
		t.Finish(nil)
		return
	}
	defer p.conns.remove(t)
	if p.partitioned.Load() { // after add: a Partition either sees this connection or is seen here
		t.Cut(ClosedByTest, "refused: the proxy is partitioned (Proxy.Partition)")
		t.Finish(nil)
		return
	}
	up, err := net.DialTimeout("tcp", p.upstream, p.dial)
	if err != nil {
		t.Cut(ClosedByBroker, fmt.Sprintf("upstream %s unreachable: %v", p.upstream, err))
		t.Finish(nil)
		return
	}
	go func() { // a cut (Close, a fault) ends the upstream side too, even mid-write
		<-t.Dead()
		up.Close()
	}()

	upDone := make(chan struct{})
	go func() { // upstream → client, through the tap's Write
		defer close(upDone)
		_, err := io.Copy(t, up)
		if err == nil {
			err = io.EOF
		}
		t.ExpectClose(ClosedByBroker, "upstream ended the connection: "+tap.ReadErrorText(err))
		t.Close()
	}()
	_, _ = io.Copy(up, t) // client → upstream, through the tap's Read
	up.Close()
	<-upDone
	t.Finish(nil)
}

// Partition cuts the proxy's clients off from the upstream broker without
// closing anything, as Broker.Partition does: every open connection freezes
// both ways, the sockets stay open, so keepalives expire on both sides as
// in a real network partition, and new connections are closed as they
// arrive. Heal ends it. A connection a Freeze rule froze stays frozen.
func (p *Proxy) Partition() {
	p.partitioned.Store(true)
	p.conns.each(func(t *tap.Conn) { t.Partition() })
}

// Heal ends a Partition: connections still open pass packets again, and new
// ones are relayed.
func (p *Proxy) Heal() {
	p.partitioned.Store(false)
	p.conns.each(func(t *tap.Conn) { t.Heal() })
}
