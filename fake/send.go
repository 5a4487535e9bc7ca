package fake

import (
	"fmt"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/mqtt-testkit/testkit/record"
)

// Connect sends CONNECT and waits (Timeout) for CONNACK, which it returns
// whatever its reason code: a refused connection is for the test to check.
// It may be called again on the same connection, to send a second CONNECT;
// SendConnect sends one without waiting. The test fails when no CONNACK
// comes, e.g. because the broker closed the connection.
func (c *Client) Connect(p Connect) record.Record {
	c.t.Helper()
	c.SendConnect(p)
	return c.Expect(record.Type(record.TypeConnack))
}

// SendConnect sends CONNECT and does not wait for anything.
func (c *Client) SendConnect(p Connect) {
	c.t.Helper()
	c.reportBackground()
	c.sendPacket("CONNECT", func() ([]byte, error) {
		pk, err := connectPacket(p, c.version)
		if err != nil {
			return nil, err
		}
		return encode(pk, c.version)
	})
}

// Subscribe sends SUBSCRIBE for filters, each with the requested QoS (any
// value, written as given; no filters at all is a protocol violation the
// client sends anyway), and waits (Timeout) for the SUBACK with its packet
// identifier, which it returns whatever its reason codes.
func (c *Client) Subscribe(qos byte, filters ...string) record.Record {
	c.t.Helper()
	c.reportBackground()
	id := c.nextID()
	c.sendPacket("SUBSCRIBE", func() ([]byte, error) {
		return encode(subscribePacket(false, id, qos, filters), c.version)
	})
	return c.Expect(record.Type(record.TypeSuback), record.PacketID(id))
}

// Unsubscribe sends UNSUBSCRIBE for filters and waits (Timeout) for the
// UNSUBACK with its packet identifier, which it returns.
func (c *Client) Unsubscribe(filters ...string) record.Record {
	c.t.Helper()
	c.reportBackground()
	id := c.nextID()
	c.sendPacket("UNSUBSCRIBE", func() ([]byte, error) {
		return encode(subscribePacket(true, id, 0, filters), c.version)
	})
	return c.Expect(record.Type(record.TypeUnsuback), record.PacketID(id))
}

// Publish sends PUBLISH and returns its packet identifier (0 at QoS 0). It
// does not wait: the broker's PUBACK or PUBREC arrives later (Expect it), and
// the ack policy answers a PUBREC with PUBREL. It sends before CONNECT too,
// and whatever the QoS and flags; only a QoS above 3, which does not fit in
// the header, fails the test.
func (c *Client) Publish(p Publish) uint16 {
	c.t.Helper()
	c.reportBackground()
	id := p.PacketID
	if p.QoS == 0 {
		id = 0
	} else if id == 0 {
		id = c.nextID()
	}
	c.sendPacket("PUBLISH", func() ([]byte, error) {
		pk, err := publishPacket(p, id)
		if err != nil {
			return nil, err
		}
		return encode(pk, c.version)
	})
	return id
}

// Ping sends PINGREQ and waits (Timeout) for PINGRESP, which it returns.
// The client sends no PINGREQ on its own, whatever the keepalive.
func (c *Client) Ping() record.Record {
	c.t.Helper()
	c.reportBackground()
	c.sendPacket("PINGREQ", func() ([]byte, error) {
		return encode(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Pingreq}}, c.version)
	})
	return c.Expect(record.Type(record.TypePingresp))
}

// nextID returns the next packet identifier: 1, 2, ... 65535, 1, ...
func (c *Client) nextID() uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastID++
	if c.lastID == 0 {
		c.lastID = 1
	}
	return c.lastID
}

// sendPacket encodes a packet and sends it, failing the test if either fails.
func (c *Client) sendPacket(what string, enc func() ([]byte, error)) {
	c.t.Helper()
	b, err := enc()
	if err != nil {
		c.fatalf("cannot encode %s: %v", what, err)
		return
	}
	c.send(what, b)
}

// send writes b, failing the test if the connection has ended or the write fails.
func (c *Client) send(what string, b []byte) {
	c.t.Helper()
	c.mu.Lock()
	ended, reason := c.ended, c.reason
	c.mu.Unlock()
	if ended {
		c.fatalf("cannot send %s: the connection has ended (%s)", what, reason)
		return
	}
	if err := c.write(b); err != nil {
		c.fatalf("sending %s: %v", what, err)
	}
}

// fatalf fails the test with the message and what the client sent and received.
func (c *Client) fatalf(format string, args ...any) {
	c.t.Helper()
	c.t.Fatalf("fake client %s: %s\n%s", c.who(), fmt.Sprintf(format, args...), c.conversation())
}
