package mqtttest

import "testing"

// TestMochiFields: the unexported fields of mochi's client state that
// Settle and the drop records read (its write queue, and how many packets
// it has not finished writing) are where this package looks for them. If
// mochi renames one, this fails rather than Settle returning too early or
// queued messages going unrecorded.
func TestMochiFields(t *testing.T) {
	if outbound == nil {
		t.Error("mochi's ClientState has no outbound channel: queuedWrites cannot record what a closed connection leaves")
	}
	if outboundQty == nil {
		t.Error("mochi's ClientState has no outboundQty int32: Settle cannot see write queues")
	}
}
