package tap

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/mqtt-testkit/testkit/record"
)

// How a tapped connection ends: who closed it first and why, settled once,
// and the close record written when the broker is done with it.

// closeState is how the connection ends. Only this file's methods change
// it, holding the connection's mu.
type closeState struct {
	by      record.ClosedBy // who closed first; "" while open
	reason  string          // why, in the close record
	cause   error           // why the broker stopped the client (Stopped)
	emitted bool            // the close record is written
}

// Close is the broker closing the connection. The close record is written
// when the broker's handling of the connection ends (Finish), as only then
// is the reason known.
func (t *Conn) Close() error {
	t.mu.Lock()
	if t.end.by == "" {
		t.end.by = record.ClosedByBroker
	}
	t.mu.Unlock()
	t.MarkDead() // wakes fault delays, so the held bytes need not wait for them
	if t.hold.Load() {
		t.releaseForClose()
	}
	return t.Conn.Close()
}

// Cut closes the connection at once, without a DISCONNECT (a fault, an
// abrupt Broker.Disconnect, a Close, a refusal): by and reason go in the
// close record, unless it was closed before. What the broker writes to it
// from now on is recorded as not passed on (writeAfterCut).
func (t *Conn) Cut(by record.ClosedBy, reason string) {
	t.severed.Store(true)
	t.settle(by, reason, true)
	t.MarkDead()
	t.raw.Close()
}

// readEnded notes that reading from the client failed with err.
func (t *Conn) readEnded(err error) {
	by, reason := record.ClosedByClient, ReadErrorText(err)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		by = record.ClosedByBroker
		t.mu.Lock()
		reason = "keepalive expired: no packet within 1.5 × keepalive"
		if t.version == 0 {
			reason = "no CONNECT before the connect timeout"
		}
		t.mu.Unlock()
	}
	if by == record.ClosedByClient && t.tls && !t.rseen && !errors.Is(err, io.EOF) {
		by, reason = record.ClosedByBroker, "TLS handshake failed: "+err.Error()
	}
	t.settle(by, reason, true)
}

// Finish writes the close record, if nobody has yet, once the broker is done
// with the connection; err is what the broker's handling returned.
func (t *Conn) Finish(err error) {
	t.mu.Lock()
	reason := "closed by the broker"
	switch {
	case t.lastIn == record.TypeDisconnect:
		reason = "client sent DISCONNECT"
		if t.end.by == record.ClosedByBroker && !t.end.emitted { // the broker closed because the client asked
			t.end.by, t.end.reason = record.ClosedByClient, reason
		}
	case t.end.cause != nil && !errors.Is(t.end.cause, net.ErrClosed):
		reason = t.end.cause.Error()
	case err != nil && !errors.Is(err, net.ErrClosed):
		reason = err.Error()
	}
	t.mu.Unlock()
	t.settle(record.ClosedByBroker, reason, false)
	t.MarkDead()
	t.raw.Close()
	t.mu.Lock()
	fns := t.atFinish
	t.atFinish = nil
	t.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
	close(t.done)
}

// Stopped notes why the broker stopped the client, for the close record.
func (t *Conn) Stopped(cause error) {
	t.mu.Lock()
	t.end.cause = cause
	t.mu.Unlock()
}

// settle records who closed the connection and why, once. When first is
// true, only the first closer counts; otherwise whoever closed first keeps
// the credit and reason fills in a missing reason.
func (t *Conn) settle(by record.ClosedBy, reason string, first bool) {
	t.mu.Lock()
	if t.end.emitted || first && t.end.by != "" {
		t.mu.Unlock()
		return
	}
	if t.end.by == "" {
		t.end.by = by
	}
	if t.end.reason == "" {
		t.end.reason = reason
	}
	t.end.emitted = true
	r := record.Record{Event: record.EventClose, Conn: t.conn, Listener: t.listener, ClientID: t.clientID, Version: t.version, ClosedBy: t.end.by, Reason: t.end.reason}
	t.mu.Unlock()
	t.rec.Add(r)
}

// State describes the connection for a report on a broker that will not close.
func (t *Conn) State() string {
	who := t.Name()
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case t.version == 0:
		return who + ": waiting for CONNECT"
	case t.end.by != "":
		return fmt.Sprintf("%s: closed by %s, broker still handling it (last packet from client: %v)", who, t.end.by, t.lastIn)
	}
	return fmt.Sprintf("%s: connected, v%d (last packet from client: %v)", who, t.version, t.lastIn)
}

// ReadErrorText says how reading from a connection failed.
func ReadErrorText(err error) string {
	if errors.Is(err, io.EOF) {
		return "connection closed (EOF)"
	}
	return err.Error()
}

// ExpectClose says who is about to close the connection and why, for the
// close record written when the broker is done with it.
func (t *Conn) ExpectClose(by record.ClosedBy, reason string) {
	t.mu.Lock()
	if t.end.by == "" {
		t.end.by, t.end.reason = by, reason
	}
	t.mu.Unlock()
}

// MarkDead wakes every fault delay and wait of the connection: its socket
// is closed, or about to be.
func (t *Conn) MarkDead() {
	t.deadOnce.Do(func() { close(t.dead) })
}
