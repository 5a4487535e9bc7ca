// Package memconn is a network connection whose two ends are in one
// process: what mqtttest hands a client in place of a TCP connection, so a
// test needs no port, and so a test in a testing/synctest bubble can run
// MQTT's timers on the bubble's clock.
//
// It behaves as TCP does for a client library: bytes arrive in order and
// whole; each direction holds BufferSize bytes unread, after which a write
// waits for the reader, as a full TCP window does; Close ends both
// directions (the other end reads what was sent, then io.EOF; its first
// write is taken and lost, as TCP's is before the peer's reset, and its
// later writes fail), CloseWrite and CloseRead end one; deadlines end waits with
// an error whose Timeout method reports true (os.ErrDeadlineExceeded).
//
// Every wait is on a condition variable, and every deadline is a timer: in
// a synctest bubble, an end blocked in Read or Write is durably blocked,
// and its deadline fires on the bubble's clock. (A TCP socket is never
// durably blocked, and net.Pipe's unbuffered writes block on a mutex, which
// synctest does not count as blocked.) Conn is also a sync.Locker, which
// eclipse/paho.golang locks around each packet it writes in pieces.
package memconn

import (
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// BufferSize is how many bytes one direction holds unread before a write
// waits for the reader.
const BufferSize = 256 << 10

// Addr is the address of one end of a Conn: its name.
type Addr string

// Network returns "memory".
func (Addr) Network() string { return "memory" }

// String returns the end's name.
func (a Addr) String() string { return string(a) }

// Conn is one end of an in-memory connection made by Pipe. Its methods are
// safe for concurrent use. Closing it frees what it holds; the test that
// made it closes it, or hands it to something that does (the broker closes
// its end, a client library its own).
type Conn struct {
	in, out       *pipe // what this end reads, and what it writes
	local, remote Addr
	closed        atomic.Bool
	wmu           sync.Mutex // Lock and Unlock
}

// Pipe returns the two ends of a new connection, named a and b: what is
// written to one is read from the other.
func Pipe(a, b string) (*Conn, *Conn) {
	ab, ba := newPipe(), newPipe()
	return &Conn{in: ba, out: ab, local: Addr(a), remote: Addr(b)},
		&Conn{in: ab, out: ba, local: Addr(b), remote: Addr(a)}
}

// pipe is one direction of a connection.
type pipe struct {
	mu     sync.Mutex
	cond   sync.Cond // on mu: bytes or room, a close, a deadline
	data   []byte    // unread bytes from off on
	off    int
	rdone  bool     // the reading end is closed (Close or CloseRead): writes fail, after the first
	reset  bool     // the first write after rdone was taken and lost
	wdone  bool     // the writing end is closed (Close or CloseWrite): reads return io.EOF once data is read
	rdl    deadline // the reading end's read deadline
	wdl    deadline // the writing end's write deadline
	closed bool     // the reading end's Close: reads fail with net.ErrClosed
}

func newPipe() *pipe {
	p := new(pipe)
	p.cond.L = &p.mu
	return p
}

// deadline is a read or write deadline, and the timer that wakes the
// waiters when it passes.
type deadline struct {
	at    time.Time
	timer *time.Timer
}

// passed reports whether the deadline is set and has passed.
func (d *deadline) passed() bool { return !d.at.IsZero() && !time.Now().Before(d.at) }

// set changes d, a deadline of p, to at. The caller holds p.mu.
func (p *pipe) set(d *deadline, at time.Time) {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
	d.at = at
	p.cond.Broadcast() // a waiter checks the new deadline
	if wait := time.Until(at); !at.IsZero() && wait > 0 {
		d.timer = time.AfterFunc(wait, func() {
			p.mu.Lock()
			p.cond.Broadcast()
			p.mu.Unlock()
		})
	}
}

// stop stops d's timer. The caller holds p.mu.
func (d *deadline) stop() {
	if d.timer != nil {
		d.timer.Stop()
		d.timer = nil
	}
}

// Read reads what the other end wrote, waiting until there is something,
// the other end stops writing (io.EOF), or the read deadline passes.
func (c *Conn) Read(b []byte) (int, error) {
	p := c.in
	p.mu.Lock()
	defer p.mu.Unlock()
	for {
		switch {
		case p.closed:
			return 0, c.opError("read", net.ErrClosed)
		case p.rdone:
			return 0, c.opError("read", errReadClosed)
		case p.rdl.passed():
			return 0, c.opError("read", os.ErrDeadlineExceeded)
		case len(b) == 0:
			return 0, nil
		case p.off < len(p.data):
			n := copy(b, p.data[p.off:])
			p.off += n
			if p.off == len(p.data) {
				p.data, p.off = p.data[:0], 0
			}
			p.cond.Broadcast() // room for the writer
			return n, nil
		case p.wdone:
			return 0, io.EOF
		}
		p.cond.Wait()
	}
}

// Write writes b for the other end to read, waiting while BufferSize bytes
// are unread, until all of b is taken, the connection is closed, or the
// write deadline passes.
func (c *Conn) Write(b []byte) (int, error) {
	p := c.out
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for {
		switch {
		case c.closed.Load():
			return n, c.opError("write", net.ErrClosed)
		case p.wdone:
			return n, c.opError("write", errWriteClosed)
		case p.rdone && n == 0 && !p.reset:
			// TCP takes the first write after the peer has closed, and
			// loses it (the peer answers with a reset); the writer learns
			// only at its next write. A writer that fails at once would
			// miss what the peer sent before it closed, still unread: a
			// broker answering a PINGREQ would never read the DISCONNECT
			// behind it.
			p.reset = true
			return len(b), nil
		case p.rdone:
			return n, c.opError("write", errPeerClosed)
		case p.wdl.passed():
			return n, c.opError("write", os.ErrDeadlineExceeded)
		case len(b) == 0:
			return n, nil
		}
		unread := len(p.data) - p.off
		if unread >= BufferSize {
			p.cond.Wait()
			continue
		}
		k := min(len(b), BufferSize-unread)
		if p.off > 0 && len(p.data)+k > cap(p.data) { // move the unread bytes to the front rather than grow
			p.data, p.off = p.data[:copy(p.data, p.data[p.off:])], 0
		}
		p.data = append(p.data, b[:k]...)
		b, n = b[k:], n+k
		p.cond.Broadcast() // bytes for the reader
	}
}

// Close closes this end: its reads and writes fail with net.ErrClosed, the
// other end reads what was written and then io.EOF, and its writes fail
// after the first, which is lost.
func (c *Conn) Close() error {
	if !c.closed.CompareAndSwap(false, true) {
		return c.opError("close", net.ErrClosed)
	}
	c.in.mu.Lock()
	c.in.closed, c.in.rdone = true, true
	c.in.data, c.in.off = nil, 0
	c.in.rdl.stop()
	c.in.cond.Broadcast()
	c.in.mu.Unlock()
	c.out.mu.Lock()
	c.out.wdone = true
	c.out.wdl.stop()
	c.out.cond.Broadcast()
	c.out.mu.Unlock()
	return nil
}

// CloseWrite ends this end's writing, as TCP's half-close does: the other
// end reads what was written, then io.EOF.
func (c *Conn) CloseWrite() error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	c.out.mu.Lock()
	c.out.wdone = true
	c.out.cond.Broadcast()
	c.out.mu.Unlock()
	return nil
}

