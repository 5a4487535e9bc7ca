package mqtttest

import (
	"testing"

	paho3 "github.com/eclipse/paho.mqtt.golang"
	mqtt "github.com/mochi-mqtt/server/v2"
)

// TestBackpressureWaitsForAck: with WithBackpressure(2), a message for a
// subscriber that has two unacknowledged waits until it acknowledges one,
// and is delivered then: the broker slows the publisher down instead of
// queuing more.
func TestBackpressureWaitsForAck(t *testing.T) {
	s := new(seams)
	waits := make(chan struct{})
	s.backpressure = func(cl *mqtt.Client) { close(waits) }
	b := NewBroker(t, WithBackpressure(2), withSeams(s))
	got := make(chan paho3.Message, 10)
	slow := connect3(t, b.URL(), "slow", func(o *paho3.ClientOptions) {
		o.SetAutoAckDisabled(true).SetDefaultPublishHandler(func(_ paho3.Client, m paho3.Message) { got <- m })
	})
	slow.subscribe(t, "bp/#", 1)
	for _, p := range []string{"1", "2"} {
		if err := b.Publish("bp/x", []byte(p), 1, false); err != nil {
			t.Fatal(err)
		}
	}
	first := <-got
	<-got
	// slow's connection has finished its SUBSCRIBE: it no longer counts as
	// routing a message, which would let a publisher pass (flow.go).
	if err := b.Settle(waitTime); err != nil {
		t.Fatal(err)
	}
	published := make(chan struct{})
	go func() {
		if err := b.Publish("bp/x", []byte("3"), 1, false); err != nil {
			t.Error(err)
		}
		close(published)
	}()
	either(t, "the third publish", waits, published)
	select {
	case <-waits:
	default:
		t.Fatalf("the third message did not wait for slow, which has two unacknowledged:\n%s", b.Recorder().Transcript())
	}
	first.Ack()
	<-published
	third := wait(t, b.Recorder(), Publish("bp/x"), Dir(ToClient), Where("the third", func(r Record) bool { return string(r.Payload) == "3" }))
	ack := wait(t, b.Recorder(), Type(TypePuback), Dir(ToBroker), ClientID("slow"))
	if third.Seq < ack.Seq {
		t.Errorf("%s was delivered before slow acknowledged one (%s)", third.Line(), ack.Line())
	}
}
