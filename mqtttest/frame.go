package mqtttest

import "errors"

// errBadLength is returned by frameLength for a remaining length that is not
// a valid variable byte integer (more than four bytes).
var errBadLength = errors.New("malformed remaining length: more than four bytes")

// frameLength looks at the start of b for one MQTT frame. It returns the
// frame's total length and the length of its fixed header, or total 0 when b
// does not hold the whole frame yet.
func frameLength(b []byte) (total, header int, err error) {
	var n int
	for i := 1; i < len(b); i++ {
		n |= int(b[i]&0x7f) << (7 * (i - 1))
		if b[i]&0x80 == 0 {
			header = i + 1
			if len(b)-header < n {
				return 0, 0, nil
			}
			return header + n, header, nil
		}
		if i == 4 {
			return 0, 0, errBadLength
		}
	}
	return 0, 0, nil
}
