package mqtttest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mqtt-testkit/testkit/record"
)

// tapConn is the wire tap: it wraps one accepted connection, frames the MQTT
// bytes that cross it in both directions, records each frame, and passes
// the bytes on unchanged. Client-to-broker bytes reach the broker a whole
// frame at a time. It never panics on bad input: bytes that do not frame are
// recorded as malformed and passed through as they come.
type tapConn struct {
	net.Conn           // what the broker reads from and writes to (TLS or WebSocket framing removed)
	raw       net.Conn // the TCP connection underneath, closed to cut the connection at once
	rec       *record.Writer
	conn      uint64
	listener  string
	maxPacket uint32 // WithMaxPacketSize, to mark larger packets from the client; 0 for none

	mu       sync.Mutex // guards the fields below
	clientID string
	version  byte       // protocol version from CONNECT; 0 before it
	lastIn   PacketType // type of the last frame from the client
	closedBy ClosedBy   // who closed first, "" while open
	reason   string
	emitted  bool      // the close record is written
	cause    error     // why the broker stopped the client, from its OnDisconnect hook
	wlimit   time.Time // once set, no write deadline may be later (see limitWrites)
	atFinish []func()  // run when the broker is done with the connection (onFinish)

	done     chan struct{} // closed when the broker is done with the connection
	mayRoute atomic.Bool   // the broker is handling a packet of this connection that may route a message (flow.go)

	window    window        // the client's Receive Maximum (window.go)
	resume    resumeGate    // a resumed session's messages go first (resume.go)
	seams     *seams        // this package's tests only
	faults    *faultSet     // the broker's fault rules; nil for none
	gate      passGate      // partitioned or frozen: nothing passes either way (passstate.go)
	severed   atomic.Bool   // the tap cut the connection: nothing more is written to the client (tapcut.go)
	dead      chan struct{} // closed when the socket is closed, to end fault delays
	scratch   [2]Record     // where faults judge a record, one per direction
	throttled [2]time.Time  // Throttle: when the last frame each way may pass
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

	// What Settle and a takeover look at (settle.go, takeover.go), written by the reading goroutine.
	idle     atomic.Bool   // the broker is in Read: it has handled every packet it was given, or reads no more
	waiting  atomic.Bool   // the broker has handled every frame it was given and waits for the socket
	reads    atomic.Uint64 // socket reads that returned
	deferred atomic.Int32  // writes the reading goroutine left to a goroutine of their own (release, releaseWindow)

	// Write side, guarded by wmu.
	wmu      sync.Mutex
	wturn    bool        // a writer has the turn to write (tapturn.go); it may be waiting out a delay without wmu
	wcond    sync.Cond   // on wmu: the turn was given back
	wwaiters int         // writers waiting for the turn
	held     []byte      // bytes to the client held back behind an acknowledgement (holdack.go)
	hold     atomic.Bool // held is in use: writes wait for the broker to read again
	wpend    []byte      // the start of a frame whose end has not been written yet
	wout     []byte      // frames to write, when faults change what is written
	werr     error       // what the Write under way returns: a failed write, or errTakenOver
	wraw     bool
	wfail    error       // a write to the socket failed: the connection is lost, and nothing more is written or recorded
	wover    atomic.Bool // a takeover ends the connection: its QoS 1 and 2 PUBLISH packets are not written (takeover.go)
}

// releaseMark holds back rout's bytes from start on until at.
type releaseMark struct {
	start int
	at    time.Time
}

// newTap wraps c (with raw the TCP connection under it) and records its opening.
func newTap(c, raw net.Conn, rec *record.Writer, faults *faultSet, conn uint64, listener string) *tapConn {
	t := &tapConn{Conn: c, raw: raw, rec: rec, faults: faults, conn: conn, listener: listener,
		done: make(chan struct{}), dead: make(chan struct{})}
	rec.Add(Record{Event: EventOpen, Conn: conn, Listener: listener, Remote: raw.RemoteAddr().String()})
	return t
}

// maxIdleBuffer is the largest read buffer a tap keeps between frames.
const maxIdleBuffer = 64 << 10

// SetDeadline sets the read deadline, and the write deadline within the limit
// of limitWrites. mochi calls it after every packet, clearing the deadline
// when the keepalive is 0.
func (t *tapConn) SetDeadline(d time.Time) error {
	if err := t.Conn.SetReadDeadline(d); err != nil {
		return err
	}
	return t.SetWriteDeadline(d)
}

// SetWriteDeadline sets the write deadline, no later than the limit of limitWrites.
func (t *tapConn) SetWriteDeadline(d time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.wlimit.IsZero() && (d.IsZero() || d.After(t.wlimit)) {
		d = t.wlimit
	}
	return t.Conn.SetWriteDeadline(d)
}

// limitWrites makes every write to the client fail after d, whatever
// deadline the broker sets later: the connection is about to end, and a
// client that has stopped reading must not hold up the broker.
func (t *tapConn) limitWrites(d time.Time) {
	t.mu.Lock()
	t.wlimit = d
	t.mu.Unlock()
	_ = t.SetWriteDeadline(d)
}

// name is the connection as messages show it: its client ID, or its number
// before CONNECT.
func (t *tapConn) name() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.clientID == "" {
		return fmt.Sprintf("conn#%d", t.conn)
	}
	return t.clientID
}

// setClientID names the connection once the broker has accepted it (the
// broker assigns an ID to a v3 client that sent none).
func (t *tapConn) setClientID(id string) {
	t.mu.Lock()
	t.clientID = id
	t.mu.Unlock()
}

// onFinish makes fn run when the broker is done with the connection, after
// what was asked for before it.
func (t *tapConn) onFinish(fn func()) {
	t.mu.Lock()
	t.atFinish = append(t.atFinish, fn)
	t.mu.Unlock()
}
