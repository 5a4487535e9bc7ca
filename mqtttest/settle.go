package mqtttest

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// Settle waits until the broker has finished with everything it has read:
// every packet read from any connection has been handled, every message
// that handling routed has been written to its subscriber (or dropped, with
// a record), and every connection that ended has been handled to the end
// (its will published). It is the barrier in front of a check that
// something did not happen: after Settle, a delivery that is not recorded
// was not made.
//
// Settle sees only what the broker has read: bytes a client has written
// that the broker has not read yet are after the barrier; so are timers
// (will delay, session expiry, keepalive). A Delay fault on a packet, or a
// subscriber that has stopped reading, holds Settle up until it passes. It
// returns an error saying what was still busy if that takes longer than
// timeout, and one that wraps ErrClosed after Close.
func (b *Broker) Settle(timeout time.Duration) error {
	return b.rec.Settle(timeout)
}

// settle waits for the broker to go quiet: two looks at every connection and
// client agree that nothing is under way and nothing happened in between.
func (b *Broker) settle(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	pause := 20 * time.Microsecond
	for {
		if b.closed.Load() {
			return closedError{"broker", "Settle has nothing to wait for: its records are final"}
		}
		busy := b.busy()
		if busy == "" && b.closed.Load() { // Close ran while busy looked: it saw no connections
			continue
		}
		if busy == "" {
			return nil
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("mqtttest: Settle: the broker was still busy after %v: %s", timeout, busy)
		}
		time.Sleep(min(pause, time.Until(deadline))) // a poll of a condition, not a guess at timing
		pause = min(2*pause, 2*time.Millisecond)
	}
}

// busy returns what the broker is doing, or "" when it has finished with
// everything it has read. It looks at the connections, then at the clients'
// write queues, then at the connections again: a connection that handled a
// packet in between shows a new read count, so a message routed after the
// queues were looked at cannot slip through.
func (b *Broker) busy() string {
	before, busy := b.readers()
	if busy != "" {
		return busy
	}
	if busy := b.writing(); busy != "" {
		return busy
	}
	after, busy := b.readers()
	if busy != "" {
		return busy
	}
	if len(before) != len(after) {
		return "a connection opened or closed while Settle looked"
	}
	for conn, n := range before {
		if after[conn] != n {
			return "a connection read a packet while Settle looked"
		}
	}
	return ""
}

// readers returns the read count of every connection, or what one of them
// is doing when it is not waiting for its client.
func (b *Broker) readers() (map[uint64]uint64, string) {
	reads := map[uint64]uint64{}
	var busy []string
	b.eachConn(func(t *tap.Conn) {
		n, doing := t.Activity()
		reads[t.ID()] = n
		if doing != "" {
			busy = append(busy, t.Name()+" "+doing)
		}
	})
	sort.Strings(busy)
	return reads, strings.Join(busy, "; ")
}

// writing names the connected clients whose write queue is not empty.
func (b *Broker) writing() string {
	var busy []string
	for _, cl := range b.server().Clients.GetAll() {
		if cl.Closed() {
			continue
		}
		if n := queuedCount(cl); n != 0 {
			busy = append(busy, fmt.Sprintf("%s has %d packet(s) to write", cl.ID, n))
		}
	}
	sort.Strings(busy)
	return strings.Join(busy, "; ")
}

// queuedCount returns how many packets mochi has queued for cl and not yet
// finished writing (ClientState.outboundQty, unexported: mochi counts a
// packet out only after its write returns), or 0 if mochi has no such
// field (TestMochiFields fails then).
func queuedCount(cl *mqtt.Client) int32 {
	if outboundQty == nil {
		return 0
	}
	return atomic.LoadInt32((*int32)(unsafe.Add(unsafe.Pointer(&cl.State), outboundQty.Offset)))
}

// outboundQty is mochi's ClientState.outboundQty field, or nil.
var outboundQty = stateField("outboundQty", reflect.Int32)

// stateField returns the unexported field of mochi's ClientState with this
// name and kind, or nil.
func stateField(name string, kind reflect.Kind) *reflect.StructField {
	f, ok := reflect.TypeFor[mqtt.ClientState]().FieldByName(name)
	if !ok || f.Type.Kind() != kind {
		return nil
	}
	return &f
}
