package mqtttest

import (
	"bytes"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// flood connects n raw MQTT 3.1.1 clients that send QoS 1 PUBLISH packets
// as fast as they can and never read, so the broker's PUBACKs fill their
// sockets and its writes to them block. It returns once every client has
// had perPublisher PUBLISH packets recorded (on average), and a function that stops the
// clients, which the caller calls once the broker is closed.
func flood(tb testing.TB, b *Broker, n, perPublisher int) (stop func()) {
	tb.Helper()
	pub := []byte{0x32, 0x08, 0, 3, 'f', '/', 'x', 0, 1, 'p'} // QoS 1, id 1: each is acknowledged before the next is read
	burst := bytes.Repeat(pub, 4096)
	var (
		wg    sync.WaitGroup
		conns = make([]net.Conn, n)
	)
	for i := range conns {
		c, err := net.Dial("tcp", b.Addr())
		if err != nil {
			tb.Fatal(err)
		}
		conns[i] = c
		id := fmt.Sprintf("f%03d", i)
		connect := append([]byte{0x10, byte(12 + len(id)), 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0, 0, byte(len(id))}, id...)
		if _, err := c.Write(connect); err != nil {
			tb.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, err := c.Write(burst); err != nil {
					return // the broker closed the connection
				}
			}
		}()
	}
	if _, err := b.Recorder().WaitForN(ctxFor(tb), n*perPublisher, Type(TypePublish)); err != nil {
		tb.Fatal(err)
	}
	return func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	}
}

// TestCloseUnderFlood closes the broker while 100 clients flood it with
// QoS 1 messages and read none of the PUBACKs: every connection is closed,
// and closed because the broker closed, not because a write to a client
// timed out on the way.
func TestCloseUnderFlood(t *testing.T) {
	b, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	stop := flood(t, b, 100, 200)
	start := time.Now()
	closeWithin(t, b, waitTime)
	t.Logf("Close took %v", time.Since(start))
	stop()
	closes := b.Recorder().Find(Closed())
	if len(closes) != 100 {
		t.Errorf("%d close records, want 100", len(closes))
	}
	for _, r := range closes {
		if r.ClosedBy != "broker" || r.Reason != "broker closed" {
			t.Errorf("close record %q, want closed by broker: broker closed", r.Line())
		}
	}
}

// BenchmarkCloseUnderFlood measures Close while 100 clients flood the broker
// with QoS 1 messages and read none of the PUBACKs.
func BenchmarkCloseUnderFlood(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		br, err := Start()
		if err != nil {
			b.Fatal(err)
		}
		stop := flood(b, br, 100, 200)
		b.StartTimer()
		br.Close()
		b.StopTimer()
		stop()
		b.StartTimer()
	}
}
