package tap

import (
	"fmt"
	"math/rand"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// Corrupt passes a packet on with byte at inverted, drawn for each packet
// from the rule's seeded source; the record keeps the packet as it was.
type Corrupt struct{ at int }

// String names the action in a rule's description.
func (Corrupt) String() string { return "corrupt" }

// Check says why the action's settings cannot work, or returns nil.
func (Corrupt) Check() error { return nil }

// Draw picks the byte to invert, for one packet.
func (Corrupt) Draw(rng *rand.Rand, _ time.Duration, r *record.Record) Action {
	return Corrupt{at: rng.Intn(len(r.Raw))}
}

func (a Corrupt) mark(r *record.Record) { r.Fault = fmt.Sprintf("corrupted: byte %d flipped", a.at) }

func (a Corrupt) in(t *Conn, frame []byte, _ Source) {
	t.rout = append(t.rout, corrupted(frame, a.at)...)
}

func (a Corrupt) out(t *Conn, frame []byte, _ Source) {
	t.wout = append(t.wout, corrupted(frame, a.at)...)
}

// corrupted returns a copy of frame with byte i inverted.
func corrupted(frame []byte, i int) []byte {
	c := append([]byte(nil), frame...)
	c[i] ^= 0xff
	return c
}
