package mqtttest_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// subscribed connects a raw client and subscribes it to filter at QoS 0.
func subscribed(t *testing.T, b *mqtttest.Broker, id, filter string) *fake.Client {
	t.Helper()
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: id, CleanStart: true})
	c.Subscribe(0, filter)
	return c
}

// TestSettleWaitsForRouting holds a PUBLISH on its way into the broker with
// a Delay fault. Once the broker has read it, Settle must return only after
// the message has been routed and written to the subscriber: its delivery
// is recorded without any further wait.
func TestSettleWaitsForRouting(t *testing.T) {
	b := mqtttest.NewBroker(t)
	subscribed(t, b, "sub", "settle/#")
	pub := fake.Dial(t, b.Addr())
	pub.Connect(fake.Connect{ClientID: "pub", CleanStart: true})
	if _, err := b.Inject(mqtttest.Delay(100*time.Millisecond, mqtttest.Publish("settle/#"), mqtttest.ClientID("pub"))); err != nil {
		t.Fatal(err)
	}
	pub.Publish(fake.Publish{Topic: "settle/a", Payload: []byte("x")})
	waitFor(t, b, mqtttest.Publish("settle/a"), mqtttest.ClientID("pub")) // the broker has read it
	if err := b.Settle(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := b.Recorder().Find(mqtttest.Publish("settle/a"), mqtttest.ClientID("sub")); len(got) != 1 {
		t.Fatalf("after Settle, %d deliveries to sub are recorded, want 1", len(got))
	}
}

// TestSettleWaitsForTheWill cuts a client with a will. Once the cut is
// recorded, Settle must return only after the broker has published the will.
func TestSettleWaitsForTheWill(t *testing.T) {
	b := mqtttest.NewBroker(t)
	subscribed(t, b, "watch", "wills/#")
	dev := fake.Dial(t, b.Addr())
	dev.Connect(fake.Connect{ClientID: "dev", CleanStart: true, Will: &fake.Will{Topic: "wills/dev", Payload: []byte("gone")}})
	if _, err := b.Inject(mqtttest.CutBefore(mqtttest.Type(mqtttest.TypePingreq), mqtttest.ClientID("dev"))); err != nil {
		t.Fatal(err)
	}
	dev.SendRaw([]byte{0xc0, 0x00}) // PINGREQ
	waitFor(t, b, mqtttest.Closed(), mqtttest.ClientID("dev"))
	if err := b.Settle(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := b.Recorder().Find(mqtttest.Publish("wills/dev"), mqtttest.ClientID("watch")); len(got) != 1 {
		t.Fatalf("after Settle, %d will deliveries to watch are recorded, want 1", len(got))
	}
}

// TestSettleNamesWhatIsBusy holds a delivery to a subscriber for a minute:
// Settle gives up after its timeout and says which client is still being
// written to.
func TestSettleNamesWhatIsBusy(t *testing.T) {
	b := mqtttest.NewBroker(t)
	subscribed(t, b, "slow", "busy/#")
	if _, err := b.Inject(mqtttest.Delay(time.Minute, mqtttest.Publish("busy/#"), mqtttest.Dir(mqtttest.ToClient))); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("busy/a", []byte("x"), 0, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, mqtttest.Publish("busy/a"), mqtttest.ClientID("slow")) // the write is under way
	err := b.Settle(50 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "slow has 1 packet(s) to write") {
		t.Fatalf("Settle = %v, want it to name slow's queued packet", err)
	}
}

// TestSettleAfterClose returns an error at once.
func TestSettleAfterClose(t *testing.T) {
	b := mqtttest.NewBroker(t)
	b.Close()
	if err := b.Settle(time.Minute); !errors.Is(err, mqtttest.ErrClosed) {
		t.Fatalf("Settle after Close = %v, want ErrClosed", err)
	}
}

// TestProxyCannotSettle: a proxy's recorder cannot see into its upstream.
func TestProxyCannotSettle(t *testing.T) {
	b := mqtttest.NewBroker(t)
	p := mqtttest.NewProxy(t, b.Addr())
	if err := p.Recorder().Settle(time.Second); !errors.Is(err, mqtttest.ErrCannotSettle) {
		t.Fatalf("proxy Settle = %v, want ErrCannotSettle", err)
	}
}

// TestWaitOffline closes a client with a will without DISCONNECT: once
// WaitOffline returns, the will has been delivered and Clients shows the
// client offline.
func TestWaitOffline(t *testing.T) {
	b := mqtttest.NewBroker(t)
	subscribed(t, b, "watch", "wills/#")
	dev := fake.Dial(t, b.Addr())
	dev.Connect(fake.Connect{ClientID: "dev", Will: &fake.Will{Topic: "wills/dev", Payload: []byte("gone")}})
	dev.Close()
	if err := b.WaitOffline("dev", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if got := b.Recorder().Find(mqtttest.Publish("wills/dev"), mqtttest.ClientID("watch")); len(got) != 1 {
		t.Errorf("after WaitOffline, %d will deliveries to watch are recorded, want 1", len(got))
	}
	for _, c := range b.Clients() {
		if c.ID == "dev" && c.Connected {
			t.Errorf("after WaitOffline, Clients shows dev connected")
		}
	}
	if err := b.WaitOffline("dev", time.Minute); err != nil { // offline already: at once
		t.Errorf("WaitOffline of an offline client = %v", err)
	}
}

// TestWaitOfflineErrors: an ID that never connected, and a client that
// stays connected.
func TestWaitOfflineErrors(t *testing.T) {
	b := mqtttest.NewBroker(t)
	subscribed(t, b, "here", "x")
	var unknown *mqtttest.UnknownClientError
	if err := b.WaitOffline("nobody", time.Minute); !errors.As(err, &unknown) {
		t.Errorf("WaitOffline(nobody) = %v, want an UnknownClientError", err)
	}
	err := b.WaitOffline("here", 10*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), `client "here" is still connected after 10ms: here: connected`) {
		t.Errorf("WaitOffline(here) = %v, want it to say the client is still connected", err)
	}
}

// TestClientsCounts: QoS 1 messages held for an offline session and sent
// to a client that does not acknowledge them count as in flight.
func TestClientsCounts(t *testing.T) {
	b := mqtttest.NewBroker(t)
	off := fake.Dial(t, b.Addr())
	off.Connect(fake.Connect{ClientID: "off"})
	off.Subscribe(1, "count/#")
	off.Disconnect()
	if err := b.WaitOffline("off", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	mute := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	mute.Connect(fake.Connect{ClientID: "mute", CleanStart: true})
	mute.Subscribe(1, "count/#")
	for _, p := range []string{"a", "b"} {
		if err := b.Publish("count/"+p, []byte(p), 1, false); err != nil {
			t.Fatal(err)
		}
	}
	mute.Expect(mqtttest.Publish("count/b"))
	if err := b.Settle(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	got := map[string][2]int{}
	for _, c := range b.Clients() {
		got[c.ID] = [2]int{c.Inflight, c.Queued}
	}
	if got["off"] != [2]int{2, 0} || got["mute"] != [2]int{2, 0} {
		t.Errorf("Clients: [Inflight Queued] = %v, want off [2 0] and mute [2 0]", got)
	}

	// A write held by a Delay fault: the packet is queued until it is written.
	subscribed(t, b, "held", "held/#")
	if _, err := b.Inject(mqtttest.Delay(time.Minute, mqtttest.Publish("held/#"), mqtttest.Dir(mqtttest.ToClient))); err != nil {
		t.Fatal(err)
	}
	if err := b.Publish("held/1", []byte("x"), 0, false); err != nil {
		t.Fatal(err)
	}
	waitFor(t, b, mqtttest.Publish("held/1"), mqtttest.ClientID("held")) // the write is under way
	for _, c := range b.Clients() {
		if c.ID == "held" && c.Queued != 1 {
			t.Errorf("Clients: held has Queued %d, want 1 (its write is held)", c.Queued)
		}
	}
}

// TestFaultWait waits for a rule with Times(2) to have acted twice: both
// dropped packets are then recorded with their marks. A rule that never
// acts makes Wait fail with what it was waiting for.
func TestFaultWait(t *testing.T) {
	b := mqtttest.NewBroker(t)
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: "pinger", CleanStart: true})
	f, err := b.Inject(mqtttest.Drop(mqtttest.Type(mqtttest.TypePingreq)).Times(2))
	if err != nil {
		t.Fatal(err)
	}
	c.SendRaw([]byte{0xc0, 0x00, 0xc0, 0x00}) // two PINGREQs
	if err := f.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if got := b.Recorder().Find(mqtttest.Type(mqtttest.TypePingreq)); len(got) != 2 || !got[0].Withheld || !got[1].Withheld {
		t.Errorf("after Wait, PINGREQ records: %v, want 2 withheld", got)
	}
	never, err := b.Inject(mqtttest.Drop(mqtttest.Publish("never/#")))
	if err != nil {
		t.Fatal(err)
	}
	err = never.Wait(10 * time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), `"drop PUBLISH never/#" acted 0 of 1 times within 10ms`) {
		t.Errorf("Wait of a rule that never acts = %v", err)
	}
}

// TestFaultWaitAfterClose returns at once with ErrClosed.
func TestFaultWaitAfterClose(t *testing.T) {
	b := mqtttest.NewBroker(t)
	f, err := b.Inject(mqtttest.Drop(mqtttest.Publish("never/#")))
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	if err := f.Wait(time.Hour); !errors.Is(err, mqtttest.ErrClosed) {
		t.Fatalf("Wait after Close = %v, want ErrClosed", err)
	}
}

// TestFaultWaitEnds: Remove ends a Wait still waiting, and a rule with Nth
// acts once, whatever Times says.
func TestFaultWaitEnds(t *testing.T) {
	b := mqtttest.NewBroker(t)
	f, err := b.Inject(mqtttest.Drop(mqtttest.Publish("never/#")))
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan error)
	go func() { waited <- f.Wait(time.Hour) }()
	f.Remove()
	if err := <-waited; err == nil || !strings.Contains(err.Error(), "acted 0 of 1 times before it was removed") {
		t.Errorf("Wait ended by Remove = %v", err)
	}
	c := fake.Dial(t, b.Addr())
	c.Connect(fake.Connect{ClientID: "pinger", CleanStart: true})
	nth, err := b.Inject(mqtttest.Drop(mqtttest.Type(mqtttest.TypePingreq)).Nth(2).Times(3))
	if err != nil {
		t.Fatal(err)
	}
	c.SendRaw([]byte{0xc0, 0x00, 0xc0, 0x00, 0xc0, 0x00}) // three PINGREQs: the second is dropped
	if err := nth.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
}
