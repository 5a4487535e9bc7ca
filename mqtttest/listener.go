package mqtttest

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// stuckAfter is how long Close waits before it logs the connections that
// keep it waiting.
const stuckAfter = 5 * time.Second

// listener is our implementation of mochi's listeners.Listener. It accepts
// connections itself, wraps each in a wire tap, bounds the wait for CONNECT,
// and on Close cuts every connection, even one that never sent CONNECT (which
// mochi's own listeners leave open, so mochi's Close would wait forever).
type listener struct {
	id    string // "tcp", "tls", "ws", "memory" or "memory-tls"
	ln    net.Listener
	tls   *tls.Config // for "tls" and "memory-tls"
	b     *Broker
	conns connSet

	mu    sync.Mutex
	httpS *http.Server // for "ws"
}

var _ listeners.Listener = (*listener)(nil)

func newListener(id string, ln net.Listener, tlsConfig *tls.Config, b *Broker) *listener {
	return &listener{id: id, ln: ln, tls: tlsConfig, b: b}
}

// ID returns the listener's id.
func (l *listener) ID() string { return l.id }

// Address returns the address the listener is bound to.
func (l *listener) Address() string { return l.ln.Addr().String() }

// Protocol returns the listener's protocol.
func (l *listener) Protocol() string { return l.id }

// Init does nothing: the socket is opened before the broker starts, so that
// an address in use is reported by Start.
func (l *listener) Init(*slog.Logger) error { return nil }

// Serve accepts connections until Close.
func (l *listener) Serve(establish listeners.EstablishFn) {
	if !l.conns.enter() {
		return
	}
	defer l.conns.leave()
	if l.id == "ws" {
		l.serveWebSocket(establish)
		return
	}
	l.conns.accept(l.ln, func(raw net.Conn) {
		c := raw
		if l.tls != nil {
			c = tls.Server(raw, l.tls)
		}
		l.handle(c, raw, establish)
	})
}

func (l *listener) serveWebSocket(establish listeners.EstablishFn) {
	up := websocket.Upgrader{Subprotocols: []string{"mqtt"}, CheckOrigin: func(*http.Request) bool { return true }}
	l.mu.Lock()
	l.httpS = &http.Server{
		ReadHeaderTimeout: l.b.cfg.connectTimeout,
		ErrorLog:          nil,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ws, err := up.Upgrade(w, r, nil)
			if err != nil {
				return // the upgrader has answered with an HTTP error
			}
			if !l.conns.enter() {
				ws.Close()
				return
			}
			defer l.conns.leave()
			raw := ws.UnderlyingConn()
			l.handle(&wsConn{Conn: raw, ws: ws}, raw, establish)
		}),
	}
	srv := l.httpS
	l.mu.Unlock()
	_ = srv.Serve(l.ln) // returns when Close closes the server
}

// handle taps one connection and hands it to the broker until it ends.
func (l *listener) handle(c, raw net.Conn, establish listeners.EstablishFn) {
	t := l.b.tap(c, raw, tap.Config{Listener: l.id, MaxPacket: l.b.cfg.maxPacketSize, TLS: l.tls != nil, Seams: l.b.cfg.seams.tap()})
	if !l.conns.add(t) { // Close has already cut the others; this one never reaches the broker
		t.Cut(ClosedByBroker, "broker closed")
		t.Finish(nil)
		return
	}
	defer l.conns.remove(t)
	if l.b.partitioned.Load() {
		t.Cut(ClosedByTest, "refused: the broker is partitioned (Broker.Partition)")
		t.Finish(nil)
		return
	}
	// mochi sets no deadline before CONNECT; ours is replaced by the keepalive once CONNECT arrives.
	_ = raw.SetReadDeadline(time.Now().Add(l.b.cfg.connectTimeout))
	err := establish(l.id, newBrokerConn(t, l.b.cfg.seams))
	t.Finish(err)
}

// shutdownWrites bounds how long the broker may write to a client whose
// connection it is ending (Close, Restart, Disconnect, a takeover), DISCONNECT
// included: a client that has stopped reading cannot stall it. A client
// that reads takes its DISCONNECT in microseconds.
const shutdownWrites = 250 * time.Millisecond

// shutdownDeadline is the write deadline of a connection about to be closed.
func shutdownDeadline() time.Time { return time.Now().Add(shutdownWrites) }

// Close stops accepting, disconnects the broker's clients, cuts every
// connection still open, and returns when all of them are done. It does not
// use mochi's closeClients, which sends DISCONNECT to v3 clients too.
func (l *listener) Close(listeners.CloseFn) {
	watchdog := time.AfterFunc(stuckAfter, func() {
		l.b.logStuck(fmt.Sprintf("mqtttest: %s listener still closing after %v; connections: %v", l.id, stuckAfter, l.conns.states()))
	})
	defer watchdog.Stop()
	limit := shutdownDeadline()
	if !l.conns.close(func(t *tap.Conn) {
		t.ExpectClose(ClosedByBroker, "broker closed") // before a write can time out and be taken for the reason
		t.LimitWrites(limit)                           // a client that stopped reading cannot block its DISCONNECT,
		t.MarkDead()                                   // nor a fault's delay of a write under way
	}) {
		return
	}
	l.mu.Lock()
	srv := l.httpS
	l.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
	_ = l.ln.Close()
	l.b.disconnectAll(l.id)
	l.conns.each(func(t *tap.Conn) { t.Cut(ClosedByBroker, "broker closed") })
	l.conns.wait()
}
