package mqtttest

import (
	"fmt"
	"strings"
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
