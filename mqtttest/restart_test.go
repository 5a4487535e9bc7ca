package mqtttest

import (
	"testing"

	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// offlineSessionWithQueuedMessage leaves client "dev" offline with a
// persistent session subscribed to q/# at QoS 1 and one QoS 1 message
// queued for it, and a retained message on q/state.
func offlineSessionWithQueuedMessage(t *testing.T, b *Broker) {
	t.Helper()
	dev := connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) { o.SetCleanSession(false) })
	dev.subscribe(t, "q/#", 1)
	if err := b.Disconnect("dev", Abrupt); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("q/1", []byte("queued"), 1, false); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("q/state", []byte("on"), 1, true); err != nil {
		t.Fatal(err)
	}
}

// TestRestartKeepingSessions restarts the broker keeping sessions: on the
// same address, the client's session is present and its queued message and
// the retained message survive [MQTT-3.2.2-2].
func TestRestartKeepingSessions(t *testing.T) {
	b := NewBroker(t)
	addr := b.Addr()
	offlineSessionWithQueuedMessage(t, b)
	if err := b.Restart(true); err != nil {
		t.Fatal(err)
	}
	if b.Addr() != addr {
		t.Fatalf("after Restart the broker listens on %s, want %s", b.Addr(), addr)
	}
	if m, ok := b.Retained("q/state"); !ok || string(m.Payload) != "on" {
		t.Errorf("retained q/state after Restart(true) = %+v, %v; want \"on\"", m, ok)
	}
	rec := b.Recorder()
	restart := wait(t, rec, Restarted())
	dev := connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) { o.SetCleanSession(false) })
	got := map[string]string{} // both messages were queued for dev, q/state as well
	for i := 0; i < 2; i++ {
		m := receive(t, dev.got)
		got[m.topic] = m.payload
	}
	if got["q/1"] != "queued" || got["q/state"] != "on" {
		t.Errorf("after the restart dev got %v, want its queued q/1 and q/state", got)
	}
	if ack := wait(t, rec, ClientID("dev"), Type(TypeConnack), After(restart.Seq)); !ack.SessionPresent {
		t.Errorf("CONNACK after Restart(true): %s, want session present", ack.Line())
	}
}

// TestRestartLosingSessions restarts the broker without sessions: the
// session is gone, and so are the queued and retained messages.
func TestRestartLosingSessions(t *testing.T) {
	b := NewBroker(t)
	offlineSessionWithQueuedMessage(t, b)
	if err := b.Restart(false); err != nil {
		t.Fatal(err)
	}
	if m, ok := b.Retained("q/state"); ok {
		t.Errorf("retained q/state after Restart(false) = %+v, want none", m)
	}
	rec := b.Recorder()
	restart := wait(t, rec, Restarted())
	dev := connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) { o.SetCleanSession(false) })
	if ack := wait(t, rec, ClientID("dev"), Type(TypeConnack), After(restart.Seq)); ack.SessionPresent {
		t.Errorf("CONNACK after Restart(false): %s, want no session", ack.Line())
	}
	dev.subscribe(t, "q/#", 1)
	if err := b.Publish("q/marker", []byte("after"), 1, false); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, dev.got); m.topic != "q/marker" {
		t.Errorf("dev got %+v first, want q/marker: the queued q/1 should be gone", m)
	}
}

// TestRestartCutsConnectedClients checks connected clients see their
// connection end and can connect again, and that a closed broker cannot
// be restarted.
func TestRestartCutsConnectedClients(t *testing.T) {
	b := NewBroker(t)
	c, lost := reconnectable(t, b, "dev")
	if err := b.Restart(true); err != nil {
		t.Fatal(err)
	}
	reconnect(t, c, lost)
	c.publish(t, "after/restart", 1, false, "ok")
	b.Close()
	if err := b.Restart(true); err == nil {
		t.Error("Restart of a closed broker returned nil, want an error")
	}
}
