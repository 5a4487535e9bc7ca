package record

import (
	"runtime"
	"testing"
)

// BenchmarkRecordMemory measures the heap one record takes in a recording
// of a QoS 1 exchange (CONNECT once, then PUBLISH and PUBACK both ways:
// frames of 4 to 26 bytes, 15 on average), as the tap makes them.
func BenchmarkRecordMemory(b *testing.B) {
	frames := []struct {
		raw []byte
		dir Direction
	}{
		{[]byte{0x32, 0x14, 0, 12, 'h', 'o', 'm', 'e', '/', 'k', 'i', 't', 'c', 'h', 'e', 'n', 0, 1, '2', '1', '.', '5'}, ToBroker},
		{[]byte{0x40, 0x02, 0, 1}, ToClient},
		{[]byte{0x32, 0x14, 0, 12, 'h', 'o', 'm', 'e', '/', 'k', 'i', 't', 'c', 'h', 'e', 'n', 0, 7, '2', '1', '.', '5'}, ToClient},
		{[]byte{0x40, 0x02, 0, 7}, ToBroker},
	}
	const n = 100000
	var size int
	for _, f := range frames {
		size += len(f.raw)
	}
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		rec := newRecorder(0)
		for i := range n {
			f := frames[i%len(frames)]
			addAsTheTap(rec, f.raw, f.dir)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/record")
		b.ReportMetric(float64(size)/float64(len(frames)), "B/packet")
		runtime.KeepAlive(rec)
	}
}

// BenchmarkRecorderFind measures a query over 100,000 records of QoS 1
// exchanges that picks one in four (the PUBLISH packets to the client).
func BenchmarkRecorderFind(b *testing.B) {
	rec := newRecorder(0)
	frames := [][]byte{
		{0x32, 0x14, 0, 12, 'h', 'o', 'm', 'e', '/', 'k', 'i', 't', 'c', 'h', 'e', 'n', 0, 1, '2', '1', '.', '5'},
		{0x40, 0x02, 0, 1},
	}
	for i := range 100000 {
		addAsTheTap(rec, frames[i%2], Direction(1+i/2%2))
	}
	m := []Matcher{Publish("home/+"), Dir(ToClient)}
	for b.Loop() {
		if n := len(rec.Find(m...)); n != 25000 {
			b.Fatalf("%d records, want 25000", n)
		}
	}
}

// addAsTheTap records frame as mqtttest's tap does, on connection 1 of
// client sensor-1 (MQTT 3.1.1) over TCP.
func addAsTheTap(rec *Recorder, frame []byte, dir Direction) {
	r := DecodeFrame(append([]byte(nil), frame...), 4, dir)
	r.Conn, r.Listener, r.ClientID = 1, "tcp", "sensor-1"
	rec.add(r)
}
