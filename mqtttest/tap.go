package mqtttest

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"
)

// tapConn is the wire tap: it wraps one accepted connection, frames the MQTT
// bytes that cross it in both directions, records each frame, and passes
// the bytes on unchanged. Client-to-broker bytes reach the broker a whole
// frame at a time. It never panics on bad input: bytes that do not frame are
// recorded as malformed and passed through as they come.
type tapConn struct {
	net.Conn           // what the broker reads from and writes to (TLS or WebSocket framing removed)
	raw       net.Conn // the TCP connection underneath, closed to cut the connection at once
	rec       *Recorder
	conn      uint64
	listener  string
	maxPacket uint32 // WithMaxPacketSize, to mark larger packets from the client; 0 for none

	mu        sync.Mutex // guards the fields below
	clientID  string
	version   byte       // protocol version from CONNECT; 0 before it
	lastIn    PacketType // type of the last frame from the client
	closedBy  ClosedBy   // who closed first, "" while open
	reason    string
	emitted   bool      // the close record is written
	cause     error     // why the broker stopped the client, from its OnDisconnect hook
	wlimit    time.Time // once set, no write deadline may be later (see limitWrites)
	ending    string    // why the client's session ends with the connection; "" while it does not
	atConnack func()    // run once, when the CONNACK is written or the broker is done with the connection
	atEncode  func()    // run once, when mochi encodes the CONNACK or the broker is done with the connection
	atFinish  []func()  // run when the broker is done with the connection

	route       routeState  // routing this connection's goroutine does (route.go)
	willRouting atomic.Bool // the client's will is being routed

	done chan struct{} // closed when the broker is done with the connection

	flow      flowGate      // backpressure (flow.go)
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
	rmay  bool          // rout holds a packet whose handling may route a message (flowGate.mayRoute)
	marks []releaseMark // delayed frames in rout, in order
	rraw  bool          // framing was lost: record and pass bytes through as they come
	rseen bool          // a whole frame came from the client
	rcut  bool          // a fault cut the connection: pass nothing more
	rerr  error

	// What Settle looks at (settle.go), written by the reading goroutine.
	waiting  atomic.Bool   // the broker has handled every frame it was given and waits for the socket
	reads    atomic.Uint64 // socket reads that returned
	deferred atomic.Int32  // writes the reading goroutine left to a goroutine of their own (release, releaseWindow)

	// Write side, guarded by wmu.
	wmu   sync.Mutex
	held  []byte      // bytes to the client held back behind an acknowledgement (holdack.go)
	hold  atomic.Bool // held is in use: writes wait for the broker to read again
	wpend []byte      // the start of a frame whose end has not been written yet
	wout  []byte      // frames to write, when faults change what is written
	werr  error       // what the Write under way returns: a failed write, or errTakenOver
	wraw  bool
	wfail error       // a write to the socket failed: the connection is lost, and nothing more is written or recorded
	wover atomic.Bool // a takeover ends the connection: its QoS 1 and 2 PUBLISH packets are not written (takeover.go)
}

// releaseMark holds back rout's bytes from start on until at.
type releaseMark struct {
	start int
	at    time.Time
}

// newTap wraps c (with raw the TCP connection under it) and records its opening.
func newTap(c, raw net.Conn, rec *Recorder, faults *faultSet, conn uint64, listener string) *tapConn {
	t := &tapConn{Conn: c, raw: raw, rec: rec, faults: faults, conn: conn, listener: listener,
		done: make(chan struct{}), dead: make(chan struct{})}
	rec.add(Record{Event: EventOpen, Conn: conn, Listener: listener, Remote: raw.RemoteAddr().String()})
	return t
}

