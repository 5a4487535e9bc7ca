package record

import (
	"bytes"

	"github.com/mochi-mqtt/server/v2/packets"
)

// redactPassword returns raw, the bytes of a CONNECT frame, with its
// password replaced by '*' of the same length, or raw itself when it holds
// no password it can find. The password is the last field of a CONNECT
// [MQTT-3.1.3-1], so it ends the frame. A recording is kept as a job's
// artefact: no password may reach it.
func redactPassword(raw []byte) (out []byte) {
	defer func() {
		if recover() != nil { // mochi's decoder is not ours to trust with garbage
			out = raw
		}
	}()
	total, header, err := FrameLength(raw)
	if err != nil || total != len(raw) || PacketType(raw[0]>>4) != TypeConnect {
		return raw
	}
	var pk packets.Packet
	if pk.FixedHeader.Decode(raw[0]) != nil {
		return raw
	}
	pk.FixedHeader.Remaining = total - header
	if pk.ConnectDecode(raw[header:]) != nil || !pk.Connect.PasswordFlag {
		return raw
	}
	n := len(pk.Connect.Password)
	start := len(raw) - n
	if n == 0 || start < header+2 || int(raw[start-2])<<8|int(raw[start-1]) != n || !bytes.Equal(raw[start:], pk.Connect.Password) {
		return raw
	}
	out = bytes.Clone(raw)
	for i := start; i < len(out); i++ {
		out[i] = '*'
	}
	return out
}
