package mqtttest

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	paho5 "github.com/eclipse/paho.golang/paho"
	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// waitTime bounds every wait in these tests; generous for a loaded CI machine.
const waitTime = 10 * time.Second

// ctxFor returns a context that ends after waitTime or with the test.
func ctxFor(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), waitTime)
	t.Cleanup(cancel)
	return ctx
}

// message is what a test client received.
type message struct {
	topic   string
	payload string
	qos     byte
	retain  bool
	dup     bool
	user    map[string]string
}

// client3 is a paho.mqtt.golang client (MQTT 3.1.1) with its received messages.
type client3 struct {
	paho3.Client
	got chan message
}

// newClient3 makes a paho.mqtt.golang client, not connected, whose
// messages arrive on got.
func newClient3(url, id string, tweak ...func(*paho3.ClientOptions)) *client3 {
	c := &client3{got: make(chan message, 100)}
	o := paho3.NewClientOptions().AddBroker(url).SetClientID(id).
		SetAutoReconnect(false).SetConnectRetry(false).SetConnectTimeout(waitTime).
		SetDefaultPublishHandler(func(_ paho3.Client, m paho3.Message) {
			c.got <- message{topic: m.Topic(), payload: string(m.Payload()), qos: m.Qos(), retain: m.Retained(), dup: m.Duplicate()}
		})
	for _, f := range tweak {
		f(o)
	}
	c.Client = paho3.NewClient(o)
	return c
}

// connect3 connects a paho.mqtt.golang client and disconnects it at cleanup.
func connect3(t testing.TB, url, id string, tweak ...func(*paho3.ClientOptions)) *client3 {
	t.Helper()
	c := newClient3(url, id, tweak...)
	tok := c.Connect()
	if !tok.WaitTimeout(waitTime) || tok.Error() != nil {
		t.Fatalf("connect %s to %s: %v", id, url, tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(1000) }) // returns once DISCONNECT is sent; with 0 paho may not send it
	return c
}

func (c *client3) subscribe(t testing.TB, filter string, qos byte) {
	t.Helper()
	tok := c.Subscribe(filter, qos, nil)
	if !tok.WaitTimeout(waitTime) || tok.Error() != nil {
		t.Fatalf("subscribe %s: %v", filter, tok.Error())
	}
}

func (c *client3) publish(t testing.TB, topic string, qos byte, retain bool, payload string) {
	t.Helper()
	tok := c.Publish(topic, qos, retain, payload)
	if !tok.WaitTimeout(waitTime) || tok.Error() != nil {
		t.Fatalf("publish %s: %v", topic, tok.Error())
	}
}

// receive waits for the next message the client got.
func receive(t testing.TB, got <-chan message) message {
	t.Helper()
	select {
	case m := <-got:
		return m
	case <-time.After(waitTime):
		t.Fatalf("no message within %v", waitTime)
		return message{}
	}
}

// client5 is an eclipse/paho.golang client (MQTT 5) with its received messages.
type client5 struct {
	*paho5.Client
	got          chan message
	disconnected chan *paho5.Disconnect
}

// connect5 connects an eclipse/paho.golang client and disconnects it at cleanup.
func connect5(t testing.TB, addr string, cp *paho5.Connect) *client5 {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitTime)
	if err != nil {
		t.Fatal(err)
	}
	c := &client5{got: make(chan message, 100), disconnected: make(chan *paho5.Disconnect, 1)}
	c.Client = paho5.NewClient(paho5.ClientConfig{
		ClientID: cp.ClientID,
		Conn:     conn,
		OnPublishReceived: []func(paho5.PublishReceived) (bool, error){func(pr paho5.PublishReceived) (bool, error) {
			m := message{topic: pr.Packet.Topic, payload: string(pr.Packet.Payload), qos: pr.Packet.QoS, retain: pr.Packet.Retain, user: map[string]string{}}
			if pr.Packet.Properties != nil {
				for _, u := range pr.Packet.Properties.User {
					m.user[u.Key] = u.Value
				}
			}
			c.got <- m
			return true, nil
		}},
		OnServerDisconnect: func(d *paho5.Disconnect) { c.disconnected <- d },
	})
	ca, err := c.Connect(ctxFor(t), cp)
	if err != nil {
		conn.Close()
		t.Fatalf("connect %s: %v", cp.ClientID, err)
	}
	if ca.ReasonCode != 0 {
		t.Fatalf("connect %s: CONNACK reason 0x%02x", cp.ClientID, ca.ReasonCode)
	}
	t.Cleanup(func() {
		_ = c.Disconnect(&paho5.Disconnect{})
		<-c.Done()
	})
	return c
}

// wait waits for a record matching every matcher and fails the test if none comes.
func wait(t testing.TB, rec *Recorder, m ...Matcher) Record {
	t.Helper()
	r, err := rec.WaitFor(ctxFor(t), m...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// flow returns the packet types of records, in order.
func flow(rs []Record) []string {
	var s []string
	for _, r := range rs {
		s = append(s, r.Dir.String()+" "+r.Type.String())
	}
	return s
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// within waits for ch to close, and fails the test after waitTime.
func within(t *testing.T, what string, ch <-chan struct{}) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(waitTime):
		t.Fatalf("waited %v for %s", waitTime, what)
	}
}