// Read hands the broker bytes from the client, whole recorded frames at a
// time, holding back frames a Delay fault has not released yet.
func (t *tapConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if t.hold.Load() {
		t.release()
	}
	if t.rpos == len(t.rout) { // the broker has handled every packet it was given
		t.flow.mayRoute.Store(false)
	}
	for t.rpos == len(t.rout) {
		if t.rerr != nil {
			return 0, t.rerr
		}
		t.fill()
	}
	for len(t.marks) > 0 && t.marks[0].start <= t.rpos {
		if !t.sleepUntil(t.marks[0].at) {
			return 0, net.ErrClosed
		}
		t.marks = t.marks[1:]
	}
	limit := len(t.rout)
	if len(t.marks) > 0 {
		limit = t.marks[0].start
	}
	n := copy(p, t.rout[t.rpos:limit])
	t.rpos += n
	if t.rmay {
		t.flow.mayRoute.Store(true)
	}
	if t.rpos == len(t.rout) {
		t.rout, t.rpos, t.marks, t.rmay = t.rout[:0], 0, t.marks[:0], false
		if cap(t.rout) > maxIdleBuffer {
			t.rout = nil // a large frame passed; do not keep its buffer
		}
	}
	return n, nil
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

// fill reads once from the socket and records every frame now complete,
// adding to rout what the faults let through.
func (t *tapConn) fill() {
	if len(t.rin) == cap(t.rin) {
		nb := make([]byte, len(t.rin), max(2048, 2*cap(t.rin)))
		copy(nb, t.rin)
		t.rin = nb
	}
	t.waiting.Store(true)
	n, err := t.Conn.Read(t.rin[len(t.rin):cap(t.rin)])
	t.reads.Add(1)
	t.waiting.Store(false)
	t.rin = t.rin[:len(t.rin)+n]
	used, raw := t.recordFrames(ToBroker, t.rin, t.rraw, true)
	t.rraw = raw
	rest := t.rin[used:]
	if t.rcut {
		t.rin, t.rerr = nil, net.ErrClosed
		return
	}
	if err != nil {
		t.rerr = err
		if len(rest) > 0 { // the client stopped mid-frame: still record and forward it
			t.recordMalformed(ToBroker, rest, fmt.Sprintf("connection ended %d bytes into an unfinished frame", len(rest)))
			t.rout = append(t.rout, rest...)
		}
		t.rin = nil
		t.readEnded(err)
		return
	}
	t.rin = t.rin[:copy(t.rin, rest)]
	if len(t.rin) == 0 && cap(t.rin) > maxIdleBuffer {
		t.rin = nil
	}
}

// Write records the frames the broker sends and writes to the client what
// the faults let through. It reports len(p) for frames a fault drops.
func (t *tapConn) Write(p []byte) (int, error) {
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if t.wfail != nil {
		// mochi keeps what a failed write did not take in its own buffer and
		// writes it again with the next packet: it never reaches the client,
		// and recording it again would show deliveries that did not happen.
		return 0, t.wfail
	}
	if t.severed.Load() {
		return t.writeAfterCut(p)
	}
	b := p
	if len(t.wpend) > 0 {
		t.wpend = append(t.wpend, p...)
		b = t.wpend
	}
	if !t.faults.active() && t.gate.load() == passing && !t.window.on.Load() && !t.resume.on.Load() && !t.wover.Load() { // the common case: p passes as it is
		used, raw := t.recordFrames(ToClient, b, t.wraw, false)
		t.wraw = raw
		t.wpend = append(t.wpend[:0], b[used:]...)
		return t.write(p)
	}
	t.werr = nil
	used, raw := t.recordFrames(ToClient, b, t.wraw, true)
	t.wraw = raw
	t.wpend = append(t.wpend[:0], b[used:]...)
	t.flushOut()
	if t.werr != nil {
		return 0, t.werr
	}
	return len(p), nil
}

// write writes b to the client's socket, after any held bytes, or adds it
// to the held bytes while an acknowledgement is held (holdack.go): every
// byte to the client passes here. The caller holds wmu.
func (t *tapConn) write(b []byte) (int, error) {
	if t.severed.Load() { // cut while this write was recorded: it was recorded as withheld
		return 0, net.ErrClosed
	}
	if t.hold.Load() {
		t.held = append(t.held, b...)
		return len(b), nil
	}
	if len(t.held) > 0 {
		t.flushHeld()
	}
	n, err := t.Conn.Write(b)
	if err != nil {
		t.wfail = err
	}
	return n, err
}

// recordFrames records the whole frames at the start of b and returns how
// many bytes they take. Once b stops framing (raw), every byte is recorded
// as malformed as it comes. With forward, it also hands each frame on as
// the faults decide (pass); without, the caller passes the bytes on itself.
func (t *tapConn) recordFrames(dir Direction, b []byte, raw, forward bool) (used int, stillRaw bool) {
	garbage := func(why string) (int, bool) {
		t.recordMalformed(dir, b[used:], why)
		if forward {
			t.pass(dir, b[used:], verdict{})
		}
		return len(b), true
	}
	for used < len(b) {
		if dir == ToBroker && t.rcut { // nothing after the cut point got through
			return len(b), raw
		}
		if raw {
			return garbage("bytes after a frame that could not be delimited")
		}
		if err := t.headerError(dir, b[used]); err != nil {
			// The broker rejects this frame on its first byte; hand it over at once
			// rather than wait for a frame end that may never come.
			return garbage(err.Error())
		}
		total, header, err := frameLength(b[used:])
		if err != nil {
			return garbage(err.Error())
		}
		if total == 0 {
			return used, false
		}
		frame := b[used : used+total]
		if dir == ToClient && t.wover.Load() && isQoSPublish(frame) {
			t.werr = errTakenOver
			used += total
			continue
		}
		if dir == ToClient && forward && (t.resume.take(frame) || t.window.hold(frame)) { // recorded when it is sent
			used += total
			continue
		}
		v := t.recordFrame(dir, frame, header, forward)
		if forward {
			t.pass(dir, frame, v)
		}
		used += total
	}
	return used, raw
}

// headerError says why the broker would reject a frame starting with b0:
// flags that are not allowed for its type, or a first frame that is not CONNECT.
func (t *tapConn) headerError(dir Direction, b0 byte) error {
	var fh packets.FixedHeader
	if err := fh.Decode(b0); err != nil {
		return fmt.Errorf("%v with bad flags 0x%x: %w", PacketType(b0>>4), b0&0x0f, err)
	}
	if dir == ToBroker && !t.rseen && b0>>4 != byte(TypeConnect) {
		return fmt.Errorf("first packet is %v, not CONNECT", PacketType(b0>>4))
	}
	return nil
}

// recordFrame decodes and records one whole frame and, with judge, returns
// what the faults do to it; the record says so. Without judge (a frame
// Write passes on as it is) no fault acts on it: a rule installed while it
// was being recorded acts on the next one.
func (t *tapConn) recordFrame(dir Direction, frame []byte, header int, judge bool) verdict {
	r := Record{Event: EventPacket, Dir: dir, Conn: t.conn, Listener: t.listener, Raw: append([]byte(nil), frame...)}
	t.mu.Lock()
	version, clientID := t.version, t.clientID
	t.mu.Unlock()
	decodeFrame(&r, r.Raw, header, version)
	if r.Type == TypeConnect && version != 0 || r.Type != TypeConnect {
		r.ClientID = clientID // only the first CONNECT names the connection
	}
	if dir == ToBroker && t.maxPacket > 0 && !r.Malformed && uint32(len(frame)-header+1) > t.maxPacket { // mochi's count
		r.Malformed, r.Err = true, fmt.Sprintf("packet too large: %d bytes of remaining length, over the broker's maximum packet size %d [MQTT-3.2.2-15]", len(frame)-header, t.maxPacket)
	}
	severed := dir == ToClient && t.severed.Load()
	t.mu.Lock()
	switch {
	case dir == ToBroker && r.Type == TypeConnect && t.version == 0 && r.Version >= 3 && r.Version <= 5:
		// decoded, if perhaps against a rule the broker lets pass (a user name not UTF-8)
		t.version, t.clientID = r.Version, r.ClientID
	case dir == ToBroker && r.Type == TypeConnect && t.version != 0 && !r.Malformed:
		r.Malformed, r.Err = true, "protocol violation: a second CONNECT on one connection [MQTT-3.1.0-2]"
	case dir == ToClient && holdsBack(r.Type) && t.listener != "proxy" && !severed:
		t.hold.Store(true) // the caller holds wmu
		t.seams.at(func(s *seams) func() { return s.ackHeld })
	case dir == ToClient && r.Type == TypeConnack && r.Properties.AssignedClientID != "":
		t.clientID = r.Properties.AssignedClientID
		r.ClientID = t.clientID
	}
	if dir == ToBroker {
		t.lastIn = r.Type
		t.rseen = true
	}
	t.mu.Unlock()
	var v verdict
	if severed {
		r.Fault, r.Withheld = faultAfterCut, true
		v = verdict{act: drop{why: faultAfterCut}} // faults do not act on, or count, what never leaves
	} else if judge && (t.gate.load() != passing || t.faults.active()) {
		// Matchers take a *Record; handing them &r would put every record on
		// the heap, faults or not. Each direction has its own scratch record:
		// one goroutine at a time records each direction.
		j := &t.scratch[dir-ToBroker]
		*j = r
		v = t.judge(j)
		r = *j
	}
	t.rec.add(r)
	return v
}

func (t *tapConn) recordMalformed(dir Direction, b []byte, why string) {
	t.mu.Lock()
	clientID, version := t.clientID, t.version
	t.mu.Unlock()
	raw := append([]byte(nil), b...)
	r := Record{
		Event: EventPacket, Dir: dir, Conn: t.conn, Listener: t.listener, ClientID: clientID, Version: version,
		Type: PacketType(raw[0] >> 4), Raw: raw, Malformed: true, Err: why,
	}
	if r.Type == TypePublish { // show what the header byte says, even for QoS 3
		r.QoS, r.Dup, r.Retain = (raw[0]>>1)&3, raw[0]&8 != 0, raw[0]&1 != 0
	}
	t.rec.add(r)
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
