package mqtttest

import (
	"bytes"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	paho3 "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
)

// TestRetainRightAfterSuback publishes a retained message the moment a
// subscriber has its SUBACK, many times over. Without the tap holding the
// SUBACK until mochi has finished the subscription, the subscriber sometimes
// gets the message twice (once flagged retained, though it was subscribed
// before the publish [MQTT-3.3.1-9]), and -race reports mochi's lookup of
// retained messages racing the retain.
func TestRetainRightAfterSuback(t *testing.T) {
	b := NewBroker(t)
	sub := connect3(t, b.URL(), "sub")
	pub := connect3(t, b.URL(), "pub")
	for i := 0; i < 50; i++ {
		topic := fmt.Sprintf("race/%d/state", i)
		sub.subscribe(t, fmt.Sprintf("race/%d/+", i), 1)
		pub.publish(t, topic, 1, true, "on")
		m := receive(t, sub.got)
		if m.topic != topic || m.retain {
			t.Fatalf("round %d: first delivery %+v, want %s without the retain flag", i, m, topic)
		}
		// The next round's SUBACK comes after this round's deliveries: a second
		// copy would be in the recorder by then.
		sub.subscribe(t, fmt.Sprintf("race/%d/sync", i), 0)
		if n := len(b.Recorder().Find(ClientID("sub"), Dir(ToClient), Publish(topic))); n != 1 {
			t.Fatalf("round %d: %d deliveries of %s, want 1\n%s", i, n, topic, b.Recorder().Transcript())
		}
	}
}

// TestHeldSubackAndFaults checks the SUBACK hold against faults that act on
// the SUBACK: a delay does not hold up closing the connection, and a cut
// right after the SUBACK still lets it reach the client.
func TestHeldSubackAndFaults(t *testing.T) {
	t.Run("delayed", func(t *testing.T) {
		b := NewBroker(t)
		inject(t, b, Delay(time.Hour, Type(TypeSuback)))
		c := connect3(t, b.URL(), "slow")
		c.Subscribe("a/#", 1, nil) // its SUBACK sleeps in the delay
		wait(t, b.Recorder(), ClientID("slow"), Type(TypeSuback))
		done := make(chan error, 1)
		go func() { done <- b.Disconnect("slow", ServerDisconnect(0x98)) }() // the broker closes it
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(waitTime):
			t.Fatal("Disconnect waited for the SUBACK's one-hour delay")
		}
	})
	t.Run("cut after", func(t *testing.T) {
		b := NewBroker(t)
		inject(t, b, CutAfter(Type(TypeSuback)))
		conn := dialRaw(t, b)
		conn.Write(v4Connect)
		conn.Write([]byte{0x82, 0x06, 0x00, 0x01, 0x00, 0x01, '#', 0x00}) // SUBSCRIBE id=1 "#"
		got := readUntilClosed(t, conn)
		if !bytes.Contains(got, []byte{0x90, 0x03, 0x00, 0x01, 0x00}) {
			t.Errorf("the client read % x before the cut, want CONNACK and SUBACK", got)
		}
	})
}

// TestAckWhileDeliveriesQueue: when a client has deliveries queued, mochi
// does not write a small packet at once but buffers it and writes it with a
// later delivery. A PUBACK buffered so reached the tap after the broker had
// gone back to reading, and was held (internal/tap/holdack.go) until the client sent
// something else: with keepalive 0, for ever, and every delivery behind it.
// mochi's buffer is now off: the PUBACK reaches the tap as it is written.
func TestAckWhileDeliveriesQueue(t *testing.T) {
	s := new(seams)
	reached, release := make(chan struct{}), make(chan struct{})
	var armed atomic.Bool
	s.encoding = func(cl *mqtt.Client, typ PacketType) {
		if cl.ID == "c" && typ == TypePublish && armed.CompareAndSwap(true, false) {
			close(reached)
			<-release // mochi's writer for c stops here, with deliveries queued behind
		}
	}
	b := NewBroker(t, withSeams(s))
	c := connect3(t, b.URL(), "c", func(o *paho3.ClientOptions) { o.SetKeepAlive(0) })
	c.subscribe(t, "q/#", 0)
	armed.Store(true)
	for range 3 {
		if err := b.Publish("q/x", []byte("queued"), 0, false); err != nil {
			t.Fatal(err)
		}
	}
	<-reached
	tok := c.Publish("other", 1, false, "p")               // its PUBACK is written while deliveries wait
	wait(t, b.Recorder(), BrokerDropped(), Topic("other")) // routed: the broker is reading again
	close(release)
	if !tok.WaitTimeout(waitTime) {
		t.Fatalf("no PUBACK reached the client:\n%s", b.Recorder().Transcript())
	}
	for range 3 {
		receive(t, c.got)
	}
}
