package mqtttest

import (
	"errors"
	"io"
	"net"

	"github.com/gorilla/websocket"
)

// wsConn carries MQTT over WebSocket binary messages [MQTT-6.0.0-1], as a
// net.Conn. Deadlines and Close act on the TCP connection underneath.
type wsConn struct {
	net.Conn
	ws *websocket.Conn
	r  io.Reader // the message being read, nil between messages
}

// errNotBinary is returned for a WebSocket message that is not binary [MQTT-6.0.0-1].
var errNotBinary = errors.New("websocket message is not binary (MQTT over WebSocket must use binary frames)")

// Read reads the payload of binary messages as one byte stream.
func (c *wsConn) Read(p []byte) (int, error) {
	for {
		if c.r == nil {
			op, r, err := c.ws.NextReader()
			if err != nil {
				return 0, err
			}
			if op != websocket.BinaryMessage {
				return 0, errNotBinary
			}
			c.r = r
		}
		n, err := c.r.Read(p)
		if errors.Is(err, io.EOF) {
			c.r = nil
			err = nil
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// Write sends p as one binary message.
func (c *wsConn) Write(p []byte) (int, error) {
	if err := c.ws.WriteMessage(websocket.BinaryMessage, p); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close closes the TCP connection without a WebSocket close handshake.
func (c *wsConn) Close() error { return c.Conn.Close() }
