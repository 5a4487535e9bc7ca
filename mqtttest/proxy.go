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
)

// Proxy puts the wire tap, the recorder and the fault rules in front of
// another MQTT broker (Mosquitto, EMQX, HiveMQ, a cluster): clients connect to
// the proxy, which opens one connection to the upstream broker for each.
// Make one with NewProxy in a test, or StartProxy elsewhere.
type Proxy struct {
	upstream string
	ln       net.Listener
	rec      *Recorder
	faults   *faultSet
	connSeq  atomic.Uint64
	dial     time.Duration

	mu     sync.Mutex
	closed bool
	conns  map[*tapConn]net.Conn // client tap → upstream connection
	wg     sync.WaitGroup
	once   sync.Once
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
		if t.Failed() {
			t.Logf("mqtttest: proxy %s → %s, %s", p.Addr(), p.upstream, lastRecords(p.rec.tail(transcriptTail)))
			if faults := p.faults.describe(); faults != "" {
				t.Logf("mqtttest: fault rules (seeds repeat a run):\n%s", faults)
			}
		}
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
	p := &Proxy{upstream: upstreamAddr, ln: ln, rec: newRecorder(cfg.recordLimit), faults: new(faultSet),
		dial: cfg.connectTimeout, conns: map[*tapConn]net.Conn{}}
	p.rec.owner = "proxy"
	p.wg.Add(1)
	go p.serve()
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
func (p *Proxy) Inject(r Rule) (*Fault, error) {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return nil, closedError{"proxy", "Inject " + r.String() + " would act on nothing (inject before Close)"}
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return newFault(r, p.faults), nil
}

// Close stops accepting, cuts every connection (both sides), and returns when
// every goroutine of the proxy has ended. It is idempotent.
func (p *Proxy) Close() error {
	p.once.Do(func() {
		p.mu.Lock()
		p.closed = true
		for t, up := range p.conns {
			t.cut(ClosedByTest, "proxy closed")
			up.Close()
		}
		p.mu.Unlock()
		p.ln.Close()
		p.wg.Wait()
		p.rec.close() // every connection's last records are in
		p.faults.close()
	})
	return nil
}

func (p *Proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.closed {
			p.mu.Unlock()
			c.Close()
			return
		}
		p.wg.Add(1)
		p.mu.Unlock()
		go func() {
			defer p.wg.Done()
			p.handle(c)
		}()
	}
}

// handle relays one client connection to a new upstream connection through
// a tap, until either side ends.
func (p *Proxy) handle(c net.Conn) {
	t := newTap(c, c, p.rec, p.faults, p.connSeq.Add(1), "proxy")
	up, err := net.DialTimeout("tcp", p.upstream, p.dial)
	if err != nil {
		t.cut(ClosedByBroker, fmt.Sprintf("upstream %s unreachable: %v", p.upstream, err))
		t.finish(nil)
		return
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		up.Close()
		t.cut(ClosedByTest, "proxy closed")
		t.finish(nil)
		return
	}
	p.conns[t] = up
	p.mu.Unlock()

	upDone := make(chan struct{})
	go func() { // upstream → client, through the tap's Write
		defer close(upDone)
		_, err := io.Copy(t, up)
		if err == nil {
			err = io.EOF
		}
		t.expectClose(ClosedByBroker, "upstream ended the connection: "+readErrorText(err))
		t.Close()
	}()
	_, _ = io.Copy(up, t) // client → upstream, through the tap's Read
	up.Close()
	<-upDone
	p.mu.Lock()
	delete(p.conns, t)
	p.mu.Unlock()
	t.finish(nil)
}
