package mqtttest

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	paho5 "github.com/eclipse/paho.golang/paho"
)

// v4Connect is a CONNECT for MQTT 3.1.1, client ID "raw", keepalive 30.
var v4Connect = []byte{0x10, 0x0f, 0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 30, 0, 3, 'r', 'a', 'w'}

// dialRaw opens a plain TCP connection to the broker, closed at cleanup.
func dialRaw(t testing.TB, b *Broker) net.Conn {
	t.Helper()
	return dialAddr(t, b.Addr())
}

// dialAddr opens a plain TCP connection to addr, closed at cleanup.
func dialAddr(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitTime)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	_ = c.SetDeadline(time.Now().Add(waitTime))
	return c
}

// readUntilClosed reads until the broker closes the connection and returns
// what it sent.
func readUntilClosed(t *testing.T, c net.Conn) []byte {
	t.Helper()
	got, err := io.ReadAll(c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the broker did not close the connection within %v (got % x)", waitTime, got)
	}
	return got
}

// TestCloseWithSilentConnection opens a TCP connection that never sends
// CONNECT and checks Close still returns (mochi's own Close would wait
// forever) and records why the connection ended.
func TestCloseWithSilentConnection(t *testing.T) {
	b, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	c := dialRaw(t, b)
	wait(t, b.Recorder(), Opened())

	closeWithin(t, b, waitTime) // mochi's own Close would wait for CONNECT forever
	readUntilClosed(t, c)
	r := wait(t, b.Recorder(), Closed())
	if r.ClosedBy != "broker" || r.Reason != "broker closed" {
		t.Errorf("close record %q, want closed by broker: broker closed", r.Line())
	}
}

// TestConnectTimeout checks a connection that sends nothing is closed after
// WithConnectTimeout, and the record says why.
func TestConnectTimeout(t *testing.T) {
	b := NewBroker(t, WithConnectTimeout(50*time.Millisecond))
	c := dialRaw(t, b)
	if got := readUntilClosed(t, c); len(got) != 0 {
		t.Errorf("broker sent % x to a client that sent nothing, want nothing", got)
	}
	r := wait(t, b.Recorder(), Closed())
	if r.ClosedBy != "broker" || !strings.Contains(r.Reason, "no CONNECT") {
		t.Errorf("close record %q, want closed by broker: no CONNECT before the connect timeout", r.Line())
	}
}

// TestCloseIsIdempotentAndConcurrent closes a broker with clients from
// several goroutines at once, and again after.
func TestCloseIsIdempotentAndConcurrent(t *testing.T) {
	b, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	connect3(t, b.URL(), "a")
	connect3(t, b.URL(), "b")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.Close()
		}()
	}
	wg.Wait()
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	if err := b.Publish("x", nil, 0, false); err == nil {
		t.Error("Publish after Close returned nil, want an error")
	}
	if n := len(b.Recorder().Find(Closed())); n != 2 {
		t.Errorf("%d close records, want 2\n%s", n, b.Recorder().Transcript())
	}
}

// TestMalformedLengthIsRecordedAndOthersKeepWorking sends a frame whose
// remaining length is not a valid variable byte integer after a good
// CONNECT: the broker drops that client, the recorder keeps the raw bytes,
// and another client keeps working.
func TestMalformedLengthIsRecordedAndOthersKeepWorking(t *testing.T) {
	b := NewBroker(t)
	good := connect3(t, b.URL(), "good")
	good.subscribe(t, "still/#", 1)

	c := dialRaw(t, b)
	garbage := []byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f, 1, 2, 3}
	if _, err := c.Write(append(append([]byte{}, v4Connect...), garbage...)); err != nil {
		t.Fatal(err)
	}
	readUntilClosed(t, c)

	rec := b.Recorder()
	m := wait(t, rec, ClientID("raw"), Malformed())
	if !bytes.Equal(m.Raw, garbage) || m.Dir != ToBroker || !strings.Contains(m.Err, "remaining length") {
		t.Errorf("malformed record %s raw % x, want the garbage % x and a remaining-length error", m.Line(), m.Raw, garbage)
	}
	wait(t, rec, ClientID("raw"), Closed())

	good.publish(t, "still/here", 1, false, "yes")
	if got := receive(t, good.got); got.payload != "yes" {
		t.Errorf("the other client got %+v, want \"yes\"", got)
	}
}

// TestUndecodableFrameIsForwardedAndRecorded sends a PUBLISH with QoS 3: it
// frames but does not decode. The broker, not the tap, rejects it.
func TestUndecodableFrameIsForwardedAndRecorded(t *testing.T) {
	b := NewBroker(t)
	c := dialRaw(t, b)
	qos3 := []byte{0x36, 0x05, 0, 1, 'a', 0, 1}
	if _, err := c.Write(append(append([]byte{}, v4Connect...), qos3...)); err != nil {
		t.Fatal(err)
	}
	readUntilClosed(t, c)
	m := wait(t, b.Recorder(), Malformed())
	if !bytes.Equal(m.Raw, qos3) || m.Type != TypePublish || m.QoS != 3 {
		t.Errorf("record %s raw % x, want the QoS 3 PUBLISH % x", m.Line(), m.Raw, qos3)
	}
	cl := wait(t, b.Recorder(), Closed())
	if cl.ClosedBy != "broker" {
		t.Errorf("close record %q, want closed by broker", cl.Line())
	}
}

