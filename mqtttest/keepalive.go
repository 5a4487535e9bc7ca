package mqtttest

import "time"

// mochi gives a client (k + k/2) whole seconds to send its next packet
// (Client.refreshDeadline): for an odd keepalive k, integer division makes
// that half a second short of the one and a half times the keepalive that
// MQTT allows [MQTT-3.1.2-24] (v3.1.1) [MQTT-3.1.2-22] (v5). A client with a
// keepalive of 5 s that sends its PINGREQ 7.2 s after its last packet is
// within its rights, and mochi has closed its connection at 7 s.
//
// So the hook notes each client's keepalive as it connects, and the read
// deadline mochi sets after each packet is moved on by the half second
// mochi dropped (TestVirtualKeepaliveOddSeconds).

// SetDeadline sets the deadlines mochi asks for, half a second later for a
// client with an odd keepalive (see above).
func (c *brokerConn) SetDeadline(d time.Time) error {
	if k := c.keepalive.Load(); k%2 == 1 && !d.IsZero() {
		d = d.Add(500 * time.Millisecond)
	}
	return c.Conn.SetDeadline(d)
}
