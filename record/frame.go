package record

import "errors"

// maxRemaining is the largest remaining length MQTT allows [MQTT-1.5.5].
const maxRemaining = 268435455

// errBadLength is returned by FrameLength for a remaining length above the
// MQTT maximum: nothing after it can be delimited.
var errBadLength = errors.New("malformed remaining length: above 268,435,455")

// FrameLength looks at the start of b for one MQTT frame, for code that
// reads MQTT from a stream. It returns the frame's total length and the
// length of its fixed header, or total 0 when b does not hold the whole
// frame yet; the error is for a remaining length above MQTT's maximum,
// after which nothing can be delimited. It reads the remaining length as
// mochi does, so that mqtttest's tap and its broker agree on where frames
// end: a length
// in more than the four bytes the spec allows is accepted (and the decoder
// marks the frame malformed); one above the maximum is not.
func FrameLength(b []byte) (total, header int, err error) {
	var n uint32 // as in mochi's packets.DecodeLength, bits shifted past 32 are lost
	for i := 1; i < len(b); i++ {
		n |= uint32(b[i]&0x7f) << (7 * (i - 1))
		if n > maxRemaining {
			return 0, 0, errBadLength
		}
		if b[i]&0x80 == 0 {
			header = i + 1
			if len(b)-header < int(n) {
				return 0, 0, nil
			}
			return header + int(n), header, nil
		}
	}
	return 0, 0, nil
}
