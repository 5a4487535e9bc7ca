package scenarios

import "strings"

// Adapter is a client library as the suite sees it: how to make a client,
// and what it can do.
type Adapter struct {
	// Name names the library and its setup in reports, such as
	// "paho.mqtt.golang (memory store)".
	Name string
	// Can declares what the library supports; a scenario that needs more
	// is skipped with the reason.
	Can Capability
	// New makes a client object with cfg. It does not connect.
	New func(cfg Config) (Client, error)
	// Known lists the scenarios this library fails because of a known bug
	// of its own, each with the link to its upstream issue. A key is a
	// scenario's name ("QoS2/NoPublishAfterPUBREL"), or a name and version
	// ("QoS2/NoPublishAfterPUBREL/v5"). Such a scenario still runs: its
	// failure is reported as expected and does not fail the test, and its
	// passing is reported as news.
	Known map[string]string
}

// known returns the link for the scenario run named name ("Group/Name/v5"),
// if it is a known failure.
func (a Adapter) known(name string) (string, bool) {
	for k, link := range a.Known {
		if name == k || strings.HasPrefix(name, k+"/") {
			return link, true
		}
	}
	return "", false
}

// Capability is a set of things a client library can do.
type Capability uint

const (
	// V311 is MQTT 3.1.1.
	V311 Capability = 1 << iota
	// V5 is MQTT 5.
	V5
	// QoS2 is sending and receiving at QoS 2.
	QoS2
	// PersistentStore keeps a session's messages across a restart of the
	// process, in Config.Store.
	PersistentStore
	// AutoReconnect reconnects by itself when asked (Config.AutoReconnect).
	AutoReconnect
	// ManualAck lets the application acknowledge (Config.ManualAck).
	ManualAck
	// Dup reports the DUP flag of a received message (Message.Dup).
	Dup
	// Resubscribe subscribes again by itself after a reconnection whose
	// CONNACK says the broker has no session for it.
	Resubscribe
	// SubscriptionIDs reports every v5 Subscription Identifier of a
	// received message (Message.SubscriptionIDs).
	SubscriptionIDs
	// VirtualTime runs in a testing/synctest bubble over Config.Dial: the
	// library starts no goroutine that outlives Disconnect or Kill and
	// waits on nothing outside the bubble.
	VirtualTime
)

var capabilityNames = []string{"V311", "V5", "QoS2", "PersistentStore", "AutoReconnect", "ManualAck", "Dup", "Resubscribe", "SubscriptionIDs", "VirtualTime"}

// Has reports whether every capability of want is in c.
func (c Capability) Has(want Capability) bool { return c&want == want }

// String lists the capabilities, joined by "|".
func (c Capability) String() string {
	var names []string
	for i, n := range capabilityNames {
		if c&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}
