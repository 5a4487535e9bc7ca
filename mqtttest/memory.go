package mqtttest

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mqtt-testkit/testkit/mqtttest/internal/memconn"
)

// Dial connects to the broker in memory, with no socket and no port: the
// connection goes through the same tap, recorder and faults as one over
// TCP, and its records name the listener "memory". It waits while a
// Restart is under way, and returns an error that wraps ErrClosed after
// Close, or ctx's error.
//
// The connection is the caller's to close, or the client library's that it
// is handed to. Package memdial plugs it into the client libraries:
// memdial.Paho for paho.mqtt.golang's SetCustomOpenConnectionFn,
// memdial.AutoPaho for autopaho's AttemptConnection; eclipse/paho.golang's
// ClientConfig.Conn and fake.New take b.Conn(t). DialTLS connects over TLS.
//
// A connection in memory behaves as TCP does for a client library: bytes
// in order, a write that waits while 256 KiB are unread, deadlines,
// half-close, and an EOF once the other end closes. It is also a
// sync.Locker, which eclipse/paho.golang needs to write each packet whole.
//
// In a testing/synctest bubble, a broker made WithoutTCP and its clients
// connected through Dial run on the bubble's clock: keepalive, will delay
// and session expiry take no wall time, and the recording's times are
// exact. A socket would hang the bubble (a goroutine blocked on a
// socket is never durably blocked), so clients such as mosquitto_pub,
// which open their own sockets, cannot join a bubble.
func (b *Broker) Dial(ctx context.Context) (net.Conn, error) {
	return b.dialMemory(ctx, false)
}

// DialTLS connects to the broker in memory over TLS: the broker's end is
// a TLS server with the certificate of WithTLS or WithTLSFiles, and the
// connection returned has completed its handshake with cfg, or with
// TLSConfig (which trusts the generated CA) when cfg is nil. Its records
// name the listener "memory-tls". It returns an error for a broker without
// WithTLS or WithTLSFiles, for a nil cfg with WithTLSFiles, and for a
// handshake that fails (an untrusted certificate, a wrong server name).
func (b *Broker) DialTLS(ctx context.Context, cfg *tls.Config) (net.Conn, error) {
	if b.tlsConf == nil { // set at start, for good
		return nil, errors.New("mqtttest: DialTLS: the broker has no TLS (start it WithTLS or WithTLSFiles)")
	}
	if cfg == nil {
		if cfg = b.TLSConfig(); cfg == nil {
			return nil, errors.New("mqtttest: DialTLS: no *tls.Config given, and the broker's certificate is yours (WithTLSFiles): give one that trusts it")
		}
	}
	raw, err := b.dialMemory(ctx, true)
	if err != nil {
		return nil, err
	}
	c := tls.Client(raw, cfg)
	if err := c.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("mqtttest: DialTLS: TLS handshake: %w", err)
	}
	return c, nil
}

// dialMemory connects to the listener of connections in memory, the TLS
// one when secure. It waits while a Restart is under way: the listener it
// opens takes the connection.
func (b *Broker) dialMemory(ctx context.Context, secure bool) (net.Conn, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed.Load() {
		return nil, closedError{"broker", "Dial has nothing to connect to"}
	}
	l := b.mem
	if secure {
		l = b.memTLS
	}
	return l.ln.(*memListener).dial(ctx)
}

// Conn is Dial for a test: it returns a new connection to the broker in
// memory, fails t at once if there can be none (the broker is closed), and
// registers its Close with t.Cleanup (closing a connection twice is
// harmless, so it may be handed to a client library that closes it too).
func (b *Broker) Conn(t testing.TB) net.Conn {
	t.Helper()
	c, err := b.Dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// DialContext is Dial with the signature of net.Dialer.DialContext, for
// clients that take a dialer: network and address are ignored.
func (b *Broker) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return b.Dial(ctx)
}

// memListener is the net.Listener of connections in memory: dial queues
// the broker's end of a new connection, and Accept hands it to the
// broker's listener, which taps it as it does a TCP connection.
type memListener struct {
	conns chan net.Conn
	done  chan struct{} // closed by Close
	once  sync.Once
	seq   *atomic.Uint64 // numbers the clients' ends, across restarts
}

func newMemListener(seq *atomic.Uint64) *memListener {
	return &memListener{conns: make(chan net.Conn), done: make(chan struct{}), seq: seq}
}

// dial makes a connection and waits for the listener to accept it.
func (l *memListener) dial(ctx context.Context) (net.Conn, error) {
	client, broker := memconn.Pipe(fmt.Sprintf("memory-client-%d", l.seq.Add(1)), "memory")
	select {
	case l.conns <- broker:
		return client, nil
	case <-l.done:
		client.Close()
		broker.Close()
		return nil, closedError{"broker", "Dial has nothing to connect to"}
	case <-ctx.Done():
		client.Close()
		broker.Close()
		return nil, fmt.Errorf("mqtttest: Dial: %w", ctx.Err())
	}
}

// Accept returns the broker's end of the next connection Dial makes.
func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close ends Accept and every Dial waiting on it.
func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

// Addr returns "memory".
func (l *memListener) Addr() net.Addr { return memconn.Addr("memory") }
