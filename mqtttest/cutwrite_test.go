package mqtttest_test

import (
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// afterCut is the Fault of a record of what the broker wrote after a cut.
const afterCut = "after a cut: not passed on"

// checkWrittenAfterCut checks r, which the broker wrote after the connection
// was cut, is recorded as not passed on, after the close record, and that
// the client did not get it.
func checkWrittenAfterCut(t *testing.T, b *mqtttest.Broker, r mqtttest.Record, got []mqtttest.Record) {
	t.Helper()
	if !r.Withheld || r.Fault != afterCut {
		t.Errorf("%s written after the cut: withheld %v, fault %q; want withheld, %q", r.Line(), r.Withheld, r.Fault, afterCut)
	}
	if c := waitFor(t, b, mqtttest.Closed(), mqtttest.ConnNumber(r.Conn)); c.Seq > r.Seq {
		t.Errorf("close record #%d after the record #%d of %s, want it before", c.Seq, r.Seq, r.Line())
	}
	for _, g := range got {
		if g.Type == r.Type {
			t.Errorf("the client got %s after the cut", g.Line())
		}
	}
}

// TestPubrelAfterCutIsWithheld cuts a subscriber's connection after its
// PUBREC reaches the broker (issue 9, defect 8): the broker handles the
// PUBREC and writes PUBREL to the dead connection. That PUBREL is recorded
// as not passed on.
func TestPubrelAfterCutIsWithheld(t *testing.T) {
	for _, v := range []byte{4, 5} {
		t.Run(map[byte]string{4: "v3.1.1", 5: "v5"}[v], func(t *testing.T) {
			b := mqtttest.NewBroker(t)
			sub := fake.Dial(t, b.Addr(), fake.Version(v))
			sub.Connect(fake.Connect{ClientID: "sub", CleanStart: true})
			sub.Subscribe(2, "q/#")
			cut, err := b.Inject(mqtttest.CutAfter(mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubrec), mqtttest.Dir(mqtttest.ToBroker)))
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Publish("q/1", []byte("x"), 2, false); err != nil {
				t.Fatal(err)
			}
			got := sub.ExpectClosed()
			rel := waitFor(t, b, mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypePubrel), mqtttest.Dir(mqtttest.ToClient))
			checkWrittenAfterCut(t, b, rel, got)
			if cut.Acted() != 1 {
				t.Errorf("cut acted %d times, want 1", cut.Acted())
			}
		})
	}
}

// TestResendAfterCutIsWithheld cuts a resuming client's connection after
// its CONNACK (a cut on the way to the client): the broker goes on to send
// the session's message again, and that PUBLISH is recorded as not passed
// on, where before the tap dropped it without a record. No fault acts on
// what never leaves the tap.
func TestResendAfterCutIsWithheld(t *testing.T) {
	b := mqtttest.NewBroker(t)
	sub := fake.Dial(t, b.Addr(), fake.Acks(fake.AckNever()))
	sub.Connect(fake.Connect{ClientID: "sub"})
	sub.Subscribe(1, "r/#")
	if err := b.Publish("r/1", []byte("x"), 1, false); err != nil {
		t.Fatal(err)
	}
	sub.Expect(mqtttest.Publish("r/1"))
	sub.Close()
	first := waitFor(t, b, mqtttest.Closed(), mqtttest.ClientID("sub"))
	if _, err := b.Inject(mqtttest.CutAfter(mqtttest.ClientID("sub"), mqtttest.Type(mqtttest.TypeConnack))); err != nil {
		t.Fatal(err)
	}
	watch, err := b.Inject(mqtttest.Drop(mqtttest.Publish("r/#"), mqtttest.After(first.Seq)))
	if err != nil {
		t.Fatal(err)
	}
	again := fake.Dial(t, b.Addr())
	if ack := again.Connect(fake.Connect{ClientID: "sub"}); !ack.SessionPresent {
		t.Fatalf("%s: want the session present", ack.Line())
	}
	got := again.ExpectClosed()
	resent := waitFor(t, b, mqtttest.Publish("r/1"), mqtttest.After(first.Seq))
	checkWrittenAfterCut(t, b, resent, got)
	if watch.Acted() != 0 {
		t.Errorf("a Drop rule acted %d times on the resend after the cut, want 0", watch.Acted())
	}
}
