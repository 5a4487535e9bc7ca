package tap

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// Conn is the wire tap: it wraps one accepted connection, frames the MQTT
// bytes that cross it in both directions, records each frame, and passes
// the bytes on as the faults decide (unchanged when none acts).
// Client-to-broker bytes reach the broker a whole frame at a time. It never
// panics on bad input: bytes that do not frame are recorded as malformed
// and passed through as they come.
type Conn struct {
	net.Conn           // what the broker reads from and writes to (TLS or WebSocket framing removed)
	raw       net.Conn // the TCP connection underneath, closed to cut the connection at once
	rec       *record.Writer
	conn      uint64
	listener  string
	maxPacket uint32 // WithMaxPacketSize, to mark larger packets from the client; 0 for none
	tls       bool   // the broker reads through TLS: a read that fails before the first frame is a failed handshake

	mu       sync.Mutex // guards the fields below
	clientID string
	version  byte              // protocol version from CONNECT; 0 before it
	lastIn   record.PacketType // type of the last frame from the client
	end      closeState        // how the connection ends (close.go)
	wlimit   time.Time         // once set, no write deadline may be later (LimitWrites)
	atFinish []func()          // run when the broker is done with the connection (OnFinish)

	done     chan struct{} // closed when the broker is done with the connection
	mayRoute atomic.Bool   // the broker is handling a packet of this connection that may route a message (MayRoute)

	window    window           // the client's Receive Maximum (window.go)
	resume    resumeGate       // a resumed session's messages go first (resume.go)
	seams     *Seams           // tests only
	faults    Judge            // the fault rules
	gate      passGate         // partitioned or frozen: nothing passes either way (gate.go)
	severed   atomic.Bool      // the tap cut the connection: nothing more is written to the client (cut.go)
	dead      chan struct{}    // closed when the socket is closed, to end fault delays
	scratch   [2]record.Record // where faults judge a record, one per direction
	throttled [2]time.Time     // Throttle: when the last frame each way may pass
	deadOnce  sync.Once

	// Read side: only the broker's reading goroutine touches these.
	rin   []byte        // bytes read from the socket, not yet framed
	rout  []byte        // recorded frames to hand to the broker
	rpos  int           // start of rout's bytes not yet handed out
	rmay  bool          // rout holds a packet whose handling may route a message (mayRoute)
	marks []releaseMark // delayed frames in rout, in order
	rraw  bool          // framing was lost: record and pass bytes through as they come
	rseen bool          // a whole frame came from the client
	rcut  bool          // a fault cut the connection: pass nothing more
	rerr  error

	// What Settle and a takeover look at (Activity, Idle), written by the reading goroutine.
	idle     atomic.Bool   // the broker is in Read: it has handled every packet it was given, or reads no more
	waiting  atomic.Bool   // the broker has handled every frame it was given and waits for the socket
	reads    atomic.Uint64 // socket reads that returned
	deferred atomic.Int32  // writes the reading goroutine left to a goroutine of their own (release, releaseWindow)

	// Write side, guarded by wmu.
	wmu      sync.Mutex
	wturn    bool        // a writer has the turn to write (turn.go); it may be waiting out a delay without wmu
	wcond    sync.Cond   // on wmu: the turn was given back
	wwaiters int         // writers waiting for the turn
	held     []byte      // bytes to the client held back behind an acknowledgement (holdack.go)
	hold     atomic.Bool // held is in use: writes wait for the broker to read again
	wpend    []byte      // the start of a frame whose end has not been written yet
	wout     []byte      // frames to write, when faults change what is written
	werr     error       // what the Write under way returns: a failed write, or errTakenOver
	wraw     bool
	wfail    error       // a write to the socket failed: the connection is lost, and nothing more is written or recorded
	wover    atomic.Bool // a takeover ends the connection: its QoS 1 and 2 PUBLISH packets are not written (TakeOver)
}

// releaseMark holds back rout's bytes from start on until at.
type releaseMark struct {
	start int
	at    time.Time
}

