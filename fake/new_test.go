package fake_test

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/mqtt-testkit/testkit/fake"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestNewTLS speaks MQTT over a TLS connection the test made.
func TestNewTLS(t *testing.T) {
	b := mqtttest.NewBroker(t, mqtttest.WithTLS())
	conn, err := tls.Dial("tcp", b.TLSAddr(), b.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	c := fake.New(t, conn, fake.Version(5))
	c.Connect(fake.Connect{ClientID: "tls", CleanStart: true})
	c.Subscribe(1, "sec")
	c.Publish(fake.Publish{Topic: "sec", QoS: 1, Payload: []byte("s")})
	c.Expect(mqtttest.Publish("sec"))
	if r := wait(t, b, mqtttest.ClientID("tls"), mqtttest.Type(mqtttest.TypePuback), mqtttest.Dir(mqtttest.ToBroker)); r.Listener != "tls" {
		t.Errorf("recorded on %q", r.Listener)
	}
}

// readFrame reads one MQTT frame from conn, as a broker would.
func readFrame(conn net.Conn) (mqtttest.Record, error) {
	var buf []byte
	chunk := make([]byte, 512)
	for {
		if r, n, err := mqtttest.DecodePacket(buf, 4, mqtttest.ToBroker); err != nil || n > 0 {
			return r, err
		}
		n, err := conn.Read(chunk)
		if err != nil {
			return mqtttest.Record{}, err
		}
		buf = append(buf, chunk[:n]...)
	}
}

// TestBrokerSendsGarbage plays the broker on one end of net.Pipe: a PUBLISH
// with QoS 3 reaches Expect as malformed and is not acknowledged, and bytes
// that do not frame as MQTT (a remaining length of five bytes) end the
// connection, recorded as malformed with the raw bytes.
func TestBrokerSendsGarbage(t *testing.T) {
	clientEnd, brokerEnd := net.Pipe()
	defer brokerEnd.Close()
	c := fake.New(t, clientEnd)

	badPublish := []byte{0x36, 0x05, 0x00, 0x01, 'x', 0x00, 0x01} // PUBLISH q3 "x" id=1
	unframed := []byte{0x30, 0xff, 0xff, 0xff, 0xff, 0x7f}
	broker := make(chan error, 1)
	go func() {
		r, err := readFrame(brokerEnd)
		if err == nil && r.Type != mqtttest.TypeConnect {
			err = fmt.Errorf("want CONNECT, got %s", r.Line())
		}
		if err == nil {
			_, err = brokerEnd.Write([]byte{0x20, 0x02, 0x00, 0x00}) // CONNACK
		}
		if err == nil {
			_, err = brokerEnd.Write(append(badPublish, unframed...))
		}
		if err == nil { // the client sends nothing more: no PUBACK for QoS 3
			if n, _ := brokerEnd.Read(make([]byte, 64)); n > 0 { // the read ends when the client closes
				err = errors.New("the client answered the malformed PUBLISH")
			}
		}
		broker <- err
	}()

	c.Connect(fake.Connect{ClientID: "victim"})
	bad := c.Expect(mqtttest.Malformed(), mqtttest.Type(mqtttest.TypePublish))
	if bad.QoS != 3 || !bytes.Equal(bad.Raw, badPublish) {
		t.Errorf("got %s", bad.Line())
	}
	c.ExpectClosed()
	r := c.Expect(mqtttest.Malformed())
	if !bytes.Equal(r.Raw, unframed) || r.Err == "" {
		t.Errorf("got %s, raw % x", r.Line(), r.Raw)
	}
	if err := <-broker; err != nil {
		t.Fatal(err)
	}
	if n := len(c.Received()); n != 3 {
		t.Errorf("received %d packets, want CONNACK and the two malformed ones", n)
	}
}
