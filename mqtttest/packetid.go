package mqtttest

import (
	"sync"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// A client and the broker number their packets independently: the same
// packet identifier may be in a QoS flow each way at once [MQTT-2.2.1-3].
// mochi keeps both ways in one map per client (ClientState.Inflight). A
// client PUBLISH whose ID is that of a message in flight to the client
// deletes that message from the session (processPublish takes the entry for
// a finished flow), or overwrites it with its PUBREC; either way the message
// is not sent again if the connection drops. So the hook gives each QoS 1
// and 2 flow from a client an ID of mochi's own choosing (NextPacketID, which
// no message to the client has), and puts the client's ID back on the
// acknowledgements mochi sends: the PUBLISH and PUBREL the broker reads carry
// the new ID, and the PUBACK, PUBREC and PUBCOMP the client reads carry its
// own. The wire, and so the recording, is unchanged.
//
// A QoS 2 flow outlives its connection, so the IDs are kept per client ID,
// across takeovers and Restart(true), until the flow ends or the session does.
type inboundIDs struct {
	mu   sync.Mutex
	byID map[string]*idMap // client ID → its flows; nil entries are never stored
}

// idMap is the ID translation of one session's QoS flows from the client.
type idMap struct {
	toBroker map[uint16]uint16 // the client's ID → the one mochi sees
	toClient map[uint16]uint16 // and back
}

// session returns the map of clientID, made if make is true.
func (s *inboundIDs) session(clientID string, make bool) *idMap {
	m := s.byID[clientID]
	if m == nil && make {
		if s.byID == nil {
			s.byID = map[string]*idMap{}
		}
		m = &idMap{toBroker: map[uint16]uint16{}, toClient: map[uint16]uint16{}}
		s.byID[clientID] = m
	}
	return m
}

// forget drops the flows of clientID's session, which has ended.
func (s *inboundIDs) forget(clientID string) {
	s.mu.Lock()
	delete(s.byID, clientID)
	s.mu.Unlock()
}

// forgetAll drops every session's flows (Restart without sessions).
func (s *inboundIDs) forgetAll() {
	s.mu.Lock()
	s.byID = nil
	s.mu.Unlock()
}

// toBroker translates the packet identifier of a PUBLISH (QoS 1, 2) or
// PUBREL that cl sent, for mochi.
func (s *inboundIDs) toBroker(cl *mqtt.Client, pk *packets.Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.session(cl.ID, true)
	if id, ok := m.toBroker[pk.PacketID]; ok { // a flow under way: a resent PUBLISH, or the PUBREL
		pk.PacketID = id
		return
	}
	// A new flow. A PUBREL of none gets a fresh ID too, so that mochi answers
	// it (0x92, not found) without touching a message it has under that ID.
	id, err := cl.NextPacketID()
	if err != nil {
		return // every ID is in use; mochi refuses the packet itself
	}
	m.toBroker[pk.PacketID], m.toClient[uint16(id)] = uint16(id), pk.PacketID
	pk.PacketID = uint16(id)
}

// toClient puts the client's own packet identifier back on an
// acknowledgement mochi sends; the flow ends with its PUBACK or PUBCOMP.
func (s *inboundIDs) toClient(cl *mqtt.Client, pk *packets.Packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.session(cl.ID, false)
	if m == nil {
		return
	}
	id, ok := m.toClient[pk.PacketID]
	if !ok {
		return
	}
	switch {
	case pk.FixedHeader.Type == packets.Pubrec && pk.ReasonCode == packets.ErrPacketIdentifierInUse.Code:
		// mochi answers a PUBLISH sent again (DUP) in a QoS 2 flow under way
		// with PUBREC 0x91, "in use": a v5 client takes that as the message
		// refused, and may publish it again as a new one. The flow is the
		// same and goes on to its PUBREL [MQTT-4.3.3-10]: the PUBREC says so.
		pk.ReasonCode = packets.CodeSuccess.Code
		pk.Properties.ReasonString = ""
	case pk.FixedHeader.Type != packets.Pubrec || pk.ReasonCode >= 0x80:
		// The flow ends: a PUBACK, a PUBCOMP, or a PUBREC that refuses the
		// message. The session's maps stay, for its next flow, until the
		// session ends.
		delete(m.toClient, pk.PacketID)
		delete(m.toBroker, id)
	}
	pk.PacketID = id
}

// translateIn translates what cl sent, if it carries a flow's identifier.
func (h *hook) translateIn(cl *mqtt.Client, pk *packets.Packet) {
	switch {
	case cl.Net.Inline:
	case pk.FixedHeader.Type == packets.Publish && pk.FixedHeader.Qos > 0,
		pk.FixedHeader.Type == packets.Pubrel:
		h.b.inbound.toBroker(cl, pk)
	}
}

// translateOut translates what mochi sends cl, if it acknowledges a flow.
func (h *hook) translateOut(cl *mqtt.Client, pk *packets.Packet) {
	switch pk.FixedHeader.Type {
	case packets.Puback, packets.Pubrec, packets.Pubcomp:
		h.b.inbound.toClient(cl, pk)
	}
}
