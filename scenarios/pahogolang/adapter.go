// Package pahogolang is the scenarios suite's adapter for
// github.com/eclipse/paho.golang's paho.Client (MQTT 5), with its session
// state in memory.
//
//	func TestScenarios(t *testing.T) { scenarios.Run(t, pahogolang.Paho) }
package pahogolang

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session/state"
	"github.com/mqtt-testkit/testkit/scenarios"
)

// Paho is paho.golang's paho.Client, one per connection, all of a client's
// connections sharing one session state in memory (a restarted process has
// lost it). The library does not reconnect by itself: Connect does.
var Paho = scenarios.Adapter{
	Name:  "paho.golang (paho.Client)",
	Can:   scenarios.V5 | scenarios.QoS2 | scenarios.ManualAck | scenarios.Dup | scenarios.VirtualTime,
	New:   newClient,
	Known: known,
}

// known are paho.golang v0.23.0's bugs that the suite shows, each with its
// upstream issue.
var known = map[string]string{
	// It keeps the server's Maximum Packet Size, and sends larger packets.
	"Limits/MaximumPacketSize": "https://github.com/eclipse-paho/paho.golang/issues/4",
}

// client is a paho.golang client as a scenarios.Client: a paho.Client for
// the connection open now, and the session state they share.
type client struct {
	cfg     scenarios.Config
	session *state.State

	mu     sync.Mutex
	c      *paho.Client // nil before the first Connect
	conn   net.Conn
	killed bool
}

func newClient(cfg scenarios.Config) (scenarios.Client, error) {
	if cfg.Version != 5 {
		return nil, fmt.Errorf("paho.golang speaks MQTT 5, not version %d", cfg.Version)
	}
	return &client{cfg: cfg, session: state.NewInMemory()}, nil
}

// current returns the paho.Client of the connection open now.
func (cl *client) current() (*paho.Client, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.c == nil {
		return nil, errors.New("not connected")
	}
	return cl.c, nil
}

func (cl *client) Connect(ctx context.Context) (bool, error) {
	if old, err := cl.current(); err == nil {
		select { // the connection must be gone: paho.Client notices, and stops
		case <-old.Done():
		case <-ctx.Done():
			return false, fmt.Errorf("the connection was never lost: %w", ctx.Err())
		}
	}
	conn, err := cl.cfg.Dial(ctx)
	if err != nil {
		return false, err
	}
	if _, ok := conn.(sync.Locker); !ok { // paho.golang writes a packet in pieces
		conn = packets.NewThreadSafeConn(conn)
	}
	c := paho.NewClient(paho.ClientConfig{
		ClientID:                   cl.cfg.ClientID,
		Conn:                       conn,
		Session:                    guarded{cl.session},
		OnPublishReceived:          []func(paho.PublishReceived) (bool, error){deliverer(cl.cfg)},
		EnableManualAcknowledgment: cl.cfg.ManualAck,
		OnClientError:              func(error) {},
		OnServerDisconnect:         func(*paho.Disconnect) {},
	})
	cl.mu.Lock()
	cl.c, cl.conn = c, conn
	cl.mu.Unlock()
	ca, err := c.Connect(ctx, cl.connectPacket())
	if err != nil {
		conn.Close()
		return false, err
	}
	return ca.SessionPresent, nil
}

// connectPacket is the CONNECT that cl.cfg asks for.
func (cl *client) connectPacket() *paho.Connect {
	cfg := cl.cfg
	expiry := uint32(cfg.SessionExpiry / time.Second)
	cp := &paho.Connect{
		ClientID:   cfg.ClientID,
		CleanStart: cfg.CleanStart,
		KeepAlive:  uint16(cfg.KeepAlive / time.Second),
		Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry},
	}
	if w := cfg.Will; w != nil {
		delay := uint32(w.Delay / time.Second)
		cp.WillMessage = &paho.WillMessage{Topic: w.Topic, Payload: w.Payload, QoS: w.QoS, Retain: w.Retain}
		cp.WillProperties = &paho.WillProperties{WillDelayInterval: &delay}
	}
	if cfg.Username != "" {
		cp.Username, cp.UsernameFlag = cfg.Username, true
		cp.Password, cp.PasswordFlag = []byte(cfg.Password), true
	}
	return cp
}

func (cl *client) Subscribe(ctx context.Context, sub scenarios.Subscription) error {
	s, err := cl.current()
	if err != nil {
		return err
	}
	return subscribe(ctx, s, sub)
}

func (cl *client) Unsubscribe(ctx context.Context, filter string) error {
	s, err := cl.current()
	if err != nil {
		return err
	}
	_, err = s.Unsubscribe(ctx, &paho.Unsubscribe{Topics: []string{filter}})
	return err
}

func (cl *client) Publish(ctx context.Context, m scenarios.Message) <-chan error {
	s, err := cl.current()
	return publish(ctx, s, err, m)
}

func (cl *client) Disconnect(ctx context.Context) error {
	c, err := cl.current()
	if err != nil {
		return err
	}
	err = c.Disconnect(&paho.Disconnect{ReasonCode: 0})
	select {
	case <-c.Done():
	case <-ctx.Done():
		return ctx.Err()
	}
	return err
}

func (cl *client) Kill() {
	cl.mu.Lock()
	cl.killed = true
	c, conn := cl.c, cl.conn
	cl.mu.Unlock()
	if c == nil {
		return
	}
	conn.Close()
	select { // paho.Client notices the closed connection, and stops
	case <-c.Done():
	case <-time.After(5 * time.Second):
	}
}
