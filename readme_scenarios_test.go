package testkit_test

import (
	"context"
	"net"
	"net/url"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/mqtt-testkit/testkit/scenarios"
)

// The adapter of README.md's "Test your own client", run against the
// retained and wildcard scenarios.

var Small = scenarios.Adapter{
	Name: "small (paho.mqtt.golang, no reconnect)",
	Can:  scenarios.V311 | scenarios.QoS2 | scenarios.VirtualTime,
	New: func(cfg scenarios.Config) (scenarios.Client, error) {
		s := &small{}
		opts := paho.NewClientOptions().AddBroker("tcp://unused:1883").SetClientID(cfg.ClientID).SetCleanSession(cfg.CleanStart).
			SetKeepAlive(cfg.KeepAlive).SetAutoReconnect(false).
			SetCustomOpenConnectionFn(func(*url.URL, paho.ClientOptions) (c net.Conn, err error) {
				s.conn, err = cfg.Dial(context.Background())
				return s.conn, err
			}).
			SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
				cfg.Deliver(scenarios.Message{Topic: m.Topic(), Payload: m.Payload(), QoS: m.Qos(), Retain: m.Retained()})
			})
		if w := cfg.Will; w != nil {
			opts.SetBinaryWill(w.Topic, w.Payload, w.QoS, w.Retain)
		}
		s.c = paho.NewClient(opts)
		return s, nil
	},
}

type small struct {
	c    paho.Client
	conn net.Conn
}

func wait(ctx context.Context, t paho.Token) error {
	select {
	case <-t.Done():
		return t.Error()
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *small) Connect(ctx context.Context) (bool, error) {
	t := s.c.Connect()
	err := wait(ctx, t)
	return err == nil && t.(*paho.ConnectToken).SessionPresent(), err
}
func (s *small) Subscribe(ctx context.Context, sub scenarios.Subscription) error {
	return wait(ctx, s.c.Subscribe(sub.Filter, sub.QoS, nil))
}
func (s *small) Unsubscribe(ctx context.Context, f string) error {
	return wait(ctx, s.c.Unsubscribe(f))
}
func (s *small) Publish(ctx context.Context, m scenarios.Message) <-chan error {
	done, t := make(chan error, 1), s.c.Publish(m.Topic, m.QoS, m.Retain, m.Payload)
	go func() { done <- wait(ctx, t) }()
	return done
}
func (s *small) Disconnect(context.Context) error { s.c.Disconnect(1000); return nil }
func (s *small) Kill()                            { s.conn.Close(); s.c.Disconnect(250) }

func TestSmall(t *testing.T) {
	scenarios.Run(t, Small, scenarios.Named("Retained/", "Wildcards/"))
}