// Config is what New needs besides the connection.
type Config struct {
	Recorder  *record.Writer // where the records go
	Faults    Judge          // the fault rules
	Conn      uint64         // the connection's number in the records
	Listener  string         // the listener's name in the records; "proxy" for a proxy's, which holds no acknowledgement back (holdack.go)
	MaxPacket uint32         // the broker's maximum packet size, to mark larger packets from the client; 0 for none
	TLS       bool           // the connection is TLS on the broker's side
	Seams     *Seams         // tests only; nil outside them
}

// New wraps c (with raw the TCP connection under it: c itself, or the TLS
// or WebSocket connection over it) and records its opening. The caller
// hands it to the broker, and calls Finish when the broker is done with it.
func New(c, raw net.Conn, cfg Config) *Conn {
	t := &Conn{Conn: c, raw: raw, rec: cfg.Recorder, faults: cfg.Faults, conn: cfg.Conn, listener: cfg.Listener,
		maxPacket: cfg.MaxPacket, tls: cfg.TLS, seams: cfg.Seams, done: make(chan struct{}), dead: make(chan struct{})}
	t.rec.Add(record.Record{Event: record.EventOpen, Conn: t.conn, Listener: t.listener, Remote: raw.RemoteAddr().String()})
	return t
}

// ID returns the connection's number in the records.
func (t *Conn) ID() uint64 { return t.conn }

// Done returns a channel closed when the broker is done with the
// connection (Finish).
func (t *Conn) Done() <-chan struct{} { return t.done }

// Dead returns a channel closed when the connection's socket is closed, or
// about to be: what waits on the client should stop waiting.
func (t *Conn) Dead() <-chan struct{} { return t.dead }

// MayRoute reports whether the broker is handling a packet of this
// connection whose handling may route a message (PUBLISH, SUBSCRIBE,
// CONNECT): a publisher must not wait for this client then.
func (t *Conn) MayRoute() bool { return t.mayRoute.Load() }

// maxIdleBuffer is the largest read buffer a tap keeps between frames.
const maxIdleBuffer = 64 << 10

// SetDeadline sets the read deadline, and the write deadline within the limit
// of LimitWrites. mochi calls it after every packet, clearing the deadline
// when the keepalive is 0.
func (t *Conn) SetDeadline(d time.Time) error {
	if err := t.Conn.SetReadDeadline(d); err != nil {
		return err
	}
	return t.SetWriteDeadline(d)
}

// SetWriteDeadline sets the write deadline, no later than the limit of LimitWrites.
func (t *Conn) SetWriteDeadline(d time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.wlimit.IsZero() && (d.IsZero() || d.After(t.wlimit)) {
		d = t.wlimit
	}
	return t.Conn.SetWriteDeadline(d)
}

// LimitWrites makes every write to the client fail after d, whatever
// deadline the broker sets later: the connection is about to end, and a
// client that has stopped reading must not hold up the broker.
func (t *Conn) LimitWrites(d time.Time) {
	t.mu.Lock()
	t.wlimit = d
	t.mu.Unlock()
	_ = t.SetWriteDeadline(d)
}

// Name is the connection as messages show it: its client ID, or its number
// before CONNECT.
func (t *Conn) Name() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clientID == "" {
		return fmt.Sprintf("conn#%d", t.conn)
	}
	return t.clientID
}

// SetClientID names the connection once the broker has accepted it (the
// broker assigns an ID to a v3 client that sent none).
func (t *Conn) SetClientID(id string) {
	t.mu.Lock()
	t.clientID = id
	t.mu.Unlock()
}

// OnFinish makes fn run when the broker is done with the connection, after
// what was asked for before it.
func (t *Conn) OnFinish(fn func()) {
	t.mu.Lock()
	t.atFinish = append(t.atFinish, fn)
	t.mu.Unlock()
}

// sleepUntil waits until at, or until the connection is closed (false).
func (t *Conn) sleepUntil(at time.Time) bool {
	d := time.Until(at)
	if d <= 0 {
		return true
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.dead:
		return false
	}
}
