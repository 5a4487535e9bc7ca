package mqtttest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"
)

// v4Subscribe subscribes to "c/#" at QoS 0, packet ID 1 (MQTT 3.1.1).
var v4Subscribe = []byte{0x82, 0x08, 0, 1, 0, 3, 'c', '/', '#', 0}

// readN reads exactly n bytes from the raw connection.
func readN(t *testing.T, c io.Reader, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := io.ReadFull(c, b); err != nil {
		t.Fatalf("reading %d bytes: %v (got % x)", n, err, b)
	}
	return b
}

// TestCorruptFlipsOneByte corrupts a PUBLISH to a raw client: the client
// gets the packet with exactly the byte the record names inverted.
func TestCorruptFlipsOneByte(t *testing.T) {
	b := NewBroker(t)
	inject(t, b, Corrupt(7, Publish("c/#"), Dir(ToClient)))
	c := dialRaw(t, b)
	if _, err := c.Write(append(append([]byte{}, v4Connect...), v4Subscribe...)); err != nil {
		t.Fatal(err)
	}
	readN(t, c, 4+5) // CONNACK, SUBACK
	if err := b.Publish("c/1", []byte("intact?"), 0, false); err != nil {
		t.Fatal(err)
	}
	r := wait(t, b.Recorder(), Publish("c/1"), Dir(ToClient))
	got := readN(t, c, len(r.Raw))
	var at int
	if _, err := fmt.Sscanf(r.Fault, "corrupted: byte %d flipped", &at); err != nil {
		t.Fatalf("record fault %q does not say which byte", r.Fault)
	}
	want := append([]byte(nil), r.Raw...)
	want[at] ^= 0xff
	if !bytes.Equal(got, want) {
		t.Errorf("client got % x, want % x (record % x with byte %d flipped)", got, want, r.Raw, at)
	}
}

// TestThrottleSlowsDelivery throttles a subscriber to 100 kB/s: 50 kB of
// messages take at least about half a second to arrive, in order.
func TestThrottleSlowsDelivery(t *testing.T) {
	b := NewBroker(t)
	inject(t, b, Throttle(100_000, Publish("t/#"), Dir(ToClient)))
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "t/#", 0)
	payload := bytes.Repeat([]byte("x"), 10_000)
	start := time.Now()
	for i := 0; i < 5; i++ {
		if err := b.Publish(fmt.Sprintf("t/%d", i), payload, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		if m := receive(t, sub.got); m.topic != fmt.Sprintf("t/%d", i) {
			t.Fatalf("got %s, want t/%d", m.topic, i)
		}
	}
	if took := time.Since(start); took < 450*time.Millisecond {
		t.Errorf("50 kB at 100 kB/s arrived in %v", took)
	}
}

// TestWithholdConnack drops the CONNACK: the broker takes the client as
// connected (it answers a PINGREQ), but the client never sees a CONNACK.
func TestWithholdConnack(t *testing.T) {
	b := NewBroker(t)
	inject(t, b, WithholdConnack(ClientID("raw")))
	c := dialRaw(t, b)
	if _, err := c.Write(v4Connect); err != nil {
		t.Fatal(err)
	}
	if r := wait(t, b.Recorder(), Type(TypeConnack)); r.Fault != "dropped" || !r.Withheld {
		t.Errorf("CONNACK record %q, want it dropped", r.Line())
	}
	if _, err := c.Write([]byte{0xc0, 0x00}); err != nil { // PINGREQ
		t.Fatal(err)
	}
	if got := readN(t, c, 2); !bytes.Equal(got, []byte{0xd0, 0x00}) {
		t.Errorf("first bytes to the client % x, want the PINGRESP d0 00 and no CONNACK", got)
	}
}

// TestPartitionAndHeal partitions the broker: messages do not get through
// and new connections are refused; after Heal both work again.
func TestPartitionAndHeal(t *testing.T) {
	b := NewBroker(t)
	sub := connect3(t, b.URL(), "sub")
	sub.subscribe(t, "p/#", 0)

	b.Partition()
	if err := b.Publish("p/lost", []byte("lost"), 0, false); err != nil {
		t.Fatal(err)
	}
	if r := wait(t, b.Recorder(), Publish("p/lost")); !strings.HasPrefix(r.Fault, "frozen") || !r.Withheld {
		t.Errorf("record %q, want it frozen", r.Line())
	}
	c := dialRaw(t, b)
	readUntilClosed(t, c)
	if r := wait(t, b.Recorder(), Closed(), Where("refused", func(r Record) bool { return strings.HasPrefix(r.Reason, "refused") })); r.ClosedBy != "test" {
		t.Errorf("close record %q, want refused by the test", r.Line())
	}

	b.Heal()
	if err := b.Publish("p/after", []byte("after"), 0, false); err != nil {
		t.Fatal(err)
	}
	if m := receive(t, sub.got); m.topic != "p/after" {
		t.Errorf("after Heal got %+v first, want p/after (p/lost was caught in the partition)", m)
	}
	connect3(t, b.URL(), "new")
}

// v4ConnectB is v4Connect with client ID "b".
var v4ConnectB = []byte{0x10, 0x0d, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 1, 'b'}

// writeRaw writes b to the raw connection c.
func writeRaw(t *testing.T, c io.Writer, b []byte) {
	t.Helper()
	if _, err := c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// TestHealKeepsFreeze freezes client raw's connection with a Freeze rule,
// then partitions the broker and heals it. Heal ends only the partition:
// the connection of b, which only the partition held, passes again, and
// raw's stays frozen. Each record of raw's PINGREQ, marked withheld, is
// the proof that the broker never got it.
func TestHealKeepsFreeze(t *testing.T) {
	br := NewBroker(t)
	rec := br.Recorder()
	ping, pong := []byte{0xc0, 0}, []byte{0xd0, 0} // PINGREQ, PINGRESP
	a, b := dialRaw(t, br), dialRaw(t, br)
	writeRaw(t, a, v4Connect)
	readN(t, a, 4) // CONNACK
	writeRaw(t, b, v4ConnectB)
	readN(t, b, 4)
	inject(t, br, Freeze(ClientID("raw"), Type(TypePingreq)).Times(1))
	caught := func(id, why string, after uint64) uint64 {
		t.Helper()
		r := wait(t, rec, ClientID(id), Type(TypePingreq), After(after))
		if r.Fault != why || !r.Withheld {
			t.Errorf("record %q, want the PINGREQ withheld: %s", r.Line(), why)
		}
		return r.Seq
	}

	writeRaw(t, a, ping)
	seq := caught("raw", "frozen from here: not passed on", 0)
	br.Partition()
	writeRaw(t, b, ping)
	caught("b", "frozen by Partition: not passed on", 0)
	writeRaw(t, a, ping)
	seq = caught("raw", "frozen: not passed on", seq) // the Freeze, not the partition

	br.Heal()
	writeRaw(t, a, ping)
	caught("raw", "frozen: not passed on", seq)
	writeRaw(t, b, ping)
	if got := readN(t, b, 2); !bytes.Equal(got, pong) {
		t.Errorf("b got % x after Heal, want the PINGRESP % x", got, pong)
	}
	if rs := rec.Find(ClientID("raw"), Type(TypePingresp)); len(rs) > 0 {
		t.Errorf("raw got %s, want no PINGRESP: its connection is frozen", rs[0].Line())
	}
}
