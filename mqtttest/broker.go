package mqtttest

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// Broker is an MQTT broker (mochi-mqtt) running in this process, with a wire
// tap on every connection that records each packet in its Recorder. Make one
// with NewBroker in a test, or Start elsewhere. All methods are safe for use
// from any goroutine.
type Broker struct {
	host     // recorder, faults, connection numbers, closed
	cfg      *config
	srv      *mqtt.Server
	ca       *testCA
	tcp      *listener // nil with WithoutTCP
	mem      *listener // connections in memory (Dial)
	memTLS   *listener // TLS in memory (DialTLS), with WithTLS or WithTLSFiles
	memSeq   atomic.Uint64
	tlsL     *listener
	wsL      *listener
	log      *slog.Logger   // mochi's logs, and reports of a slow Close
	logs     closingHandler // what mochi logs through, silenced by Close
	hook     *hook          // our hook on srv
	connects connects       // each client's last CONNECT, for Clients
	inbound  inboundIDs     // the packet identifiers of the clients' QoS flows, translated for mochi

	tlsConf     *tls.Config
	mu          sync.RWMutex // Restart and Close hold it to swap srv and the listeners; readers hold it to use them
	closeOnce   sync.Once
	partitioned atomic.Bool   // see Partition
	served      chan struct{} // closed when mochi's Serve has returned (serve)
}

// NewBroker starts a Broker on a free loopback port and registers its Close
// with t.Cleanup. If the test has failed by then, the end of the transcript
// is logged, so a CI log alone shows what crossed the wire. A broker that
// cannot start fails the test at once.
func NewBroker(t testing.TB, opts ...Option) *Broker {
	t.Helper()
	cfg, err := buildOptions(opts)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.testLogs {
		cfg.logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
		cfg.testLogs = false
	}
	b, err := start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.Close()
		name := "broker " + b.Addr()
		if b.cfg.noTCP {
			name = "broker in memory"
		}
		b.report(t, name)
	})
	return b
}

