package scenarios

import (
	"slices"
	"testing"

	"github.com/mqtt-testkit/testkit/mqtttest"
)

// Scenario is one behaviour the suite checks. Each is an exported variable
// of this package, and All lists them.
type Scenario struct {
	// Name is "Group/Name", the subtest's name before the version.
	Name string
	// Spec cites the statements of the MQTT specification it checks, by
	// their numbers in MQTT 3.1.1, or in MQTT 5 where marked "(5)".
	Spec string
	// Doc says in a sentence what it checks.
	Doc string
	// Tags group scenarios for Tagged.
	Tags []string
	// Versions are the protocol versions it applies to: V311, V5 or both.
	Versions Capability
	// Needs is what the client must support besides the version; a client
	// without it is skipped.
	Needs Capability

	broker  []mqtttest.Option // the broker's options beyond the transport's
	virtual bool              // it lets MQTT time pass (time.Sleep), which only a bubble's clock makes free
	body    func(s *env)
}

// Run runs this scenario alone against a, like Run does for the suite.
func (sc Scenario) Run(t *testing.T, a Adapter, opts ...Option) {
	t.Helper()
	sc.run(t, a, prepare(t, a, opts))
}

// All returns every scenario, in the order Run runs them.
func All() []Scenario {
	var all []Scenario
	for _, group := range groups {
		for _, sc := range group {
			all = append(all, *sc)
		}
	}
	return all
}

// groups are the scenarios by file, in running order.
var groups = [][]*Scenario{
	connectScenarios,
	retainedScenarios,
	wildcardScenarios,
	willScenarios,
	qosScenarios,
	resumeScenarios,
	flowScenarios,
	timingScenarios,
	manualAckScenarios,
}

// Tags returns every tag a scenario has, sorted.
func Tags() []string {
	var tags []string
	for _, sc := range All() {
		for _, t := range sc.Tags {
			if !slices.Contains(tags, t) {
				tags = append(tags, t)
			}
		}
	}
	slices.Sort(tags)
	return tags
}

func knownTag(tag string) bool { return slices.Contains(Tags(), tag) }

func anyNamed(prefix string) bool {
	for _, sc := range All() {
		if len(sc.Name) >= len(prefix) && sc.Name[:len(prefix)] == prefix {
			return true
		}
	}
	return false
}
