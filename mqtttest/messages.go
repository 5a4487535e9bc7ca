package mqtttest

import (
	"bytes"
	"fmt"

	"github.com/mqtt-testkit/testkit/record"
)

// Message is record.Message: an application message, as the broker holds it.
type Message = record.Message

// Publish publishes a message from the broker itself, as if a client had
// sent it, to every matching subscriber; with retain it also becomes the
// topic's retained message (an empty payload clears it). ACL rules do not
// apply. The error says what is wrong with a bad topic or QoS.
func (b *Broker) Publish(topic string, payload []byte, qos byte, retain bool) error {
	if !record.ValidTopic(topic) {
		return fmt.Errorf("mqtttest: Publish: %q is not a topic name you can publish to (empty, or has a wildcard)", topic)
	}
	if qos > 2 {
		return fmt.Errorf("mqtttest: Publish: QoS %d, want 0, 1 or 2", qos)
	}
	// The lock keeps a Restart from taking its snapshot of the sessions
	// while the message is being routed into them (it would be lost).
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed.Load() {
		return errClosed
	}
	b.cfg.seams.at(func(s *seams) func() { return s.publishing })
	return b.srv.Publish(topic, payload, retain, qos)
}

// Retained returns the message the broker retains for topic, if any.
func (b *Broker) Retained(topic string) (Message, bool) {
	if !record.ValidTopic(topic) {
		return Message{}, false
	}
	for _, pk := range b.server().Topics.Messages(topic) {
		if pk.TopicName == topic {
			return Message{Topic: topic, Payload: bytes.Clone(pk.Payload), QoS: pk.FixedHeader.Qos, Retain: true}, true
		}
	}
	return Message{}, false
}
