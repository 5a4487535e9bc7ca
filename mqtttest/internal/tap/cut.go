package tap

import (
	"net"

	"github.com/mqtt-testkit/testkit/record"
)

// faultAfterCut is the Fault of a record of what the broker wrote to a
// connection after the tap cut it (a CutBefore or CutAfter fault in either
// direction, Broker.Disconnect with Abrupt, a Partition's refusal, a Close,
// a malformed CONNECT or a DISCONNECT to an MQTT 3 client): the broker goes on
// for a moment, a PUBREL for the PUBREC that came with the cut, say, and
// none of it reaches the client.
const faultAfterCut = "after a cut: not passed on"

// writeAfterCut records the frames the broker writes after the tap cut the
// connection, as withheld (faultAfterCut), and writes nothing. It reports
// every byte taken, so that mochi does not write them again with its next
// packet, and net.ErrClosed. The caller holds wmu.
func (t *Conn) writeAfterCut(p []byte) (int, error) {
	b := p
	if len(t.wpend) > 0 {
		t.wpend = append(t.wpend, p...)
		b = t.wpend
	}
	used, raw := t.recordFrames(record.ToClient, b, t.wraw, false)
	t.wraw = raw
	t.wpend = append(t.wpend[:0], b[used:]...)
	return len(p), net.ErrClosed
}