// Start starts a Broker, for code without a testing.TB (TestMain, a command).
// The caller must call Close when finished.
func Start(opts ...Option) (*Broker, error) {
	cfg, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	if cfg.testLogs {
		cfg.logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return start(cfg)
}

func start(cfg *config) (*Broker, error) {
	b := &Broker{cfg: cfg, log: cfg.logger}
	b.host.init("broker", cfg.recordLimit)
	b.w.SetSettle(b.settle)
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.logs = newClosingHandler(b.log.Handler())
	var tlsAddr, wsAddr string
	if cfg.tls || cfg.certFile != "" {
		tc, err := b.serverTLS()
		if err != nil {
			return nil, err
		}
		b.tlsConf, tlsAddr = tc, "127.0.0.1:0"
	}
	if cfg.webSocket {
		wsAddr = "127.0.0.1:0"
	}
	if err := b.listen(cfg.addr, tlsAddr, wsAddr); err != nil {
		return nil, err
	}
	if err := b.serve(nil); err != nil {
		return nil, err
	}
	return b, nil
}

// listen opens the broker's listeners: TCP on tcpAddr, and TLS and WebSocket
// when their addresses are not empty. On error none is left open.
func (b *Broker) listen(tcpAddr, tlsAddr, wsAddr string) (err error) {
	var opened []net.Listener
	defer func() {
		if err != nil {
			for _, ln := range opened {
				ln.Close()
			}
		}
	}()
	open := func(id, addr, what string, tc *tls.Config) (*listener, error) {
		if addr == "" {
			return nil, nil
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			hint := "" // the error itself says what is wrong with an invalid address
			if errors.Is(err, syscall.EADDRINUSE) {
				hint = " (another process is listening on that port; 127.0.0.1:0 picks a free one)"
			}
			return nil, fmt.Errorf("mqtttest: cannot listen for %s on %s: %w%s", what, addr, err, hint)
		}
		opened = append(opened, ln)
		return newListener(id, ln, tc, b), nil
	}
	if b.cfg.noTCP {
		tcpAddr, tlsAddr, wsAddr = "", "", ""
	}
	tcpL, err := open("tcp", tcpAddr, "MQTT", nil)
	if err != nil {
		return err
	}
	tlsL, err := open("tls", tlsAddr, "MQTT over TLS", b.tlsConf)
	if err != nil {
		return err
	}
	wsL, err := open("ws", wsAddr, "MQTT over WebSocket", nil)
	if err != nil {
		return err
	}
	b.tcp, b.tlsL, b.wsL = tcpL, tlsL, wsL
	b.mem, b.memTLS = newListener("memory", newMemListener(&b.memSeq), nil, b), nil
	if b.tlsConf != nil {
		b.memTLS = newListener("memory-tls", newMemListener(&b.memSeq), b.tlsConf, b)
	}
	return nil
}

// serve starts a mochi server on the broker's listeners, with the sessions
// of snap when it is not nil. On error the listeners are closed.
func (b *Broker) serve(snap *snapshot) error {
	h := &hook{b: b}
	opts := serverOptions(slog.New(mochiLog{next: b.logs, hook: h}), b.cfg)
	// mqtt.New makes the inline client (Broker.Publish) with a write queue
	// of MaximumClientWritesPending places, 64 KiB at the default 8192, two
	// thirds of an idle broker's memory; nothing is ever written to it, as
	// it subscribes to nothing. The clients that connect get the full queue.
	pending := opts.Capabilities.MaximumClientWritesPending
	opts.Capabilities.MaximumClientWritesPending = 1
	b.srv = mqtt.New(opts)
	opts.Capabilities.MaximumClientWritesPending = pending
	h.srv, b.hook = b.srv, h
	fail := func(err error) error {
		for _, l := range b.listeners() {
			l.ln.Close()
		}
		return err
	}
	if err := b.srv.AddHook(h, nil); err != nil {
		return fail(fmt.Errorf("mqtttest: add hook: %w", err))
	}
	if snap != nil {
		if err := b.srv.AddHook(snap, nil); err != nil {
			return fail(fmt.Errorf("mqtttest: add session store: %w", err))
		}
	}
	for _, l := range b.listeners() {
		if err := b.srv.AddListener(l); err != nil {
			return fail(fmt.Errorf("mqtttest: add listener %s: %w", l.id, err))
		}
	}
	served := make(chan struct{})
	b.served = served
	if snap != nil { // the sessions are in before any client connects
		defer close(served)
		if err := b.srv.Serve(); err != nil {
			b.srv.Close()
			return fmt.Errorf("mqtttest: start broker: %w", err)
		}
		return nil
	}
	// mochi's Serve starts the listeners, then publishes its $SYS topics as
	// retained messages, after runtime.ReadMemStats: most of a start's time.
	// The broker is ready once the listeners serve, so the test goes on
	// meanwhile; Close and Restart wait for Serve to return. Without a
	// session store Serve has nothing that can fail; were it to, the error
	// is logged.
	go func() {
		defer close(served)
		if err := b.srv.Serve(); err != nil {
			b.logStuck(fmt.Sprintf("mqtttest: start broker: %v", err))
		}
	}()
	return nil
}

// server returns the mochi server now running (Restart replaces it).
func (b *Broker) server() *mqtt.Server {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return b.srv
}

// listeners returns the broker's open listeners.
func (b *Broker) listeners() []*listener {
	var ls []*listener
	for _, l := range []*listener{b.tcp, b.tlsL, b.wsL, b.mem, b.memTLS} {
		if l != nil {
			ls = append(ls, l)
		}
	}
	return ls
}

// serverOptions are the mochi options for strict MQTT conformance. Each
// choice that differs from mochi's defaults is explained here.
func serverOptions(log *slog.Logger, cfg *config) *mqtt.Options {
	caps := mqtt.NewDefaultServerCapabilities()
	caps.MaximumPacketSize = cfg.maxPacketSize
	// mochi's default limits drop messages with only a log line; ours are
	// MQTT's own (WithMaxInflight and the options after it), and every drop
	// is recorded.
	caps.MaximumInflight = cfg.maxInflight
	caps.MaximumClientWritesPending = int32(cfg.maxPendingWrites)
	caps.ReceiveMaximum = cfg.receiveMaximum
	// mochi stamps a 24 h message expiry on every message that has none, and
	// v5 subscribers then see a Message Expiry Interval nobody sent. With 0,
	// a message expires only if its publisher said so [MQTT-3.3.2-5].
	caps.MaximumMessageExpiryInterval = 0
	// mochi copies a PUBLISH's properties into its PUBACK/PUBREC; the spec
	// allows only a reason string and user properties there, and echoing the
	// publisher's user properties misleads assertions on them.
	caps.Compatibilities.NoInheritedPropertiesOnAck = true
	// The other compatibility flags stay off, which is the strict choice:
	// ObscureNotAuthorized off: a denied SUBSCRIBE says 0x80 (v3) / 0x87 (v5).
	// PassiveClientDisconnect off: after a server DISCONNECT the server closes the connection [MQTT-3.14.4-1].
	// AlwaysReturnResponseInfo off: response information only when requested [MQTT-3.1.2-28].
	return &mqtt.Options{
		Capabilities: caps,
		// mochi buffers a small packet for a client that has deliveries
		// queued and writes it later with one of them; an acknowledgement
		// so delayed reaches the tap after the broker has gone back to
		// reading, and the tap's hold (internal/tap/holdack.go) would keep
		// it, and all behind it, until the client sent something else. With
		// 1 every packet is written as it is sent
		// (TestAckWhileDeliveriesQueue).
		ClientNetWriteBufferSize: 1,
		InlineClient:             true, // for Broker.Publish
		Logger:                   log,
		// $SYS topics are refreshed every 60 s rather than every second, so that
		// a subscriber to $SYS/# is not flooded and idle brokers stay idle.
		SysTopicResendInterval: 60,
	}
}

func (b *Broker) serverTLS() (*tls.Config, error) {
	if b.cfg.certFile != "" {
		cert, err := tls.LoadX509KeyPair(b.cfg.certFile, b.cfg.keyFile)
		if err != nil {
			return nil, fmt.Errorf("mqtttest: cannot load TLS certificate %s and key %s: %w", b.cfg.certFile, b.cfg.keyFile, err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	ca, err := newTestCA()
	if err != nil {
		return nil, fmt.Errorf("mqtttest: generate TLS certificates: %w", err)
	}
	b.ca = ca
	return &tls.Config{Certificates: []tls.Certificate{ca.server}, MinVersion: tls.VersionTLS12}, nil
}

// Recorder returns the broker's recorder.
func (b *Broker) Recorder() *Recorder { return b.rec }

// Close disconnects every client (v5 clients get DISCONNECT 0x8B "server
// shutting down"; v3 clients, which have no server DISCONNECT, are just
// closed), closes every connection, including ones that never sent CONNECT
// and ones whose client has stopped reading, and returns when the listeners
// and every connection have ended. mochi's event loop and per-client writer
// goroutines, which mochi gives no way to wait for, have been told to stop
// and end on their own a moment later; nothing is logged after Close
// returns. If closing takes more than 5 seconds, Close logs which
// connections are stuck, and in what state. Close is idempotent and safe
// from any goroutine; it always returns nil.
func (b *Broker) Close() error {
	b.closeOnce.Do(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.closed.Store(true)
		<-b.served        // mochi's Serve has returned (serve)
		_ = b.srv.Close() // closes our listeners, which wait for their connections
		b.logs.close()
		b.ended() // every connection's last records are in
	})
	return nil
}

// disconnectAll ends the session of every client on one listener as the
// broker shuts down (its caller, Close or Restart, holds b.mu): v5 clients get DISCONNECT 0x8B "server shutting down";
// v3 clients, for which the spec has no server DISCONNECT, are just closed.
//
// It filters GetAll itself: mochi's Clients.GetByListener takes its read
// lock twice, which deadlocks when a client leaves at the same moment
// (mochi-mqtt/server#488).
func (b *Broker) disconnectAll(listenerID string) {
	for _, cl := range b.srv.Clients.GetAll() {
		if cl.Net.Listener != listenerID || cl.Closed() {
			continue
		}
		if t := tapOf(cl); t != nil {
			t.ExpectClose(ClosedByBroker, "broker closed")
		}
		if cl.Properties.ProtocolVersion < 5 {
			cl.Stop(packets.ErrServerShuttingDown)
			continue
		}
		_ = b.srv.DisconnectClient(cl, packets.ErrServerShuttingDown)
	}
}

// logStuck reports a slow Close on the broker's logger and, since that is
// quiet by default, on standard error too.
func (b *Broker) logStuck(msg string) {
	b.log.Warn(msg)
	if b.cfg.logger == nil {
		fmt.Fprintln(os.Stderr, msg)
	}
}

// testWriter sends each line written to it to t.Log.
type testWriter struct{ t testing.TB }

// Write logs p, without its final newline, with t.Log.
func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

var _ io.Writer = testWriter{}
