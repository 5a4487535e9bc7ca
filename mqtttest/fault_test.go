package mqtttest

import (
	"strings"
	"testing"
	"time"

	paho3 "github.com/eclipse/paho.mqtt.golang"
)

// injector is a Broker or a Proxy.
type injector interface {
	Inject(Rule) (*Fault, error)
}

// inject installs a fault rule and fails the test if it is rejected.
func inject(t *testing.T, b injector, r Rule) *Fault {
	t.Helper()
	f, err := b.Inject(r)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestDropFirstPuback drops the first PUBACK the broker sends to one client:
// the record says so, and the next PUBACK passes.
func TestDropFirstPuback(t *testing.T) {
	b := NewBroker(t)
	f := inject(t, b, Drop(Type(TypePuback), Dir(ToClient), ClientID("pub")).Times(1))
	pub := connect3(t, b.URL(), "pub")
	pub.Publish("a/1", 1, false, "lost ack") // its token never completes: the PUBACK is dropped
	dropped := wait(t, b.Recorder(), ClientID("pub"), Type(TypePuback))
	if dropped.Fault != "dropped" || !dropped.Withheld {
		t.Errorf("first PUBACK record %q, want it marked dropped", dropped.Line())
	}
	pub.publish(t, "a/2", 1, false, "acked") // waits for its PUBACK
	if f.Acted() != 1 {
		t.Errorf("fault acted %d times, want 1", f.Acted())
	}
	if !strings.Contains(b.Recorder().Transcript(), "[fault: dropped]") {
		t.Errorf("transcript does not mark the dropped packet:\n%s", b.Recorder().Transcript())
	}
}

// TestDelayHoldsPacketsBack delays the broker's PUBACKs by 50 ms: a QoS 1
// publish takes at least that long, and the record says so.
func TestDelayHoldsPacketsBack(t *testing.T) {
	b := NewBroker(t)
	inject(t, b, Delay(50*time.Millisecond, Type(TypePuback), Dir(ToClient)))
	pub := connect3(t, b.URL(), "pub")
	start := time.Now()
	pub.publish(t, "a/1", 1, false, "slow")
	if took := time.Since(start); took < 50*time.Millisecond {
		t.Errorf("QoS 1 publish took %v with a 50ms delay on PUBACK", took)
	}
	if r := wait(t, b.Recorder(), Type(TypePuback)); r.Fault != "delayed 50ms" || r.Withheld {
		t.Errorf("PUBACK record %q, want it marked delayed 50ms", r.Line())
	}
}

// TestDelayToBrokerKeepsOrder delays one client→broker PUBLISH: the ones
// behind it wait too, so the subscriber gets them in order.
func TestDelayToBrokerKeepsOrder(t *testing.T) {
	b := NewBroker(t)
	inject(t, b, Delay(30*time.Millisecond, Publish("o/1"), Dir(ToBroker)))
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "o/#", 0)
	pub := connect3(t, b.URL(), "pub")
	for _, topic := range []string{"o/1", "o/2", "o/3"} {
		pub.Publish(topic, 0, false, topic)
	}
	for _, want := range []string{"o/1", "o/2", "o/3"} {
		if m := receive(t, sub.got); m.topic != want {
			t.Fatalf("got %s, want %s: a delay reordered packets", m.topic, want)
		}
	}
}

// TestDuplicatePublish sends a subscriber the same PUBLISH twice.
func TestDuplicatePublish(t *testing.T) {
	b := NewBroker(t)
	inject(t, b, Duplicate(Publish("d/#"), Dir(ToClient)).Times(1))
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "d/#", 0)
	if err := b.Publish("d/x", []byte("twice"), 0, false); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if m := receive(t, sub.got); m.payload != "twice" {
			t.Fatalf("delivery %d: %+v, want \"twice\"", i+1, m)
		}
	}
	if r := wait(t, b.Recorder(), Publish("d/x")); !r.Duplicated || r.Withheld || r.Fault != "duplicated" {
		t.Errorf("PUBLISH record %q (duplicated %v, withheld %v), want it marked duplicated", r.Line(), r.Duplicated, r.Withheld)
	}
}

