// Package routing chooses the rep of a lead that marketing hands off "to
// the routing rules": ordered rules, the first whose conditions all match
// wins, and its method picks from its pool of reps, skipping reps who are
// away, deactivated or at their capacity. The pools' turns live in
// PostgreSQL, so every instance and every concurrent handoff shares them.
package routing

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"tandem/internal/enum"
	"tandem/internal/refusal"
)

// Method is how a rule picks among its reps.
type Method string

const (
	RoundRobin  Method = "round_robin"  // each rep in turn
	Weighted    Method = "weighted"     // in turn, a rep of weight 2 twice as often as one of weight 1
	LeastLoaded Method = "least_loaded" // the rep with the fewest leads waiting for a verdict
	Named       Method = "named"        // one named rep
	Queue       Method = "queue"        // nobody: a sales manager assigns it
)

// Methods lists the methods in display order.
var Methods = []Method{RoundRobin, Weighted, LeastLoaded, Named, Queue}

var methodLabels = enum.Labels[Method]{
	RoundRobin: "Round-robin", Weighted: "Weighted round-robin", LeastLoaded: "Least loaded",
	Named: "A named rep", Queue: "The sales managers' queue",
}

// Valid reports whether m is a known method.
func (m Method) Valid() bool { return enum.Valid(Methods, m) }

// Label is the method's display name.
func (m Method) Label() string { return methodLabels.Of(m) }

// UsesPool reports whether the method picks among the rule's reps.
func (m Method) UsesPool() bool { return m == RoundRobin || m == Weighted || m == LeastLoaded }

// Channels are the campaign channels a rule may name, as the campaigns
// table keeps them (routing reads that table, not the campaigns package,
// which depends on leads).
var Channels = []string{"email", "webinar", "event", "paid_search", "paid_social", "content", "partner", "direct_mail", "other"}

// Fits a lead may have, as the lead form offers them.
var Fits = []string{"strong", "medium", "weak"}

// Limits of a rule.
const (
	MaxName      = 100
	MaxCountries = 500 // characters of the typed list
	MaxWeight    = 10
	MaxCapacity  = 1000
	maxRules     = 50
	maxPool      = 100
	// strideUnit is divisible by every weight from 1 to MaxWeight, so a
	// rep's stride 2520/weight is a whole number and turns are exact.
	strideUnit = 2520
)

// Regions a rule may name instead of listing their countries: common sales
// territories, as ISO 3166 country codes.
var Regions = map[string][]string{
	"DACH":          {"DE", "AT", "CH"},
	"BENELUX":       {"BE", "NL", "LU"},
	"NORDICS":       {"DK", "FI", "IS", "NO", "SE"},
	"UKI":           {"GB", "IE"},
	"IBERIA":        {"ES", "PT"},
	"NORTH AMERICA": {"US", "CA"},
}

// Rule is one routing rule: conditions and how it picks a rep.
type Rule struct {
	ID         int64     `db:"id"`
	Position   int       `db:"position"`
	Name       string    `db:"name"`
	Countries  []string  `db:"countries"`
	CampaignID *int64    `db:"campaign_id"`
	Campaign   string    `db:"campaign"` // the campaign's name
	Channel    string    `db:"channel"`
	ScoreMin   *int      `db:"score_min"`
	ScoreMax   *int      `db:"score_max"`
	Fits       []string  `db:"fits"`
	Method     Method    `db:"method"`
	NamedRepID *int64    `db:"named_rep_id"`
	NamedRep   string    `db:"named_rep"`
	Version    int       `db:"version"`
	Pool       []PoolRep `db:"-"`
}

// PoolRep is a rep in a rule's pool.
type PoolRep struct {
	UserID int64  `db:"user_id"`
	Name   string `db:"name"`
	Weight int    `db:"weight"`
	Routed int    `db:"routed"` // leads this rule gave the rep
}

// Lead is what the rules look at.
type Lead struct {
	Country    string
	CampaignID *int64
	Channel    string // the source campaign's
	Score      int
	Fit        string
}

// Matches reports whether every condition of the rule holds for l.
func (r Rule) Matches(l Lead) bool {
	switch {
	case len(r.Countries) > 0 && !slices.Contains(r.Countries, strings.ToUpper(strings.TrimSpace(l.Country))):
		return false
	case r.CampaignID != nil && (l.CampaignID == nil || *l.CampaignID != *r.CampaignID):
		return false
	case r.Channel != "" && l.Channel != r.Channel:
		return false
	case r.ScoreMin != nil && l.Score < *r.ScoreMin, r.ScoreMax != nil && l.Score > *r.ScoreMax:
		return false
	case len(r.Fits) > 0 && !slices.Contains(r.Fits, l.Fit):
		return false
	}
	return true
}

// Conditions describes the rule's conditions in words, "any lead" when it
// has none.
func (r Rule) Conditions() string {
	var parts []string
	if len(r.Countries) > 0 {
		parts = append(parts, "country "+strings.Join(r.Countries, ", "))
	}
	if r.CampaignID != nil {
		parts = append(parts, "campaign "+r.Campaign)
	}
	if r.Channel != "" {
		parts = append(parts, "channel "+r.Channel)
	}
	switch {
	case r.ScoreMin != nil && r.ScoreMax != nil:
		parts = append(parts, fmt.Sprintf("score %d–%d", *r.ScoreMin, *r.ScoreMax))
	case r.ScoreMin != nil:
		parts = append(parts, fmt.Sprintf("score ≥ %d", *r.ScoreMin))
	case r.ScoreMax != nil:
		parts = append(parts, fmt.Sprintf("score ≤ %d", *r.ScoreMax))
	}
	if len(r.Fits) > 0 {
		parts = append(parts, "fit "+strings.Join(r.Fits, " or "))
	}
	if len(parts) == 0 {
		return "any lead"
	}
	return strings.Join(parts, "; ")
}

