package assert_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// bigRecording is n QoS 1 flows: PUBLISH to a subscriber on one of 100
// topics, and its PUBACK.
func bigRecording(n int) assert.Records {
	rs := make(assert.Records, 0, 2*n)
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		id := uint16(i%65535 + 1)
		rs = append(rs,
			mqtttest.Record{Seq: uint64(2*i + 1), Time: at, Event: mqtttest.EventPacket, Dir: mqtttest.ToClient, Type: mqtttest.TypePublish,
				ClientID: "sub", Conn: 1, Topic: fmt.Sprintf("home/room-%d/temp", i%100), Payload: fmt.Appendf(nil, "%d", i), QoS: 1, PacketID: id},
			mqtttest.Record{Seq: uint64(2*i + 2), Time: at, Event: mqtttest.EventPacket, Dir: mqtttest.ToBroker, Type: mqtttest.TypePuback,
				ClientID: "sub", Conn: 1, PacketID: id})
	}
	return rs
}

// BenchmarkAssertOver10kFlows measures what an assertion costs over a
// recording of 10,000 QoS 1 flows (20,000 records), decided at once.
func BenchmarkAssertOver10kFlows(b *testing.B) {
	rs := bigRecording(10000)
	t := &testing.T{}
	b.Run("Received", func(b *testing.B) {
		for b.Loop() {
			if !assert.Received(t, rs, "sub", "home/+/temp", assert.Payload("9999"), 0) {
				b.Fatal("not received")
			}
		}
	})
	b.Run("ExactlyOnce", func(b *testing.B) {
		for b.Loop() {
			if !assert.ExactlyOnce(t, rs, "sub", "home/room-99/temp", assert.Payload("9999"), 0) {
				b.Fatal("not exactly once")
			}
		}
	})
	b.Run("InOrder", func(b *testing.B) {
		for b.Loop() {
			if !assert.InOrder(t, rs, "sub", "home/#", 0, "1", "5000", "9999") {
				b.Fatal("not in order")
			}
		}
	})
}
