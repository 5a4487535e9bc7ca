package mqtttest

import (
	"context"
	"log/slog"

	"github.com/mochi-mqtt/server/v2/packets"
)

// mochiLog is the slog.Handler mochi logs through. mochi tells nobody but
// its log when it cannot deliver a message to one client: a full write
// queue, the in-flight limit, a client that went offline, an ACL refusal, a
// failed write all end in a Debug record "failed publishing packet" (or
// "failed to publish retained message") with the error, the client ID and
// the packet, and nothing else. mochiLog reads those records, whatever the
// broker's log level, and the hook records each message lost as a drop. Every
// record then goes on to the broker's own handler if it wants that level.
type mochiLog struct {
	next slog.Handler // the broker's logger, silenced by Close (closingHandler)
	hook *hook
}

// mochi's messages for a message it could not deliver; mqtttest's tests
// check each path, so a mochi that words them differently fails a test.
const (
	logUndelivered         = "failed publishing packet"           // publishToSubscribers, and Client.WriteLoop
	logUndeliveredRetained = "failed to publish retained message" // publishRetainedToClient
)

// Enabled returns true at every level: the records of undelivered messages
// are Debug records.
func (l mochiLog) Enabled(context.Context, slog.Level) bool { return true }

// Handle records a message mochi could not deliver, then passes r on.
func (l mochiLog) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == logUndelivered || r.Message == logUndeliveredRetained {
		var (
			err      error
			clientID string
			pk       *packets.Packet
			written  bool // the packet was on its way to the socket: Client.WriteLoop logs a pointer
		)
		r.Attrs(func(a slog.Attr) bool {
			switch v := a.Value.Any().(type) {
			case error:
				err = v
			case string:
				if a.Key == "client" {
					clientID = v
				}
			case packets.Packet:
				pk = &v
			case *packets.Packet:
				pk, written = v, true
			}
			return true
		})
		if err != nil && pk != nil {
			l.hook.undelivered(clientID, pk, err, written)
		}
	}
	if !l.next.Enabled(ctx, r.Level) {
		return nil
	}
	return l.next.Handle(ctx, r)
}

// WithAttrs returns a mochiLog over the broker's handler with attrs.
func (l mochiLog) WithAttrs(attrs []slog.Attr) slog.Handler {
	l.next = l.next.WithAttrs(attrs)
	return l
}

// WithGroup returns a mochiLog over the broker's handler with a group.
func (l mochiLog) WithGroup(name string) slog.Handler {
	l.next = l.next.WithGroup(name)
	return l
}
