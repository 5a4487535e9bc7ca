package mqtttest

import (
	"fmt"
	"math/rand"
)

// corrupt passes a packet on with one byte inverted, drawn from the rule's
// seeded source; the record keeps the packet as it was.
type corrupt struct{}

func (corrupt) String() string { return "corrupt" }
func (corrupt) check() error   { return nil }

func (corrupt) draw(rng *rand.Rand, _ *Fault, r *Record, v *verdict) { v.flip = rng.Intn(len(r.Raw)) }

func (corrupt) mark(r *Record, v verdict) {
	r.Fault = fmt.Sprintf("corrupted: byte %d flipped", v.flip)
}

func (corrupt) in(t *tapConn, frame []byte, v verdict) {
	t.rout = append(t.rout, corrupted(frame, v.flip)...)
}

func (corrupt) out(t *tapConn, frame []byte, v verdict) {
	t.wout = append(t.wout, corrupted(frame, v.flip)...)
}

// corrupted returns a copy of frame with byte i inverted.
func corrupted(frame []byte, i int) []byte {
	c := append([]byte(nil), frame...)
	c[i] ^= 0xff
	return c
}