// TestGarbageBeforeConnect checks bytes that are not MQTT at all, sent
// first, are recorded and the connection is closed by the broker.
func TestGarbageBeforeConnect(t *testing.T) {
	b := NewBroker(t)
	c := dialRaw(t, b)
	if _, err := c.Write([]byte("GET / HTTP/1.1\r\n\r\n")); err != nil {
		t.Fatal(err)
	}
	readUntilClosed(t, c)
	rec := b.Recorder()
	wait(t, rec, Closed())
	var raw []byte
	for _, r := range rec.Find(Dir(ToBroker)) {
		raw = append(raw, r.Raw...)
	}
	if string(raw) != "GET / HTTP/1.1\r\n\r\n" {
		t.Errorf("recorded bytes %q, want every byte sent", raw)
	}
}

// TestTruncatedFrameIsRecorded sends half a frame and closes: the partial
// frame is recorded, not lost.
func TestTruncatedFrameIsRecorded(t *testing.T) {
	b := NewBroker(t)
	c := dialRaw(t, b)
	half := []byte{0x30, 0x10, 0, 3, 'a'}
	if _, err := c.Write(append(append([]byte{}, v4Connect...), half...)); err != nil {
		t.Fatal(err)
	}
	wait(t, b.Recorder(), ClientID("raw"), Type(TypeConnack))
	c.(*net.TCPConn).CloseWrite()
	readUntilClosed(t, c)
	m := wait(t, b.Recorder(), Malformed())
	if !bytes.Equal(m.Raw, half) || !strings.Contains(m.Err, "unfinished frame") {
		t.Errorf("record %s raw % x, want the partial frame % x", m.Line(), m.Raw, half)
	}
	if cl := wait(t, b.Recorder(), Closed()); cl.ClosedBy != "client" {
		t.Errorf("close record %q, want closed by client", cl.Line())
	}
}

// TestBadOptions checks every bad option is reported, and an address in use.
func TestBadOptions(t *testing.T) {
	for name, opts := range map[string][]Option{
		"limit":   {WithRecordLimit(0)},
		"timeout": {WithConnectTimeout(-time.Second)},
		"auth":    {WithAuth(nil)},
		"acl":     {WithACL(DenyPublish("a/#/b"))},
		"tls":     {WithTLS(), WithTLSFiles("c.pem", "k.pem")},
		"logger":  {WithLogger(nil)},
		"addr":    {WithAddr("")},
		"packet":  {WithMaxPacketSize(1)},
		"files":   {WithTLSFiles("/nonexistent/cert.pem", "/nonexistent/key.pem")},
	} {
		if b, err := Start(opts...); err == nil {
			b.Close()
			t.Errorf("%s: Start succeeded, want an error", name)
		} else if !strings.HasPrefix(err.Error(), "mqtttest: ") {
			t.Errorf("%s: error %q does not say where it comes from", name, err)
		}
	}

	b := NewBroker(t)
	_, err := Start(WithAddr(b.Addr()))
	if err == nil || !strings.Contains(err.Error(), b.Addr()) {
		t.Errorf("Start on an address in use: %v, want an error naming %s", err, b.Addr())
	}
}

// TestMaxPacketSizeAnnounced: an MQTT 5 client is told the broker's
// Maximum Packet Size in CONNACK (mochi left it out, so a client had no way
// to keep to it) [MQTT-3.2.2-15]; an MQTT 3.1.1 CONNACK has no properties.
func TestMaxPacketSizeAnnounced(t *testing.T) {
	b := NewBroker(t, WithMaxPacketSize(256))
	connect5(t, b.Addr(), &paho5.Connect{ClientID: "c5", KeepAlive: 30, CleanStart: true})
	r := wait(t, b.Recorder(), ClientID("c5"), Type(TypeConnack))
	pk := packets.Packet{ProtocolVersion: 5, FixedHeader: packets.FixedHeader{Type: packets.Connack}}
	if err := pk.ConnackDecode(r.Raw[2:]); err != nil { // a CONNACK's remaining length is one byte
		t.Fatal(err)
	}
	if pk.Properties.MaximumPacketSize != 256 {
		t.Errorf("CONNACK announces Maximum Packet Size %d, want 256: %x", pk.Properties.MaximumPacketSize, r.Raw)
	}
	connect3(t, b.URL(), "c3")
	if r := wait(t, b.Recorder(), ClientID("c3"), Type(TypeConnack)); len(r.Raw) != 4 {
		t.Errorf("v3.1.1 CONNACK %x, want 4 bytes", r.Raw)
	}
}

// TestMaxPacketSize checks a packet over WithMaxPacketSize ends that
// client's connection, is recorded whole, and leaves other clients alone.
func TestMaxPacketSize(t *testing.T) {
	b := NewBroker(t, WithMaxPacketSize(64))
	other := connect3(t, b.URL(), "other")
	other.subscribe(t, "big/#", 0)
	big := connect3(t, b.URL(), "big")
	big.Publish("big/x", 0, false, strings.Repeat("x", 100))
	closed := wait(t, b.Recorder(), ClientID("big"), Closed())
	if closed.ClosedBy != "broker" || !strings.Contains(closed.Reason, "too large") {
		t.Errorf("close record %q, want closed by the broker because the packet is too large", closed.Line())
	}
	if r := wait(t, b.Recorder(), ClientID("big"), Publish("big/x")); len(r.Payload) != 100 || !r.Malformed || !strings.Contains(r.Err, "too large") {
		t.Errorf("oversize PUBLISH recorded as %s, want its 100-byte payload", r.Line())
	}
	other.publish(t, "big/y", 0, false, "small")
	if m := receive(t, other.got); m.payload != "small" {
		t.Errorf("the other client got %+v, want its own small message", m)
	}
}
