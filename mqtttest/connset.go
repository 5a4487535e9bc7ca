package mqtttest

import (
	"net"
	"sort"
	"sync"

	"github.com/mqtt-testkit/testkit/mqtttest/internal/tap"
)

// connSet is the open connections of one listener of a Broker, or of a
// Proxy, and the goroutines that serve them: what Close cuts and waits for.
type connSet struct {
	mu     sync.Mutex
	closed bool
	conns  map[*tap.Conn]struct{}
	wg     sync.WaitGroup // the accept loop and one per connection
}

// enter counts one more goroutine, unless the set is closed.
func (s *connSet) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// leave ends a goroutine counted by enter.
func (s *connSet) leave() { s.wg.Done() }

// accept accepts connections from ln until it is closed, and serves each on
// a goroutine of its own, counted in the set.
func (s *connSet) accept(ln net.Listener, serve func(net.Conn)) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if !s.enter() {
			c.Close()
			return
		}
		go func() {
			defer s.leave()
			serve(c)
		}()
	}
}

// add puts t in the set, unless the set is closed (false).
func (s *connSet) add(t *tap.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	if s.conns == nil {
		s.conns = map[*tap.Conn]struct{}{}
	}
	s.conns[t] = struct{}{}
	return true
}

// remove takes t out of the set.
func (s *connSet) remove(t *tap.Conn) {
	s.mu.Lock()
	delete(s.conns, t)
	s.mu.Unlock()
}

// each calls fn for every connection in the set, with the set locked.
func (s *connSet) each(fn func(*tap.Conn)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for t := range s.conns {
		fn(t)
	}
}

// close marks the set closed, so that no connection or goroutine enters it
// again, and calls fn for every connection in it. It reports false if the
// set was closed already.
func (s *connSet) close(fn func(*tap.Conn)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.closed = true
	for t := range s.conns {
		fn(t)
	}
	return true
}

// wait returns when every goroutine of the set has ended.
func (s *connSet) wait() { s.wg.Wait() }

// states describes every connection, sorted, for a report on a Close that
// takes too long.
func (s *connSet) states() []string {
	var out []string
	s.each(func(t *tap.Conn) { out = append(out, t.State()) })
	sort.Strings(out)
	return out
}
