package pahogolang

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session/state"
	"github.com/mqtt-testkit/testkit/scenarios"
)

// AutoPaho is paho.golang's autopaho.ConnectionManager, which reconnects by
// itself when asked (Config.AutoReconnect), over one session state in
// memory. Without AutoReconnect, a lost connection stops the manager, and
// Connect starts another on the same session.
var AutoPaho = scenarios.Adapter{
	Name:  "paho.golang (autopaho)",
	Can:   scenarios.V5 | scenarios.QoS2 | scenarios.AutoReconnect | scenarios.ManualAck | scenarios.Dup | scenarios.VirtualTime,
	New:   newAuto,
	Known: known,
}

// auto is an autopaho connection manager as a scenarios.Client.
type auto struct {
	cfg     scenarios.Config
	session *state.State

	mu      sync.Mutex
	cm      *autopaho.ConnectionManager // nil before the first Connect, and after a stop
	up      bool                        // a connection is up
	present bool                        // its CONNACK's Session Present
	conn    *watched                    // the last connection opened
	changed chan struct{}               // closed and replaced when any of the above changes
	killed  bool
}

func newAuto(cfg scenarios.Config) (scenarios.Client, error) {
	if cfg.Version != 5 {
		return nil, fmt.Errorf("paho.golang speaks MQTT 5, not version %d", cfg.Version)
	}
	return &auto{cfg: cfg, session: state.NewInMemory(), changed: make(chan struct{})}, nil
}

// watched is a connection that notes when it has failed, as the manager
// may notice a moment later.
type watched struct {
	net.Conn
	a    *auto
	dead bool // under a.mu
}

func (w *watched) Read(b []byte) (int, error) {
	n, err := w.Conn.Read(b)
	if err != nil {
		w.a.set(func() { w.dead = true })
	}
	return n, err
}

// Lock and Unlock keep paho.golang from interleaving packets.
func (w *watched) Lock() {
	if l, ok := w.Conn.(sync.Locker); ok {
		l.Lock()
	}
}

func (w *watched) Unlock() {
	if l, ok := w.Conn.(sync.Locker); ok {
		l.Unlock()
	}
}

// set changes the state under the lock, and wakes whoever waits on it.
func (a *auto) set(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
	close(a.changed)
	a.changed = make(chan struct{})
}

// dial is autopaho's AttemptConnection: Config.Dial, unless killed.
func (a *auto) dial(ctx context.Context, _ autopaho.ClientConfig, _ *url.URL) (net.Conn, error) {
	a.mu.Lock()
	killed := a.killed
	a.mu.Unlock()
	if killed {
		return nil, errors.New("the process was killed")
	}
	conn, err := a.cfg.Dial(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := conn.(sync.Locker); !ok {
		conn = packets.NewThreadSafeConn(conn)
	}
	w := &watched{Conn: conn, a: a}
	a.set(func() { a.conn = w })
	return w, nil
}

// start starts a connection manager on the client's session.
func (a *auto) start() (*autopaho.ConnectionManager, error) {
	cfg := a.cfg
	cc := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{{Scheme: "mqtt", Host: "unused:1883"}}, // not dialled: dial is
		AttemptConnection:             a.dial,
		KeepAlive:                     uint16(cfg.KeepAlive / time.Second),
		CleanStartOnInitialConnection: cfg.CleanStart,
		SessionExpiryInterval:         uint32(cfg.SessionExpiry / time.Second),
		ReconnectBackoff:              autopaho.NewConstantBackoff(500 * time.Millisecond),
		ConnectTimeout:                5 * time.Second,
		OnConnectionUp: func(_ *autopaho.ConnectionManager, ca *paho.Connack) {
			a.set(func() { a.up, a.present = true, ca.SessionPresent })
		},
		OnConnectionDown: func() bool {
			a.set(func() { a.up = false })
			return cfg.AutoReconnect
		},
		ClientConfig: paho.ClientConfig{
			ClientID:                   cfg.ClientID,
			Session:                    guarded{a.session},
			OnPublishReceived:          []func(paho.PublishReceived) (bool, error){deliverer(a.cfg)},
			EnableManualAcknowledgment: cfg.ManualAck,
		},
	}
	if w := cfg.Will; w != nil {
		delay := uint32(w.Delay / time.Second)
		cc.WillMessage = &paho.WillMessage{Topic: w.Topic, Payload: w.Payload, QoS: w.QoS, Retain: w.Retain}
		cc.WillProperties = &paho.WillProperties{WillDelayInterval: &delay}
	}
	if cfg.Username != "" {
		cc.ConnectUsername, cc.ConnectPassword = cfg.Username, []byte(cfg.Password)
	}
	return autopaho.NewConnection(context.Background(), cc)
}

