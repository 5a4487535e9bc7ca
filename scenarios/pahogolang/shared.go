package pahogolang

import (
	"context"
	"fmt"

	"github.com/eclipse/paho.golang/paho"
	"github.com/mqtt-testkit/testkit/scenarios"
)

// session is what a paho.Client and an autopaho.ConnectionManager both
// offer, and the adapters use.
type session interface {
	Subscribe(context.Context, *paho.Subscribe) (*paho.Suback, error)
	Unsubscribe(context.Context, *paho.Unsubscribe) (*paho.Unsuback, error)
	Publish(context.Context, *paho.Publish) (*paho.PublishResponse, error)
}

// subscribe subscribes s, and takes a refusing SUBACK for an error.
func subscribe(ctx context.Context, s session, sub scenarios.Subscription) error {
	sa, err := s.Subscribe(ctx, subscribePacket(sub))
	if err != nil {
		return err
	}
	if len(sa.Reasons) != 1 || sa.Reasons[0] >= 0x80 {
		return fmt.Errorf("the broker refused the subscription: reason codes %x", sa.Reasons)
	}
	return nil
}

// publish publishes m through s, unless err says there is no s, and
// reports on the channel when paho.golang returns.
func publish(ctx context.Context, s session, err error, m scenarios.Message) <-chan error {
	done := make(chan error, 1)
	if err != nil {
		done <- err
		return done
	}
	go func() {
		_, err := s.Publish(ctx, &paho.Publish{Topic: m.Topic, Payload: m.Payload, QoS: m.QoS, Retain: m.Retain})
		done <- err
	}()
	return done
}

// subscribePacket is the SUBSCRIBE for sub.
func subscribePacket(sub scenarios.Subscription) *paho.Subscribe {
	p := &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{
		Topic: sub.Filter, QoS: sub.QoS, NoLocal: sub.NoLocal, RetainAsPublished: sub.RetainAsPublished, RetainHandling: sub.RetainHandling,
	}}}
	if sub.ID > 0 {
		id := sub.ID
		p.Properties = &paho.SubscribeProperties{SubscriptionIdentifier: &id}
	}
	return p
}

// message is what the application gets of p. paho.golang keeps one
// Subscription Identifier of a PUBLISH (the last), so the adapters do not
// declare SubscriptionIDs.
func message(p *paho.Publish) scenarios.Message {
	m := scenarios.Message{Topic: p.Topic, Payload: p.Payload, QoS: p.QoS, Retain: p.Retain, Dup: p.Duplicate()}
	if p.Properties != nil && p.Properties.SubscriptionIdentifier != nil {
		m.SubscriptionIDs = []int{*p.Properties.SubscriptionIdentifier}
	}
	return m
}

// deliverer is the OnPublishReceived handler: it hands each message to
// cfg.Deliver, what the application gets, with an Ack under ManualAck.
func deliverer(cfg scenarios.Config) func(paho.PublishReceived) (bool, error) {
	return func(pr paho.PublishReceived) (bool, error) {
		p := pr.Packet
		m := message(p)
		if cfg.ManualAck {
			m.Ack = func() error { return pr.Client.Ack(p) }
		}
		cfg.Deliver(m)
		return true, nil
	}
}
