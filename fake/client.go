package fake

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/mqtt-testkit/testkit/record"
)

// Client is a raw MQTT client driven by a test, one packet at a time. Make
// one with Dial or New, which register its Close with t.Cleanup. Its methods
// are meant for the test goroutine, as they may call t.Fatalf; the client's
// own goroutine only reads and acknowledges.
type Client struct {
	t       TB
	conn    net.Conn
	timeout time.Duration
	version byte

	wmu sync.Mutex // serialises writes: the reader's acks and the test's packets

	mu         sync.Mutex
	name       string // for messages and records: the client ID once known
	lastID     uint16
	acks       AckPolicy
	acked      int // acknowledgements sent under AckFirst
	closeWhen  [][]record.Matcher
	log        []record.Record // sent and received, in order, for messages
	received   []record.Record
	pending    []record.Record // received and not yet taken by Expect
	changed    chan struct{}   // closed and replaced when pending grows or the connection ends
	ended      bool            // the reader has stopped: nothing more will arrive
	accepted   bool            // a CONNACK with code 0 has arrived
	pingsOwed  int             // PINGRESPs owed to ExpectNothing's barrier: kept from Expect, Received and CloseWhen
	pingsTaken int             // PINGRESPs the barrier has taken so far
	reason     string          // why the connection ended, once it has, or who is ending it
	bgErrs     []string        // errors of the reader goroutine, for the test goroutine to report
	timers     map[*ackTimer]struct{}
	timerWG    sync.WaitGroup

	done      chan struct{} // closed when the reader has returned
	closeOnce sync.Once
}

// Dial connects to the MQTT broker at addr ("host:port") over TCP and
// returns a Client that has sent nothing yet. Close is registered with
// t.Cleanup, so the test need not call it. A failed dial fails the test.
func Dial(t TB, addr string, opts ...Option) *Client {
	t.Helper()
	cfg := buildConfig(opts)
	if len(cfg.errs) > 0 {
		t.Fatalf("fake.Dial(%s): invalid options: %s", addr, strings.Join(cfg.errs, "; "))
		return nil
	}
	conn, err := net.DialTimeout("tcp", addr, cfg.timeout)
	if err != nil {
		t.Fatalf("fake.Dial: cannot connect to the broker at %s: %v", addr, err)
		return nil
	}
	return start(t, conn, cfg)
}

// New returns a Client that speaks MQTT over conn, an established
// connection (a TLS connection, one end of net.Pipe, ...). The Client owns
// conn from then on: Close, registered with t.Cleanup, closes it.
func New(t TB, conn net.Conn, opts ...Option) *Client {
	t.Helper()
	cfg := buildConfig(opts)
	if len(cfg.errs) > 0 {
		if conn != nil {
			conn.Close()
		}
		t.Fatalf("fake.New: invalid options: %s", strings.Join(cfg.errs, "; "))
		return nil
	}
	if conn == nil {
		t.Fatalf("fake.New: nil connection")
		return nil
	}
	return start(t, conn, cfg)
}

func start(t TB, conn net.Conn, cfg config) *Client {
	c := &Client{
		t: t, conn: conn, timeout: cfg.timeout, version: cfg.version,
		acks: cfg.acks, changed: make(chan struct{}),
		timers: map[*ackTimer]struct{}{}, done: make(chan struct{}),
	}
	t.Cleanup(c.Close)
	go c.readLoop()
	return c
}

// Close closes the connection abruptly, without DISCONNECT, so the broker
// publishes the client's will, and returns when the client's goroutines have
// ended; acknowledgements AckAfter has not sent yet are dropped. Close is
// idempotent, and registered with t.Cleanup by Dial and New. Packets already
// received stay available to Expect and Received.
func (c *Client) Close() {
	c.t.Helper()
	c.closeOnce.Do(func() {
		c.mu.Lock()
		if c.reason == "" {
			c.reason = "closed by the test (Close)"
		}
		c.mu.Unlock()
		c.conn.Close()
		<-c.done
		c.stopTimers()
	})
	c.reportBackground()
}

// Disconnect sends DISCONNECT (v5: reason code 0, normal disconnection) and
// closes the connection, so the broker discards the will. It is the clean
// way to leave; Close is the abrupt one.
func (c *Client) Disconnect() {
	c.t.Helper()
	c.reportBackground()
	c.sendPacket("DISCONNECT", func() ([]byte, error) {
		return encode(packets.Packet{FixedHeader: packets.FixedHeader{Type: packets.Disconnect}}, c.version)
	})
	c.mu.Lock()
	if c.reason == "" {
		c.reason = "closed by the client after DISCONNECT"
	}
	c.mu.Unlock()
	c.Close()
}

// SendRaw writes b to the connection as it is: garbage, a frame split in
// two, two packets at once. The bytes are listed in failure messages as the
// client's own packets when they decode, as malformed when they do not.
func (c *Client) SendRaw(b []byte) {
	c.t.Helper()
	c.reportBackground()
	c.send("raw bytes", b)
}

