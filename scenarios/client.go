package scenarios

import (
	"context"
	"net"
	"time"
)

// Client is one client object of the library under test, as an adapter
// wraps it: the one thing a project writes to run the suite. A scenario calls
// its methods from one goroutine at a time. Every method that takes a ctx
// returns by the time ctx is done.
type Client interface {
	// Connect connects to the broker through Config.Dial and returns once
	// the broker's CONNACK has been accepted, with its Session Present
	// flag. Called again after the connection was lost, it reconnects; a
	// client that reconnects by itself may instead wait until it has.
	Connect(ctx context.Context) (sessionPresent bool, err error)
	// Subscribe subscribes and returns once the SUBACK is in; a SUBACK
	// that refuses the subscription is an error.
	Subscribe(ctx context.Context, sub Subscription) error
	// Unsubscribe unsubscribes from filter and returns once the UNSUBACK is in.
	Unsubscribe(ctx context.Context, filter string) error
	// Publish hands a message to the library and returns at once. The
	// channel gets one value when the library reports the message complete
	// (QoS 0: written; QoS 1: PUBACK; QoS 2: PUBCOMP), or failed, or when
	// ctx is done.
	Publish(ctx context.Context, m Message) <-chan error
	// Disconnect disconnects cleanly (a DISCONNECT packet) and stops the
	// client.
	Disconnect(ctx context.Context) error
	// Kill is the process dying: the connection closes without a
	// DISCONNECT, and the client stops, without reconnecting. What the
	// library had persisted stays in its store (Config.Store).
	Kill()
}

// Config is how a scenario wants a client made.
type Config struct {
	// ClientID is the client identifier; empty asks the broker for one.
	ClientID string
	// Version is the protocol version: 4 (MQTT 3.1.1) or 5.
	Version byte
	// CleanStart is the Clean Session flag (3.1.1) or Clean Start (5).
	CleanStart bool
	// SessionExpiry is the v5 Session Expiry Interval: 0 ends the session
	// with the connection.
	SessionExpiry time.Duration
	// KeepAlive is the keepalive interval; 0 turns it off.
	KeepAlive time.Duration
	// Will is the client's will, or nil.
	Will *Will
	// Username and Password are the credentials; empty sends none.
	Username, Password string
	// AutoReconnect asks the library to reconnect by itself after a lost
	// connection (only asked of a client whose adapter has AutoReconnect).
	AutoReconnect bool
	// ManualAck asks the library to let the application acknowledge each
	// message (Message.Ack); only asked with ManualAck.
	ManualAck bool
	// Dial opens a connection to the broker: the client must connect with
	// it, every time, instead of dialling an address of its own.
	Dial func(ctx context.Context) (net.Conn, error)
	// Store names the client's persistent store: a directory of its own,
	// which the adapter may write in. A client made again with the same
	// Store is the same process restarted, and finds what the last one
	// persisted, if the library persists.
	Store string
	// Deliver is what the application sees: the adapter calls it for each
	// message the library hands to the application, in that order.
	Deliver func(Message)
}

// Subscription is a subscription request. The fields after QoS are MQTT
// 5's subscription options; a v5 scenario may set them.
type Subscription struct {
	Filter            string
	QoS               byte
	NoLocal           bool
	RetainAsPublished bool
	// RetainHandling: 0 sends retained messages at every subscribe, 1 only
	// for a new subscription, 2 never.
	RetainHandling byte
	// ID is the v5 Subscription Identifier; 0 sends none.
	ID int
}

// Will is a client's will message.
type Will struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
	// Delay is the v5 Will Delay Interval.
	Delay time.Duration
}

// Message is a message published or received by a client.
type Message struct {
	Topic   string
	Payload []byte
	QoS     byte
	Retain  bool
	// Dup is the DUP flag of the PUBLISH it came in, where the library
	// exposes it (Dup capability).
	Dup bool
	// SubscriptionIDs are the v5 Subscription Identifiers it came with,
	// as far as the library reports them (SubscriptionIDs capability).
	SubscriptionIDs []int
	// Ack acknowledges the message when the client was made with
	// ManualAck; nil otherwise.
	Ack func() error
}
