package kind

import (
	"encoding/json"
	"math"
)

// Series is a value a check measured over time, once a second (a load test's latency, a
// database's connections while it ran), for the reports that draw it (a sparkline on a
// terminal) or carry it (JSON). Values[i] covers the Step seconds starting Start + i×Step
// seconds after the check started; NaN marks an interval without a measurement.
type Series struct {
	Label string `json:"label"`
	// Unit names what the values count: "ms", "connections", "bytes", "requests/s".
	Unit   string    `json:"unit,omitempty"`
	Start  int       `json:"start_s"`
	Step   int       `json:"step_s"`
	Values []float64 `json:"values"`
}

type seriesJSON struct {
	Label  string     `json:"label"`
	Unit   string     `json:"unit,omitempty"`
	Start  int        `json:"start_s"`
	Step   int        `json:"step_s"`
	Values []*float64 `json:"values"`
}

// MarshalJSON writes a missing measurement (NaN) as null, which JSON can hold and NaN is not.
func (s Series) MarshalJSON() ([]byte, error) {
	out := seriesJSON{Label: s.Label, Unit: s.Unit, Start: s.Start, Step: s.Step, Values: make([]*float64, len(s.Values))}
	for i, v := range s.Values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out.Values[i] = &s.Values[i]
		}
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads null back as NaN.
func (s *Series) UnmarshalJSON(b []byte) error {
	var in seriesJSON
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*s = Series{Label: in.Label, Unit: in.Unit, Start: in.Start, Step: in.Step, Values: make([]float64, len(in.Values))}
	for i, v := range in.Values {
		s.Values[i] = math.NaN()
		if v != nil {
			s.Values[i] = *v
		}
	}
	return nil
}