// Received returns every packet the client has received so far, oldest
// first, including those Expect has taken.
func (c *Client) Received() []record.Record {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]record.Record(nil), c.received...)
}

// readLoop reads and decodes what the broker sends until the connection
// ends, acknowledging as the ack policy says. It never touches c.t.
func (c *Client) readLoop() {
	defer close(c.done)
	var buf []byte
	chunk := make([]byte, 32*1024)
	for {
		n, err := c.conn.Read(chunk)
		buf = append(buf, chunk[:n]...)
		for len(buf) > 0 {
			r, k, derr := record.DecodePacket(buf, c.version, record.ToClient)
			if derr != nil {
				r = record.Record{Event: record.EventPacket, Dir: record.ToClient, Version: c.version,
					Raw: append([]byte(nil), buf...), Malformed: true, Err: derr.Error()}
				if len(buf) > 0 {
					r.Type = record.PacketType(buf[0] >> 4)
				}
				c.receive(r)
				c.end(fmt.Sprintf("closed by the client: the broker sent bytes that do not frame as MQTT (%v)", derr), nil)
				return
			}
			if k == 0 {
				break
			}
			buf = buf[k:]
			if !c.receive(r) {
				return
			}
		}
		if len(buf) == 0 {
			buf = nil // let a large frame's buffer go
		}
		if err != nil {
			c.end("", err)
			return
		}
	}
}

// receive handles one packet: it answers it as the ack policy says, or
// closes the connection when a CloseWhen trigger matches, and only then makes
// it available to Expect, so a test that has the packet knows the answer is
// on the wire. It returns false when the client closed the connection.
func (c *Client) receive(r record.Record) bool {
	c.mu.Lock()
	r.Time = time.Now()
	if r.Type == record.TypeConnack && c.name == "" && r.Properties.AssignedClientID != "" {
		c.name = r.Properties.AssignedClientID
	}
	r.ClientID = c.name
	if r.Type == record.TypeConnack && r.ReasonCode == 0 {
		c.accepted = true
	}
	c.log = append(c.log, r)
	if r.Type == record.TypePingresp && c.pingsOwed > 0 { // ExpectNothing's barrier: in the log only
		c.pingsOwed--
		c.pingsTaken++
		c.notify()
		c.mu.Unlock()
		return true
	}
	ack, closing := c.react(r)
	if closing != "" && c.reason == "" {
		c.reason = closing
	}
	c.mu.Unlock()

	if closing != "" {
		c.conn.Close()
	} else if ack != nil {
		c.write(ack) // an error means the connection is gone; the next read says how
	}

	c.mu.Lock()
	c.received = append(c.received, r)
	c.pending = append(c.pending, r)
	c.notify()
	c.mu.Unlock()
	if closing != "" {
		c.end("", nil)
		return false
	}
	return true
}

// end records that the connection has ended and why, and closes it.
func (c *Client) end(reason string, err error) {
	c.mu.Lock()
	switch {
	case c.reason != "": // the client or test ended it and said why
	case reason != "":
		c.reason = reason
	case errors.Is(err, io.EOF):
		c.reason = "closed by the broker"
	default:
		c.reason = fmt.Sprintf("closed by the broker or the network: %v", err)
	}
	c.ended = true
	c.notify()
	c.mu.Unlock()
	c.conn.Close()
}

// notify wakes whoever waits on c.changed. c.mu is held.
func (c *Client) notify() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// write writes b under the write lock, with the Timeout as deadline. It
// logs b first, so that the log has it before anything the broker sends in
// answer; a write that fails stays in the log, and the caller says it failed.
func (c *Client) write(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.logSent(b)
	c.conn.SetWriteDeadline(time.Now().Add(c.timeout))
	_, err := c.conn.Write(b)
	return err
}

// logSent adds what the client wrote to the log, one record per frame.
func (c *Client) logSent(b []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(b) > 0 {
		r, k, err := record.DecodePacket(b, c.version, record.ToBroker)
		if err != nil || k == 0 { // garbage, or a frame that is not whole
			r = record.Record{Event: record.EventPacket, Dir: record.ToBroker, Version: c.version,
				Type: record.PacketType(b[0] >> 4), Raw: append([]byte(nil), b...), Malformed: true, Err: "not a whole frame"}
			if err != nil {
				r.Err = err.Error()
			}
			k = len(b)
		}
		if r.Type == record.TypeConnect && r.ClientID != "" {
			c.name = r.ClientID
		}
		r.Time = time.Now()
		r.ClientID = c.name
		c.log = append(c.log, r)
		b = b[k:]
	}
}

// reportBackground reports, on the test goroutine, errors the reader met.
func (c *Client) reportBackground() {
	c.mu.Lock()
	errs := c.bgErrs
	c.bgErrs = nil
	c.mu.Unlock()
	for _, e := range errs {
		c.t.Errorf("fake client %s: %s", c.who(), e)
	}
}

// who names the client in messages.
func (c *Client) who() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.name == "" {
		return "(no client ID yet)"
	}
	return fmt.Sprintf("%q", c.name)
}

// isEnded reports whether the connection has ended.
func (c *Client) isEnded() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}
