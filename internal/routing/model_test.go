package routing

import (
	"slices"
	"strings"
	"testing"
)

func TestReadCountries(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want []string
		msg  string // a word of the message; "" for none
	}{
		{"", []string{}, ""},
		{"de, at;ch\nDE", []string{"DE", "AT", "CH"}, ""},
		{"Benelux, north  america", []string{"BE", "NL", "LU", "US", "CA"}, ""},
		{"DACH, Germany", nil, "“GERMANY” is neither"},
		{"D1", nil, "two-letter"},
	} {
		got, msg := readCountries(tc.in)
		if tc.msg == "" && (msg != "" || !slices.Equal(got, tc.want)) || tc.msg != "" && !strings.Contains(msg, tc.msg) {
			t.Errorf("readCountries(%q) = %v, %q", tc.in, got, msg)
		}
	}
}

func TestRuleMatches(t *testing.T) {
	t.Parallel()
	campaign, other := int64(7), int64(8)
	ten, fifty := 10, 50
	r := Rule{Countries: []string{"DE"}, CampaignID: &campaign, Channel: "webinar", ScoreMin: &ten, ScoreMax: &fifty, Fits: []string{"strong"}}
	match := Lead{Country: " de ", CampaignID: &campaign, Channel: "webinar", Score: 50, Fit: "strong"}
	if !r.Matches(match) {
		t.Fatal("every condition holds, yet no match")
	}
	for name, change := range map[string]func(*Lead){
		"country":     func(l *Lead) { l.Country = "FR" },
		"no campaign": func(l *Lead) { l.CampaignID = nil },
		"campaign":    func(l *Lead) { l.CampaignID = &other },
		"channel":     func(l *Lead) { l.Channel = "email" },
		"score low":   func(l *Lead) { l.Score = 9 },
		"score high":  func(l *Lead) { l.Score = 51 },
		"fit":         func(l *Lead) { l.Fit = "" },
	} {
		l := match
		change(&l)
		if r.Matches(l) {
			t.Errorf("%s differs, yet the rule matches", name)
		}
	}
	if !(Rule{}).Matches(Lead{}) || (Rule{}).Conditions() != "any lead" {
		t.Error("a rule without conditions matches any lead")
	}
}

func TestRuleInputCheck(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		in   RuleInput
		want map[string]string // field → a word of its message
	}{
		{"empty", RuleInput{}, map[string]string{"name": "Name the rule", "method": "Choose how"}},
		{"pool without reps", RuleInput{Name: "x", Method: "round_robin"}, map[string]string{"reps": "at least one"}},
		{"weighted without weights", RuleInput{Name: "x", Method: "weighted", Reps: []string{"4"}, Weights: map[string]string{"4": "11"}},
			map[string]string{"reps": "weight", "weight_4": "1 to 10"}},
		{"named without a rep", RuleInput{Name: "x", Method: "named"}, map[string]string{"named_rep": "Choose the rep"}},
		{"scores the wrong way round", RuleInput{Name: "x", Method: "queue", ScoreMin: "60", ScoreMax: "40"},
			map[string]string{"score_max": "at least the lowest"}},
		{"bad score, fit, channel, campaign", RuleInput{Name: "x", Method: "queue", ScoreMin: "NaN", Fits: []string{"huge"}, Channel: "tv", Campaign: "-1"},
			map[string]string{"score_min": "0 to 100", "fits": "strong", "channel": "channel", "campaign": "campaign"}},
		{"fine", RuleInput{Name: "x", Method: "round_robin", Reps: []string{"4", "4", "5"}}, nil},
	} {
		c, errs := tc.in.check()
		if len(errs) != len(tc.want) {
			t.Errorf("%s: errors %v, want fields %v", tc.name, errs, tc.want)
			continue
		}
		for field, word := range tc.want {
			if !strings.Contains(errs[field], word) {
				t.Errorf("%s: %s = %q, want %q in it", tc.name, field, errs[field], word)
			}
		}
		if tc.want == nil && len(c.pool) != 2 {
			t.Errorf("%s: pool %v, want the two distinct reps", tc.name, c.pool)
		}
	}
}
