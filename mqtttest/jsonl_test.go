package mqtttest_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
	"github.com/mqtt-testkit/testkit/record"
)

// TestJSONLReadsBackARecording: a recording of every kind of record (v3
// and v5 packets, a binary payload, faults, malformed bytes, a drop, a
// restart, closes) written with WriteJSONL reads back, with ReadJSONL,
// record for record.
func TestJSONLReadsBackARecording(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithoutTCP())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub := fake.New(t, b.Conn(t), fake.Version(5))
	sub.Connect(fake.Connect{ClientID: "sub", CleanStart: true, SessionExpiry: 60})
	sub.Subscribe(2, "j/#")
	pub := fake.New(t, b.Conn(t))
	pub.Connect(fake.Connect{ClientID: "pub", CleanStart: true, Will: &fake.Will{Topic: "j/will", Payload: []byte("gone")}})
	if _, err := b.Inject(mqtttest.Duplicate(mqtttest.Publish("j/dup")).Times(1)); err != nil {
		t.Fatal(err)
	}
	pub.Publish(fake.Publish{Topic: "j/bin", Payload: []byte{0, 0xff, 0xfe}, QoS: 1, PacketID: 1})
	pub.Publish(fake.Publish{Topic: "j/dup", Payload: []byte("twice"), QoS: 2, PacketID: 2})
	pub.Publish(fake.Publish{Topic: "nobody/listens", Payload: []byte("dropped"), QoS: 0})
	for _, m := range [][]mqtttest.Matcher{
		{mqtttest.Publish("j/dup"), mqtttest.Dir(mqtttest.ToClient)}, // a QoS 2 PUBLISH twice is one delivery
		{mqtttest.Publish("j/bin"), mqtttest.Dir(mqtttest.ToClient)},
		{mqtttest.BrokerDropped(), mqtttest.Topic("nobody/listens")},
	} {
		if _, err := b.Recorder().WaitFor(ctx, m...); err != nil {
			t.Fatal(err)
		}
	}
	raw := fake.New(t, b.Conn(t))
	raw.SendRaw([]byte{0x36, 0x00}) // QoS 3 before CONNECT: malformed
	raw.ExpectClosed()
	if err := b.Restart(true); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Recorder().WaitFor(ctx, mqtttest.Closed(), mqtttest.ClientID("sub")); err != nil {
		t.Fatal(err)
	}
	want := b.Recorder().Records()
	for _, m := range []mqtttest.Matcher{mqtttest.Malformed(), mqtttest.BrokerDropped(), mqtttest.Restarted(), mqtttest.Closed(), mqtttest.Opened()} {
		if len(b.Recorder().Find(m)) == 0 {
			t.Fatalf("the recording has no record of %s to read back:\n%s", m, b.Recorder().Transcript())
		}
	}
	var file bytes.Buffer
	if err := b.Recorder().WriteJSONL(&file); err != nil {
		t.Fatal(err)
	}
	var got []record.Record
	if err := record.ReadJSONL(&file, func(r record.Record) error { got = append(got, r); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("read %d records back, want %d", len(got), len(want))
	}
	for i := range want {
		w, g := want[i], got[i]
		if !g.Time.Equal(w.Time) {
			t.Errorf("record %d: time %v, want %v", w.Seq, g.Time, w.Time)
		}
		wj, _ := w.MarshalJSON()
		gj, _ := g.MarshalJSON()
		if !bytes.Equal(wj, gj) || g.Line() != w.Line() {
			t.Errorf("record %d read back as\n%s\nwant\n%s", w.Seq, gj, wj)
		}
	}
}
