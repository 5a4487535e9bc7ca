package tap

import "sync/atomic"

// passState says whether a connection passes packets and, if not, why.
type passState uint32

const (
	passing     passState = iota // packets pass, as the faults decide
	partitioned                  // Broker.Partition holds it, until Heal
	frozen                       // a Freeze rule acted on it: for good
)

// caught is what the record of a packet the state keeps back says.
func (s passState) caught() string {
	switch s {
	case partitioned:
		return "frozen by Partition: not passed on"
	case frozen:
		return "frozen: not passed on"
	}
	return ""
}

// passGate holds a connection's passState. Its methods are the only
// transitions: passing to partitioned and back (Partition, Heal), and any
// state to frozen (a Freeze rule), which nothing ends: Heal does not revive
// a connection a Freeze rule froze.
type passGate struct{ s atomic.Uint32 }

// load returns the state now.
func (g *passGate) load() passState { return passState(g.s.Load()) }

// freeze stops the connection for good.
func (g *passGate) freeze() { g.s.Store(uint32(frozen)) }

// partition stops a passing connection until heal.
func (g *passGate) partition() { g.s.CompareAndSwap(uint32(passing), uint32(partitioned)) }

// heal lets a partitioned connection pass again; a frozen one stays frozen.
func (g *passGate) heal() { g.s.CompareAndSwap(uint32(partitioned), uint32(passing)) }

// Partition stops the connection, unless a Freeze rule has, until Heal.
func (t *Conn) Partition() { t.gate.partition() }

// Heal lets a partitioned connection pass again; a frozen one stays frozen.
func (t *Conn) Heal() { t.gate.heal() }
