package mqtttest

import (
	"fmt"
	"strings"

	"github.com/mqtt-testkit/testkit/record"
)

// UnknownClientError is returned for a client ID the broker does not know.
type UnknownClientError struct {
	ID    string
	Known []string // the client IDs the broker knows
}

// Error names the client and lists the ones the broker knows.
func (e *UnknownClientError) Error() string {
	return fmt.Sprintf("mqtttest: no client %q on the broker (known: [%s])", e.ID, strings.Join(e.Known, ", "))
}

// ErrClosed is the error, tested with errors.Is, of a Broker's or Proxy's
// method that needs it running, called after its Close, and of a wait on its
// Recorder (WaitFor, WaitForN, Next) that Close ended: no more records will
// come.
var ErrClosed = record.ErrClosed

// closedError says which of a broker or a proxy was closed, and what that
// means for the call; it is ErrClosed for errors.Is.
type closedError struct {
	what   string // "broker" or "proxy"
	detail string // what the close means for the call, or ""
}

// Error says what was closed and, when known, what that means.
func (e closedError) Error() string {
	s := "mqtttest: the " + e.what + " was closed"
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

// Is reports whether target is ErrClosed.
func (e closedError) Is(target error) bool { return target == record.ErrClosed }

// errClosed is what a Broker method that needs the broker running returns after Close.
var errClosed error = closedError{what: "broker"}

// ErrCannotSettle is returned by Settle for a recorder whose traffic goes to
// a broker the tap cannot see into (a Proxy's).
var ErrCannotSettle = record.ErrCannotSettle
