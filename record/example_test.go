package record_test

import (
	"fmt"

	"github.com/mqtt-testkit/testkit/record"
)

// DecodePacket turns MQTT frames read from a socket of one's own into
// records, which the matchers select and Line renders.
func ExampleDecodePacket() {
	// A QoS 1 PUBLISH to home/kitchen/temp, packet ID 7, then its PUBACK.
	stream := []byte{
		0x32, 0x17, 0, 17, 'h', 'o', 'm', 'e', '/', 'k', 'i', 't', 'c', 'h', 'e', 'n', '/', 't', 'e', 'm', 'p', 0, 7, '2', '1',
		0x40, 0x02, 0, 7,
	}
	for len(stream) > 0 {
		r, n, err := record.DecodePacket(stream, 4, record.ToBroker)
		if err != nil || n == 0 {
			fmt.Println("not a whole frame:", err)
			return
		}
		r.ClientID = "sensor-1" // the tap takes it from the connection's CONNECT
		fmt.Println(r.Line(), "| publish to home/+/temp:", record.Publish("home/+/temp").Match(&r))
		stream = stream[n:]
	}
	// Output:
	// sensor-1 → broker  PUBLISH  q1 id=7  home/kitchen/temp  "21" | publish to home/+/temp: true
	// sensor-1 → broker  PUBACK  id=7 | publish to home/+/temp: false
}

// A Recorder is written through the Writer NewRecorder gives its maker;
// everyone else queries it.
func ExampleNewRecorder() {
	rec, w := record.NewRecorder(0)
	for _, frame := range [][]byte{
		{0x30, 0x07, 0, 3, 'a', '/', 'b', 'h', 'i'}, // QoS 0 PUBLISH to a/b
		{0x30, 0x07, 0, 3, 'c', '/', 'd', 'h', 'o'}, // and to c/d
	} {
		r := record.DecodeFrame(frame, 4, record.ToClient)
		r.ClientID = "sub"
		w.Add(r)
	}
	for _, r := range rec.Find(record.Publish("a/#"), record.ClientID("sub")) {
		fmt.Printf("#%d %s\n", r.Seq, r.Line())
	}
	// Output:
	// #1 broker → sub  PUBLISH  q0  a/b  "hi"
}