// TestQoS1RedeliveredAfterCutBeforePuback is the classic: the broker's
// PUBLISH reaches a persistent-session subscriber, the connection is cut
// before its PUBACK reaches the broker, and on reconnect the broker resends
// the message with DUP set and the same packet ID [MQTT-4.4.0-1].
func TestQoS1RedeliveredAfterCutBeforePuback(t *testing.T) {
	b := NewBroker(t)
	persistent := func(o *paho3.ClientOptions) { o.SetCleanSession(false) }
	sub := connect3(t, b.URL(), "sub", persistent)
	sub.subscribe(t, "r/#", 1)
	inject(t, b, CutBefore(Type(TypePuback), Dir(ToBroker), ClientID("sub")).Times(1))

	if err := b.Publish("r/1", []byte("must arrive"), 1, false); err != nil {
		t.Fatal(err)
	}
	rec := b.Recorder()
	first := wait(t, rec, ClientID("sub"), Publish("r/1"))
	cut := wait(t, rec, ClientID("sub"), Closed())
	if cut.ClosedBy != "test" || !strings.Contains(cut.Reason, "cut before") {
		t.Errorf("close record %q, want the fault's cut", cut.Line())
	}

	again := connect3(t, b.URL(), "sub", persistent)
	if m := receive(t, again.got); m.payload != "must arrive" || !m.dup {
		t.Errorf("after reconnecting got %+v, want the message again with DUP", m)
	}
	resent := wait(t, rec, ClientID("sub"), Publish("r/1"), After(cut.Seq))
	if !resent.Dup || resent.PacketID != first.PacketID || first.Dup {
		t.Errorf("first %s, resent %s: want the resend with DUP=1 and the same packet ID", first.Line(), resent.Line())
	}
	if ack := wait(t, rec, ClientID("sub"), Type(TypePuback), After(resent.Seq)); ack.PacketID != first.PacketID || ack.Fault != "" {
		t.Errorf("PUBACK after the resend: %s", ack.Line())
	}
}

// TestWillAfterFreeze freezes a client's connection at its first PINGREQ:
// with keepalive 2 s the broker hears nothing more, gives up after 1.5 ×
// keepalive and publishes the will [MQTT-3.1.2-22]. (Keepalive 1 would not
// do: mochi computes 1.5 × 1 s as 1 s, and gives up before the first ping.)
func TestWillAfterFreeze(t *testing.T) {
	b := NewBroker(t)
	watcher := connect3(t, b.URL(), "watcher")
	watcher.subscribe(t, "wills/#", 1)
	inject(t, b, Freeze(ClientID("dev"), Type(TypePingreq)))
	connect3(t, b.URL(), "dev", func(o *paho3.ClientOptions) {
		o.SetWill("wills/dev", "frozen", 1, false).SetKeepAlive(2 * time.Second).SetPingTimeout(waitTime)
	})
	if m := receive(t, watcher.got); m.topic != "wills/dev" {
		t.Fatalf("watcher got %+v, want the will", m)
	}
	r := wait(t, b.Recorder(), ClientID("dev"), Closed())
	if r.ClosedBy != "broker" || !strings.Contains(r.Reason, "keepalive") {
		t.Errorf("close record %q, want closed by broker: keepalive expired", r.Line())
	}
	if p := wait(t, b.Recorder(), ClientID("dev"), Type(TypePingreq)); !strings.HasPrefix(p.Fault, "frozen") || p.Seq > r.Seq {
		t.Errorf("PINGREQ record %q (#%d, close #%d), want it frozen before the close", p.Line(), p.Seq, r.Seq)
	}
}

// TestRemoveFault checks a removed fault no longer acts.
func TestRemoveFault(t *testing.T) {
	b := NewBroker(t)
	f := inject(t, b, Drop(Publish("x/#"), Dir(ToClient)))
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "x/#", 0)
	if err := b.Publish("x/1", []byte("dropped"), 0, false); err != nil {
		t.Fatal(err)
	}
	wait(t, b.Recorder(), Publish("x/1"), Dir(ToClient))
	f.Remove()
	f.Remove()
	if err := b.Publish("x/2", []byte("passes"), 0, false); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, sub.got); m.topic != "x/2" {
		t.Errorf("got %+v first, want x/2 (x/1 was dropped)", m)
	}
}

