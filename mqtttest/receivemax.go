package mqtttest

import mqtt "github.com/mochi-mqtt/server/v2"

// useReceiveMaximum turns mochi's own Receive Maximum queue off for cl and
// has the tap enforce the client's instead (internal/tap/window.go says
// why). It runs before any
// message can be routed to cl: on CONNECT, and again when a takeover has
// given cl a session (mochi sets the quota anew then).
func useReceiveMaximum(cl *mqtt.Client, max uint16) {
	cl.State.Inflight.ResetSendQuota(0)
	if t := tapOf(cl); t != nil && cl.Properties.ProtocolVersion == 5 {
		t.SetReceiveMaximum(max)
	}
}
