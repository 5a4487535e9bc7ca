package pahogolang

import (
	"fmt"
	"sync/atomic"

	"github.com/eclipse/paho.golang/packets"
	"github.com/eclipse/paho.golang/paho/session/state"
)

// guarded is paho.golang's session state with a panic of PacketReceived
// caught. v0.23.0 answers a PUBREC by writing the PUBREL to the connection
// without the state's lock, and panics (a nil connection) when the
// connection is lost at that moment (eclipse-paho/paho.golang#343, item 1).
// The panic would end the whole test process, so the adapters catch it:
// the PUBREL is in the session's store by then, and goes out on the next
// connection, as it would have had the write failed. Each catch is counted
// (Caught) and logged by the adapter tests.
type guarded struct{ *state.State }

var caught atomic.Int64

// Caught returns how many panics of paho.golang's session state the
// adapters have caught in this process.
func Caught() int64 { return caught.Load() }

// PacketReceived is the state's, with its panic caught.
func (g guarded) PacketReceived(p *packets.ControlPacket, ch chan<- *packets.Publish) (err error) {
	defer func() {
		if r := recover(); r != nil {
			caught.Add(1)
			err = fmt.Errorf("paho.golang's session state panicked (eclipse-paho/paho.golang#343): %v", r)
		}
	}()
	return g.State.PacketReceived(p, ch)
}
