package mqtttest

import (
	"bytes"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// v5Connect is a CONNECT for MQTT 5, client ID "slow", keepalive 0 (no
// deadline from the broker), clean start.
var v5Connect = []byte{0x10, 0x11, 0, 4, 'M', 'Q', 'T', 'T', 5, 0x02, 0, 0, 0, 0, 4, 's', 'l', 'o', 'w'}

// v5Subscribe subscribes to "f/#" at QoS 0, packet ID 1.
var v5Subscribe = []byte{0x82, 0x09, 0, 1, 0, 0, 3, 'f', '/', '#', 0}

// closeWithin closes b and fails the test if that takes longer than limit.
func closeWithin(t *testing.T, b *Broker, limit time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		b.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("Close did not return within %v\n%s", limit, b.Recorder().Transcript())
	}
}

// stalledSubscriber connects a v5 client that subscribes to f/# and then
// never reads, and has the broker publish until the client's socket is full:
// the broker's writes to it block.
func stalledSubscriber(t testing.TB, b *Broker) net.Conn {
	t.Helper()
	c := dialRaw(t, b)
	_ = c.SetDeadline(time.Time{})
	if _, err := c.Write(append(append([]byte{}, v5Connect...), v5Subscribe...)); err != nil {
		t.Fatal(err)
	}
	wait(t, b.Recorder(), ClientID("slow"), Type(TypeSuback))
	big := bytes.Repeat([]byte("x"), 256<<10)
	for i := 0; i < 64; i++ { // 16 MB: more than loopback socket buffers hold
		if err := b.Publish("f/big", big, 0, false); err != nil {
			t.Fatal(err)
		}
	}
	// The client keeps publishing (QoS 0, to a topic nobody reads), so the
	// broker keeps reading and, with keepalive 0, clearing its deadlines.
	done := make(chan struct{})
	go func() {
		defer close(done)
		pub := []byte{0x30, 0x06, 0, 3, 'o', '/', 'x', 0} // v5: empty properties
		for i := 0; i < 1<<20; i++ {                      // until the broker cuts the connection
			if _, err := c.Write(pub); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		c.Close()
		<-done
	})
	return c
}

// TestCloseWithClientThatStoppedReading checks Close returns even when a v5
// client has stopped reading and the broker's writes to it block.
func TestCloseWithClientThatStoppedReading(t *testing.T) {
	b, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	stalledSubscriber(t, b)
	closeWithin(t, b, waitTime)
	if r := wait(t, b.Recorder(), ClientID("slow"), Closed()); r.ClosedBy != "broker" || r.Reason != "broker closed" {
		t.Errorf("close record %q, want closed by broker: broker closed", r.Line())
	}
}

// BenchmarkCloseStalledClient measures Close while a client that stopped
// reading has the broker's write to it blocked: the write gets
// shutdownWrites, and then the connection is cut.
func BenchmarkCloseStalledClient(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		br, err := Start()
		if err != nil {
			b.Fatal(err)
		}
		conn := stalledSubscriber(b, br)
		b.StartTimer()
		br.Close()
		b.StopTimer()
		conn.Close()
		b.StartTimer()
	}
}

// TestServerDisconnectWithClientThatStoppedReading checks
// Disconnect(ServerDisconnect) does not block on a client that reads nothing.
func TestServerDisconnectWithClientThatStoppedReading(t *testing.T) {
	b := NewBroker(t)
	stalledSubscriber(t, b)
	done := make(chan error, 1)
	go func() { done <- b.Disconnect("slow", ServerDisconnect(0x98)) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(waitTime):
		t.Fatal("Disconnect blocked on a client that reads nothing")
	}
	wait(t, b.Recorder(), ClientID("slow"), Closed())
}

// TestCloseWhileClientsConnect closes the broker while clients keep
// connecting: every connection ends and Close returns.
func TestCloseWhileClientsConnect(t *testing.T) {
	for round := 0; round < 20; round++ {
		b, err := Start()
		if err != nil {
			t.Fatal(err)
		}
		var (
			wg    sync.WaitGroup
			mu    sync.Mutex
			conns []net.Conn // kept open until Close has returned, as clients that wait would
		)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 2000; i++ { // until the broker stops accepting
					c, err := net.Dial("tcp", b.Addr())
					if err != nil {
						return
					}
					mu.Lock()
					conns = append(conns, c)
					mu.Unlock()
					if _, err := c.Write(v4Connect); err != nil {
						return
					}
				}
			}()
		}
		wait(t, b.Recorder(), Opened())
		closeWithin(t, b, waitTime)
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
		if opened, closed := len(b.Recorder().Find(Opened())), len(b.Recorder().Find(Closed())); opened != closed {
			t.Fatalf("round %d: %d connections opened, %d close records", round, opened, closed)
		}
	}
}

// TestTLSHandshakeFailureIsRecorded sends plain bytes to the TLS port: the
// broker ends the connection and the record says the handshake failed.
func TestTLSHandshakeFailureIsRecorded(t *testing.T) {
	b := NewBroker(t, WithTLS())
	c, err := net.Dial("tcp", b.TLSAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(waitTime))
	if _, err := c.Write(v4Connect); err != nil {
		t.Fatal(err)
	}
	readUntilClosed(t, c)
	r := wait(t, b.Recorder(), Closed())
	if r.ClosedBy != "broker" || !strings.HasPrefix(r.Reason, "TLS handshake failed") {
		t.Errorf("close record %q, want closed by broker: TLS handshake failed", r.Line())
	}
}

// TestAssignedClientIDNamesTheConnack checks a v3 client that sends an
// empty client ID gets the broker's ID on its CONNACK record already.
func TestAssignedClientIDNamesTheConnack(t *testing.T) {
	b := NewBroker(t)
	c := dialRaw(t, b)
	anon := []byte{0x10, 0x0c, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 0}
	if _, err := c.Write(anon); err != nil {
		t.Fatal(err)
	}
	ack := wait(t, b.Recorder(), Type(TypeConnack))
	cs := b.Clients()
	if ack.ClientID == "" || len(cs) != 1 || cs[0].ID != ack.ClientID {
		t.Errorf("CONNACK record client %q, broker knows %+v; want the assigned ID on both", ack.ClientID, cs)
	}
}