// RuleInput is the rule form as typed.
type RuleInput struct {
	Name      string
	Countries string // comma- or space-separated codes and region names
	Campaign  string // id; blank: any
	Channel   string // blank: any
	ScoreMin  string
	ScoreMax  string
	Fits      []string
	Method    string
	Reps      []string          // ids of the pool
	Weights   map[string]string // by rep id, for weighted round-robin
	NamedRep  string            // id, for a named rep
}

// checked is a rule input read and checked, ready to store.
type checked struct {
	name       string
	countries  []string
	campaignID *int64
	channel    string
	scoreMin   *int
	scoreMax   *int
	fits       []string
	method     Method
	pool       []PoolRep
	namedRep   *int64
}

// check reads the input; what the database must confirm (the campaign and
// reps exist) is checked by the store.
func (in RuleInput) check() (checked, refusal.Fields) {
	errs := refusal.Fields{}
	c := checked{name: strings.TrimSpace(in.Name), method: Method(in.Method)}
	switch {
	case c.name == "":
		errs["name"] = "Name the rule, e.g. “DACH inbound”."
	case utf8.RuneCountInString(c.name) > MaxName:
		errs["name"] = fmt.Sprintf("Keep the name under %d characters.", MaxName)
	}
	if utf8.RuneCountInString(in.Countries) > MaxCountries {
		errs["countries"] = fmt.Sprintf("Keep the list under %d characters.", MaxCountries)
	} else if countries, msg := readCountries(in.Countries); msg != "" {
		errs["countries"] = msg
	} else {
		c.countries = countries
	}
	if in.Campaign != "" {
		id, err := strconv.ParseInt(in.Campaign, 10, 64)
		if err != nil || id <= 0 {
			errs["campaign"] = noCampaign
		} else {
			c.campaignID = &id
		}
	}
	if c.channel = in.Channel; c.channel != "" && !slices.Contains(Channels, c.channel) {
		errs["channel"] = "Choose a channel from the list, or any channel."
	}
	c.scoreMin, c.scoreMax = readScore(in.ScoreMin, "score_min", errs), readScore(in.ScoreMax, "score_max", errs)
	if c.scoreMin != nil && c.scoreMax != nil && *c.scoreMin > *c.scoreMax && errs["score_max"] == "" {
		errs["score_max"] = "The highest score must be at least the lowest."
	}
	for _, f := range in.Fits {
		if !slices.Contains(Fits, f) {
			errs["fits"] = "Fit is strong, medium or weak."
		} else if !slices.Contains(c.fits, f) {
			c.fits = append(c.fits, f)
		}
	}
	if c.fits == nil {
		c.fits = []string{}
	}
	if !c.method.Valid() {
		errs["method"] = "Choose how the rule picks a rep."
		return c, errs
	}
	switch {
	case c.method.UsesPool():
		c.pool = in.readPool(c.method, errs)
	case c.method == Named:
		if id, err := strconv.ParseInt(in.NamedRep, 10, 64); err != nil || id <= 0 {
			errs["named_rep"] = "Choose the rep."
		} else {
			c.namedRep = &id
		}
	}
	return c, errs
}

const noCampaign = "Choose a campaign from the list, or any campaign."

// readPool reads the chosen reps and, for weighted round-robin, their
// weights.
func (in RuleInput) readPool(m Method, errs refusal.Fields) []PoolRep {
	var pool []PoolRep
	for _, raw := range in.Reps {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			errs["reps"] = "Choose reps from the list."
			return nil
		}
		if slices.ContainsFunc(pool, func(p PoolRep) bool { return p.UserID == id }) {
			continue
		}
		weight := 1
		if m == Weighted {
			w, err := strconv.Atoi(strings.TrimSpace(in.Weights[raw]))
			if err != nil || w < 1 || w > MaxWeight {
				errs["weight_"+raw] = fmt.Sprintf("A weight is a whole number from 1 to %d.", MaxWeight)
				errs["reps"] = fmt.Sprintf("Give every chosen rep a weight from 1 to %d.", MaxWeight)
			}
			weight = w
		}
		pool = append(pool, PoolRep{UserID: id, Weight: weight})
	}
	switch {
	case len(pool) == 0 && errs["reps"] == "":
		errs["reps"] = "Choose at least one rep."
	case len(pool) > maxPool:
		errs["reps"] = fmt.Sprintf("A rule picks among at most %d reps.", maxPool)
	}
	return pool
}

// readCountries reads a list of country codes and region names separated
// by commas, semicolons or spaces, regions expanded, upper-cased and
// without repeats.
func readCountries(raw string) ([]string, string) {
	out := []string{}
	add := func(code string) {
		if !slices.Contains(out, code) {
			out = append(out, code)
		}
	}
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
		part = strings.ToUpper(strings.Join(strings.Fields(part), " "))
		if part == "" {
			continue
		}
		if codes, ok := Regions[part]; ok {
			for _, code := range codes {
				add(code)
			}
			continue
		}
		if !isCountryCode(part) {
			return nil, fmt.Sprintf("“%s” is neither a two-letter country code (like DE or US) nor a region (DACH, Benelux, Nordics, UKI, Iberia, North America).", part)
		}
		add(part)
	}
	return out, ""
}

func isCountryCode(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

func readScore(raw, field string, errs refusal.Fields) *int {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 0 || n > 100 {
		errs[field] = "A score is a whole number from 0 to 100."
		return nil
	}
	return &n
}
