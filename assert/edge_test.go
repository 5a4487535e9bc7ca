package assert_test

import (
	"testing"
	"time"

	"github.com/mqtt-testkit/testkit/assert"
	"github.com/mqtt-testkit/testkit/mqtttest"
)

// TestNilSource checks that every assertion fails, and says why, when given
// no records at all, rather than panicking or passing.
func TestNilSource(t *testing.T) {
	anyP := assert.AnyPayload
	for name, check := range map[string]func(assert.TestingT) bool{
		"Received":           func(c assert.TestingT) bool { return assert.Received(c, nil, "c", "#", anyP, 0) },
		"NotReceived":        func(c assert.TestingT) bool { return assert.NotReceived(c, nil, "c", "#", 0) },
		"ReceivedRetained":   func(c assert.TestingT) bool { return assert.ReceivedRetained(c, nil, "c", "#", anyP, 0) },
		"ReceivedAllAndOnly": func(c assert.TestingT) bool { return assert.ReceivedAllAndOnly(c, nil, "c", "#", 0) },
		"WillPublished":      func(c assert.TestingT) bool { return assert.WillPublished(c, nil, "c", 0) },
		"NoWill":             func(c assert.TestingT) bool { return assert.NoWill(c, nil, "c", 0) },
		"AtMostOnce":         func(c assert.TestingT) bool { return assert.AtMostOnce(c, nil, "c", "#", anyP) },
		"AtLeastOnce":        func(c assert.TestingT) bool { return assert.AtLeastOnce(c, nil, "c", "#", anyP, 0) },
		"ExactlyOnce":        func(c assert.TestingT) bool { return assert.ExactlyOnce(c, nil, "c", "#", anyP, 0) },
		"HandshakeCompleted": func(c assert.TestingT) bool { return assert.HandshakeCompleted(c, nil, "c", "#", anyP, 0) },
		"InOrder":            func(c assert.TestingT) bool { return assert.InOrder(c, nil, "c", "#", 0, "1") },
		"SessionPresent":     func(c assert.TestingT) bool { return assert.SessionPresent(c, nil, "c") },
		"SessionNotPresent":  func(c assert.TestingT) bool { return assert.SessionNotPresent(c, nil, "c") },
		"Subscribed":         func(c assert.TestingT) bool { return assert.Subscribed(c, nil, "c", "#", 0, 0) },
	} {
		fails(t, name+" over nil", check, "assert."+name+": no records: the Source is nil")
	}
	fails(t, "Retained over nil", func(c assert.TestingT) bool { return assert.Retained(c, nil, "a", assert.AnyPayload) },
		"assert.Retained: no broker: the RetainedStore is nil")
	fails(t, "NoRetained over nil", func(c assert.TestingT) bool { return assert.NoRetained(c, nil, "a") },
		"assert.NoRetained: no broker: the RetainedStore is nil")
}

// records numbers rs in order, as a recorder would.
func records(rs ...mqtttest.Record) assert.Records {
	for i := range rs {
		rs[i].Seq = uint64(i + 1)
		rs[i].Event = mqtttest.EventPacket
		if rs[i].Type == 0 {
			rs[i].Event = mqtttest.EventClose
		}
	}
	return rs
}

// TestQoS2NewSessionReusesPacketID checks that a packet ID a lost session
// left unreleased does not hide a delivery in a new session.
func TestQoS2NewSessionReusesPacketID(t *testing.T) {
	pub := mqtttest.Record{Dir: mqtttest.ToClient, Type: mqtttest.TypePublish, ClientID: "sub", Topic: "t", Payload: []byte("x"), QoS: 2, PacketID: 5}
	rs := records(
		mqtttest.Record{Dir: mqtttest.ToClient, Type: mqtttest.TypeConnack, ClientID: "sub", Conn: 1},
		withConn(pub, 1),
		mqtttest.Record{Dir: mqtttest.ToBroker, Type: mqtttest.TypePubrec, ClientID: "sub", PacketID: 5, Conn: 1},
		mqtttest.Record{Conn: 1, ClientID: "sub", ClosedBy: "broker"}, // the broker restarts without sessions
		mqtttest.Record{Dir: mqtttest.ToClient, Type: mqtttest.TypeConnack, ClientID: "sub", Conn: 2},
		withConn(pub, 2), // the publisher sent it again: a second delivery
	)
	fails(t, "AtMostOnce, the same packet ID in a new session", func(c assert.TestingT) bool {
		return assert.AtMostOnce(c, rs, "sub", "t", assert.AnyPayload)
	}, "reached sub 2 times")
}

