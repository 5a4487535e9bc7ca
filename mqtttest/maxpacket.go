package mqtttest

import (
	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// announceMaxPacketSize puts the broker's Maximum Packet Size
// (WithMaxPacketSize) in a CONNACK to an MQTT 5 client. mochi enforces the
// limit but does not announce it, and a client that is not told has no limit
// but MQTT's: it sends a larger packet in good faith, and is disconnected
// for it [MQTT-3.2.2-15]. A client's packet within the announced size is
// within mochi's count too (mochi leaves the length's own bytes out).
func announceMaxPacketSize(cl *mqtt.Client, pk *packets.Packet, max uint32) {
	if max > 0 && pk.FixedHeader.Type == packets.Connack && cl.Properties.ProtocolVersion == 5 && pk.ReasonCode < 0x80 {
		pk.Properties.MaximumPacketSize = max
	}
}
