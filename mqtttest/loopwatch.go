package mqtttest

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// mochiLoopHalted is what mochi's event loop logs, deferred, as it ends.
const mochiLoopHalted = "system event loop halted"

// loopWatch is the slog.Handler mochi logs through. It passes every record
// the configured handler wants on to it, and closes halted when mochi's
// event loop logs its last line: mochi offers no other way to wait for that
// goroutine, and Broker.Close must not return while it can still log (to a
// t.Log whose test has ended).
type loopWatch struct {
	next    slog.Handler
	halted  chan struct{}
	once    *sync.Once
	closing *atomic.Bool // set by Close; debug lines are wanted only from then
	closed  *atomic.Bool // set when Close returns; nothing is logged after
}

func newLoopWatch(next slog.Handler) loopWatch {
	return loopWatch{next: next, halted: make(chan struct{}), once: new(sync.Once), closing: new(atomic.Bool), closed: new(atomic.Bool)}
}

// Enabled is true where the configured handler is, and at debug level once
// the broker is closing, so that the line that ends the event loop arrives;
// until then mochi's debug lines are not even built.
func (h loopWatch) Enabled(ctx context.Context, l slog.Level) bool {
	return l == slog.LevelDebug && h.closing.Load() || h.next.Enabled(ctx, l)
}

// forward reports whether a record at level l goes to the configured handler.
// Nothing does once Close has returned: mochi's per-client writer goroutines,
// which it gives no way to wait for, may still log then, and a t.Log after
// the test has ended panics.
func (h loopWatch) forward(ctx context.Context, l slog.Level) bool {
	return !h.closed.Load() && h.next.Enabled(ctx, l)
}

// Handle passes r on when the configured handler wants it, then notes the end of the event loop.
func (h loopWatch) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.forward(ctx, r.Level) {
		err = h.next.Handle(ctx, r)
	}
	if r.Message == mochiLoopHalted {
		h.once.Do(func() { close(h.halted) })
	}
	return err
}

// WithAttrs returns a loopWatch over the configured handler with attrs.
func (h loopWatch) WithAttrs(attrs []slog.Attr) slog.Handler {
	h.next = h.next.WithAttrs(attrs)
	return h
}

// WithGroup returns a loopWatch over the configured handler with a group.
func (h loopWatch) WithGroup(name string) slog.Handler {
	h.next = h.next.WithGroup(name)
	return h
}
