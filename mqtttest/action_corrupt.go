package mqtttest

import "fmt"

// corrupt passes a packet on with byte at inverted, drawn for each packet
// from the rule's seeded source; the record keeps the packet as it was.
type corrupt struct{ at int }

func (corrupt) String() string { return "corrupt" }
func (corrupt) check() error   { return nil }

// draw picks the byte to invert, for one packet.
func (corrupt) draw(f *Fault, r *Record) action { return corrupt{at: f.rng.Intn(len(r.Raw))} }

func (a corrupt) mark(r *Record) { r.Fault = fmt.Sprintf("corrupted: byte %d flipped", a.at) }

func (a corrupt) in(t *tapConn, frame []byte, _ *Fault) {
	t.rout = append(t.rout, corrupted(frame, a.at)...)
}

func (a corrupt) out(t *tapConn, frame []byte, _ *Fault) {
	t.wout = append(t.wout, corrupted(frame, a.at)...)
}

// corrupted returns a copy of frame with byte i inverted.
func corrupted(frame []byte, i int) []byte {
	c := append([]byte(nil), frame...)
	c[i] ^= 0xff
	return c
}
