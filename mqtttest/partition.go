package mqtttest

import "github.com/mqtt-testkit/testkit/mqtttest/internal/tap"

// Partition cuts the broker off from its clients without closing anything:
// every open connection freezes (nothing passes either way, the sockets stay
// open, so keepalives expire as in a real network partition) and new
// connections are closed as they arrive. Packets caught in it are lost, and
// their records say "frozen by Partition: not passed on". Heal ends it. A
// partition is not a Freeze: a connection a Freeze rule froze stays frozen
// through Partition and Heal.
func (b *Broker) Partition() {
	b.partitioned.Store(true)
	b.eachConn(func(t *tap.Conn) { t.Partition() })
}

// Heal ends a Partition: connections still open pass packets again and new
// ones are accepted. The client or broker may already have given up on a
// connection; Heal does not revive what keepalive ended, nor a connection
// a Freeze rule froze.
func (b *Broker) Heal() {
	b.partitioned.Store(false)
	b.eachConn(func(t *tap.Conn) { t.Heal() })
}

// eachConn calls fn for every open connection of every listener.
func (b *Broker) eachConn(fn func(*tap.Conn)) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for _, l := range b.listeners() {
		l.conns.each(fn)
	}
}