func withConn(r mqtttest.Record, conn uint64) mqtttest.Record { r.Conn = conn; return r }

// TestWillRetainAsPublished checks that a live will delivery with the
// retain flag (a v5 subscription with Retain As Published) counts.
func TestWillRetainAsPublished(t *testing.T) {
	rs := records(
		mqtttest.Record{Dir: mqtttest.ToBroker, Type: mqtttest.TypeSubscribe, ClientID: "watcher", Conn: 1, PacketID: 1,
			Subscriptions: []mqtttest.Subscription{{Filter: "dev/#", QoS: 1, RetainAsPublished: true}}},
		mqtttest.Record{Dir: mqtttest.ToBroker, Type: mqtttest.TypeConnect, ClientID: "dev", Conn: 2, Version: 5,
			Connect: &mqtttest.ConnectInfo{Will: &mqtttest.Will{Topic: "dev/state", Payload: []byte("offline"), QoS: 1, Retain: true}}},
		mqtttest.Record{Conn: 2, ClientID: "dev", ClosedBy: "test", Reason: "cut"},
		mqtttest.Record{Dir: mqtttest.ToClient, Type: mqtttest.TypePublish, ClientID: "watcher", Conn: 1, Topic: "dev/state",
			Payload: []byte("offline"), QoS: 1, Retain: true, PacketID: 1},
	)
	passes(t, "WillPublished, retain as published", func(c assert.TestingT) bool {
		return assert.WillPublished(c, rs, "dev", 0)
	})
}

func TestInOrderRepeatedPayload(t *testing.T) {
	fails(t, "InOrder, a payload given twice", func(c assert.TestingT) bool {
		return assert.InOrder(c, assert.Records{}, "c", "#", time.Second, "a", "b", "a")
	}, `assert.InOrder: payload "a" is given twice: messages are told apart by payload`)
}

// TestInvalidFilter: an assertion given a topic filter nothing can match
// fails at once and says why, rather than wait and blame the broker.
func TestInvalidFilter(t *testing.T) {
	b := mqtttest.NewBroker(t)
	rec := b.Recorder()
	const bad = "a/#/b"
	checks := map[string]func(assert.TestingT) bool{
		"Received":    func(c assert.TestingT) bool { return assert.Received(c, rec, "", bad, assert.AnyPayload, waitTime) },
		"NotReceived": func(c assert.TestingT) bool { return assert.NotReceived(c, rec, "", bad, waitTime) },
		"AtMostOnce":  func(c assert.TestingT) bool { return assert.AtMostOnce(c, rec, "", bad, assert.AnyPayload) },
		"AtLeastOnce": func(c assert.TestingT) bool { return assert.AtLeastOnce(c, rec, "", bad, assert.AnyPayload, waitTime) },
		"ExactlyOnce": func(c assert.TestingT) bool { return assert.ExactlyOnce(c, rec, "", bad, assert.AnyPayload, waitTime) },
		"HandshakeCompleted": func(c assert.TestingT) bool {
			return assert.HandshakeCompleted(c, rec, "", bad, assert.AnyPayload, waitTime)
		},
		"InOrder": func(c assert.TestingT) bool { return assert.InOrder(c, rec, "", bad, waitTime, "x") },
		"Redelivered": func(c assert.TestingT) bool {
			return assert.Redelivered(c, rec, "c", bad, assert.AnyPayload, waitTime)
		},
		"ReceivedRetained": func(c assert.TestingT) bool {
			return assert.ReceivedRetained(c, rec, "c", bad, assert.AnyPayload, waitTime)
		},
		"Subscribed":         func(c assert.TestingT) bool { return assert.Subscribed(c, rec, "c", bad, 1, waitTime) },
		"ReceivedAllAndOnly": func(c assert.TestingT) bool { return assert.ReceivedAllAndOnly(c, rec, "c", bad, waitTime) },
	}
	for name, check := range checks {
		start := time.Now()
		fails(t, name, check, `assert.`+name+`: "a/#/b" is not a valid MQTT topic filter: nothing can match it`,
			`why: level "#": "#" must be a whole level and the last one`)
		if d := time.Since(start); d > waitTime {
			t.Errorf("%s took %v: it waited instead of failing at once", name, d)
		}
	}
}
