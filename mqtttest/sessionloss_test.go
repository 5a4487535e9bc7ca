package mqtttest

import (
	"testing"

	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// publishLostInFlight has client "dev" publish a1/x at QoS 1 with a
// persistent session and the given store; the PUBLISH is dropped on its way
// to the broker, so dev waits for a PUBACK that never comes. Then dev's
// process "restarts": its connection is cut and the client object thrown
// away. It returns the new client, made with the same ID and a store from
// newStore.
func publishLostInFlight(t *testing.T, b *Broker, newStore func() paho3.Store) *client3 {
	t.Helper()
	inject(t, b, Drop(Publish("a1/#"), Dir(ToBroker), ClientID("dev")).Times(1))
	opts := func(o *paho3.ClientOptions) { o.SetCleanSession(false).SetStore(newStore()) }
	dev := connect3(t, b.URL(), "dev", opts)
	dev.Publish("a1/x", 1, false, "reading")
	if r := wait(t, b.Recorder(), ClientID("dev"), Publish("a1/x")); r.Fault != "dropped" {
		t.Fatalf("the PUBLISH was not dropped: %s", r.Line())
	}
	if err := b.Disconnect("dev", Abrupt); err != nil { // the process dies
		t.Fatal(err)
	}
	return connect3(t, b.URL(), "dev", opts) // and starts again
}

// TestMemoryStoreLosesInFlightMessage: with paho.mqtt.golang's memory
// store, a QoS 1 message in flight when the process restarts is lost for
// good; no subscriber ever sees it.
func TestMemoryStoreLosesInFlightMessage(t *testing.T) {
	b := NewBroker(t)
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "a1/#", 1)
	dev := publishLostInFlight(t, b, func() paho3.Store { return paho3.NewMemoryStore() })

	dev.publish(t, "a1/marker", 1, false, "after restart")
	if m := receive(t, sub.got); m.topic != "a1/marker" {
		t.Errorf("subscriber got %+v first, want the marker: the lost message came back", m)
	}
	if rs := b.Recorder().Find(Publish("a1/x")); len(rs) != 1 {
		t.Errorf("a1/x crossed the wire %d times, want once (dropped, never resent):\n%s", len(rs), b.Recorder().Transcript())
	}
}

// TestFileStoreResendsInFlightMessage: with paho.mqtt.golang's file store,
// the restarted client resends the in-flight message with DUP set, and the
// subscriber receives it [MQTT-4.4.0-1].
func TestFileStoreResendsInFlightMessage(t *testing.T) {
	b := NewBroker(t)
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "a1/#", 1)
	dir := t.TempDir()
	publishLostInFlight(t, b, func() paho3.Store { return paho3.NewFileStore(dir) })

	if m := receive(t, sub.got); m.topic != "a1/x" || m.payload != "reading" {
		t.Fatalf("subscriber got %+v, want the resent a1/x", m)
	}
	rs := b.Recorder().Find(Publish("a1/x"), Dir(ToBroker))
	if len(rs) != 2 || rs[0].Fault != "dropped" || !rs[1].Dup || rs[1].PacketID != rs[0].PacketID {
		t.Errorf("a1/x to the broker: %d records, want the dropped one and a resend with DUP and the same packet ID:\n%s",
			len(rs), b.Recorder().Transcript())
	}
}