// CloseRead ends this end's reading: unread bytes are discarded, reads
// fail, and the other end's writes fail.
func (c *Conn) CloseRead() error {
	if c.closed.Load() {
		return c.opError("close", net.ErrClosed)
	}
	c.in.mu.Lock()
	c.in.rdone = true
	c.in.data, c.in.off = nil, 0
	c.in.cond.Broadcast()
	c.in.mu.Unlock()
	return nil
}

// LocalAddr returns this end's name.
func (c *Conn) LocalAddr() net.Addr { return c.local }

// RemoteAddr returns the other end's name.
func (c *Conn) RemoteAddr() net.Addr { return c.remote }

// SetDeadline sets the read and write deadlines.
func (c *Conn) SetDeadline(t time.Time) error {
	if err := c.SetReadDeadline(t); err != nil {
		return err
	}
	return c.SetWriteDeadline(t)
}

// SetReadDeadline sets when a Read, waiting or to come, fails with
// os.ErrDeadlineExceeded; the zero time means never.
func (c *Conn) SetReadDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.in.mu.Lock()
	c.in.set(&c.in.rdl, t)
	c.in.mu.Unlock()
	return nil
}

// SetWriteDeadline sets when a Write, waiting or to come, fails with
// os.ErrDeadlineExceeded; the zero time means never.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	if c.closed.Load() {
		return c.opError("set", net.ErrClosed)
	}
	c.out.mu.Lock()
	c.out.set(&c.out.wdl, t)
	c.out.mu.Unlock()
	return nil
}

// Lock locks the connection for one writer, who may write a packet in
// several pieces; Unlock lets the next one write. eclipse/paho.golang uses
// them.
func (c *Conn) Lock() { c.wmu.Lock() }

// Unlock ends what Lock began.
func (c *Conn) Unlock() { c.wmu.Unlock() }

var (
	errPeerClosed  = io.ErrClosedPipe
	errWriteClosed = errorString("write after CloseWrite")
	errReadClosed  = errorString("read after CloseRead")
)

type errorString string

func (e errorString) Error() string { return string(e) }

// opError wraps err as the net package does, naming this end's addresses.
func (c *Conn) opError(op string, err error) error {
	return &net.OpError{Op: op, Net: "memory", Source: c.local, Addr: c.remote, Err: err}
}

var (
	_ net.Conn    = (*Conn)(nil)
	_ sync.Locker = (*Conn)(nil)
)