// Connect starts a connection manager, or, with one running that
// reconnects by itself, waits until it has a connection that has not
// failed.
func (a *auto) Connect(ctx context.Context) (bool, error) {
	a.mu.Lock()
	cm := a.cm
	a.mu.Unlock()
	if cm != nil && !a.cfg.AutoReconnect {
		if err := a.awaitDown(ctx); err != nil {
			return false, err
		}
		if err := cm.Disconnect(ctx); err != nil { // it no longer connects, but waits to be told to stop
			return false, err
		}
		cm = nil
	}
	if cm == nil {
		var err error
		if cm, err = a.start(); err != nil {
			return false, err
		}
		a.set(func() { a.cm = cm }) // up is false: no manager yet, or the last one's connection went down; this one's may be up already
	}
	for {
		a.mu.Lock()
		up, present, conn, changed := a.up, a.present, a.conn, a.changed
		live := conn != nil && !conn.dead
		a.mu.Unlock()
		if up && live {
			return present, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
}

// awaitDown waits until the manager has seen its connection go down.
func (a *auto) awaitDown(ctx context.Context) error {
	for {
		a.mu.Lock()
		up, changed := a.up, a.changed
		a.mu.Unlock()
		if !up {
			return nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return fmt.Errorf("the connection was never lost: %w", ctx.Err())
		}
	}
}

// manager returns the connection manager running now.
func (a *auto) manager() (*autopaho.ConnectionManager, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.cm == nil {
		return nil, errors.New("not connected")
	}
	return a.cm, nil
}

func (a *auto) Subscribe(ctx context.Context, sub scenarios.Subscription) error {
	s, err := a.manager()
	if err != nil {
		return err
	}
	return subscribe(ctx, s, sub)
}

func (a *auto) Unsubscribe(ctx context.Context, filter string) error {
	s, err := a.manager()
	if err != nil {
		return err
	}
	_, err = s.Unsubscribe(ctx, &paho.Unsubscribe{Topics: []string{filter}})
	return err
}

func (a *auto) Publish(ctx context.Context, m scenarios.Message) <-chan error {
	s, err := a.manager()
	return publish(ctx, s, err, m)
}

// Disconnect stops the manager, which sends DISCONNECT if a connection is up.
func (a *auto) Disconnect(ctx context.Context) error {
	cm, err := a.manager()
	if err != nil {
		return err
	}
	a.mu.Lock()
	up := a.up
	a.mu.Unlock()
	err = cm.Disconnect(ctx)
	a.set(func() { a.cm = nil })
	if err == nil && !up {
		err = errors.New("not connected")
	}
	return err
}

// Kill closes the connection under the manager and stops it, with nothing
// sent: autopaho's own Disconnect would send DISCONNECT.
func (a *auto) Kill() {
	a.mu.Lock()
	a.killed = true
	cm, conn := a.cm, a.conn
	a.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	if cm != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = cm.Disconnect(ctx) // its DISCONNECT, if it still thinks it is up, goes to a closed connection
	}
}