// TestBadRules checks rules that cannot work are rejected with a reason.
func TestBadRules(t *testing.T) {
	b := NewBroker(t)
	for _, c := range []struct {
		rule Rule
		want string
	}{
		{Drop(Type(TypePuback), Publish("a/#")), "exclude each other"},
		{Drop(Dir(ToBroker), Dir(ToClient)), "exclude each other"},
		{Delay(0), "delay of 0"},
		{Drop().Probability(1.5, 1), "probability"},
		{Drop().Times(-1), "negative"},
		{Drop().Times(0), "Times(0) would never act"},
		{Drop().Nth(0), "Nth(0) would never act"},
		{Drop().Nth(-2), "Nth(-2) is negative"},
		{Drop().Times(3).Times(0), "Times(0)"}, // the last call counts
		{Drop(Type(TypeConnack), Dir(ToBroker)), "CONNACK never travels to-broker: only the broker sends it"},
		{Drop(Dir(ToClient), Type(TypeSubscribe)), "SUBSCRIBE never travels to-client: only clients send it"},
		{Drop(Type(TypeReserved)), "RESERVED never travels either way"},
		{Drop(ClientID("a"), Type(TypePuback), ClientID("b")), `a record has one client ID, not both "a" and "b"`},
		{Drop(Publish("a/#/b")), `Publish("a/#/b"): not a valid MQTT topic filter: level "#": "#" must be a whole level and the last one`},
		{Delay(time.Second, Topic("a/b+"), Dir(ToClient)), `Topic("a/b+"): not a valid MQTT topic filter: level "b+": "+" must be a whole level`},
		{Drop(Publish("")), "empty"},
		{Rule{}, "no action"},
		{CutBefore(Closed()), "connection events"},
		{Delay(-time.Second), "negative delay"},
		{Delay(time.Second).Jitter(-time.Second, 1), "negative jitter"},
		{Drop().Jitter(time.Second, 1), "Jitter applies to Delay only: drop has no delay to add it to"},
		{Throttle(0), "throttle rate 0 bytes per second"},
		{Drop(ConnNumber(1), ConnNumber(2)), "a record is on one connection, not both conn#1 and conn#2"},
		{Drop(Where("anything", nil)), `Where("anything"): the function is nil`},
	} {
		if _, err := b.Inject(c.rule); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Inject(%v) = %v, want an error about %q", c.rule, err, c.want)
		}
	}
}

// TestGoodRules checks rules that can act are accepted, those without Times
// or Nth included (they act on every match).
func TestGoodRules(t *testing.T) {
	b := NewBroker(t)
	for _, r := range []Rule{
		Drop(),
		Drop().Times(1),
		Drop().Nth(1),
		Drop().Times(0).Times(2), // the last call counts
		Drop(ClientID("a"), ClientID("a")),
		Drop(Type(TypeDisconnect), Dir(ToClient)), // MQTT 5
		Drop(Type(TypePubrel), Dir(ToBroker)),
		Drop(Type(TypeAuth), Dir(ToClient)),
		Drop(PacketID(1), Dir(ToBroker)),
		Drop(Topic("a/+/#"), Dir(ToClient)),
		WithholdConnack(ClientID("a")),
	} {
		f, err := b.Inject(r)
		if err != nil {
			t.Errorf("Inject(%v) = %v, want it accepted", r, err)
			continue
		}
		f.Remove()
	}
}

// TestProbabilityIsRepeatable checks the same seed drops the same packets.
func TestProbabilityIsRepeatable(t *testing.T) {
	pattern := func() string {
		b := NewBroker(t)
		inject(t, b, Drop(Publish("p/#"), Dir(ToClient)).Probability(0.5, 42))
		sub := connect3(t, b.URL(), "sub")
		sub.subscribe(t, "p/#", 0)
		for i := 0; i < 20; i++ {
			if err := b.Publish("p/x", []byte{byte('a' + i)}, 0, false); err != nil {
				t.Fatal(err)
			}
		}
		rs, err := b.Recorder().WaitForN(ctxFor(t), 20, Publish("p/#"), Dir(ToClient))
		if err != nil {
			t.Fatal(err)
		}
		var s strings.Builder
		for _, r := range rs {
			if r.Fault == "" {
				s.WriteString(string(r.Payload))
			}
		}
		b.Close()
		return s.String()
	}
	first, second := pattern(), pattern()
	if first != second || len(first) == 0 || len(first) == 20 {
		t.Errorf("seed 42 passed %q, then %q: want the same, neither all nor none", first, second)
	}
}

// TestFailedTestLogsFaultSeeds checks a failed test's log names every fault
// rule with its seed, so the run can be repeated.
func TestFailedTestLogsFaultSeeds(t *testing.T) {
	f := &fakeTB{TB: t}
	b := NewBroker(f)
	fault := inject(t, b, Drop(Publish("s/#")).Probability(0.5, 1234))
	fault.Remove()
	for i := len(f.cleanups) - 1; i >= 0; i-- {
		f.cleanups[i]()
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.logs) != 2 || !strings.Contains(f.logs[1], "seed 1234") {
		t.Errorf("failed test logged %q, want the transcript and the fault with its seed", f.logs)
	}
}
