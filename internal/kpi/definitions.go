package kpi

// Key names a KPI.
type Key string

// The KPIs of PRODUCT.md. Feedback response has three parts, each with its
// own target; "mql" is marketing's side of the two-sided SLA.
const (
	Conversion     Key = "conversion"
	Acceptance     Key = "acceptance"
	Quality        Key = "quality"
	SpeedToLead    Key = "speed"
	Revenue        Key = "revenue"
	MQLDelivered   Key = "mql"
	NoticeLeadTime Key = "notice"
	Readiness      Key = "readiness"
	FeedbackAck    Key = "feedback_ack"
	FeedbackActed  Key = "feedback_acted"
	FeedbackUseful Key = "feedback_useful"
	Alignment      Key = "alignment"
)

// Unit says how a value reads.
type Unit string

const (
	Percent Unit = "percent" // stored as a ratio 0–1, shown ×100
	Score   Unit = "score"   // a mean on 1–5
	Count   Unit = "count"
	Money   Unit = "money"
	Index   Unit = "index" // 0–100
)

// Definition describes one KPI for people and for the engine.
type Definition struct {
	Key   Key
	Name  string
	Unit  Unit
	Owner string // which side it mostly measures: shared, sales, marketing, service
	// Words is the definition as the KPI page explains it.
	Words string
	// Numerator and Denominator name the rows behind the number.
	Numerator   string
	Denominator string
	// DefaultTarget per period kind (the quarter's revenue goal is money).
	DefaultTarget map[Kind]float64
	// Paced KPIs accumulate over the period towards a committed amount (the
	// MQL commitment, the revenue goal). While their period runs they are
	// judged against the share of the target due by now (see Pace), and
	// their denominator is that commitment rather than counted records, so
	// they have a value in every period: on their own they do not make an
	// alignment index.
	Paced bool
}

func same(v float64) map[Kind]float64 { return map[Kind]float64{Week: v, Month: v, Quarter: v} }

// Definitions lists the KPIs in the order the overview shows them.
var Definitions = []Definition{
	{Key: Conversion, Name: "Lead-to-customer conversion", Unit: Percent, Owner: "shared",
		Words:     "Of the leads handed to sales in the period, the share that has been won so far. Leads are grouped by the time of their (latest) handoff, so a period's number can still rise as its leads close.",
		Numerator: "won leads of the cohort", Denominator: "leads handed off in the period",
		DefaultTarget: same(0.20)},
	{Key: Acceptance, Name: "Handoff acceptance", Unit: Percent, Owner: "shared",
		Words:     "Of the leads sales decided on in the period (accepted or rejected), the share accepted.",
		Numerator: "leads accepted in the period", Denominator: "leads accepted or rejected in the period",
		DefaultTarget: same(0.80)},
	{Key: Quality, Name: "Lead quality", Unit: Score, Owner: "marketing",
		Words:     "The mean quality rating (1–5) reps gave when they accepted or rejected a lead in the period.",
		Numerator: "sum of ratings", Denominator: "leads rated in the period",
		DefaultTarget: same(4.0)},
	{Key: SpeedToLead, Name: "Speed to lead", Unit: Percent, Owner: "sales",
		Words:     "Of the leads handed off in the period whose follow-up deadline (handoff + SLA hours) has passed, the share touched by then. A lead untouched at its deadline is a miss for good, whatever happens to it later (accepted, won, lost, rejected); one rejected before its deadline without a touch is left out. The median hours from handoff to first touch is shown beside it.",
		Numerator: "leads touched within the SLA", Denominator: "leads touched in time, or past the deadline without a touch",
		DefaultTarget: same(0.90)},
	{Key: Revenue, Name: "Revenue vs goal", Unit: Percent, Owner: "shared",
		Words:     "Won deal value in the period against the quarterly revenue goal, prorated by calendar days for weeks and months. While the period runs it is judged on pace: against the share of the goal due by now. The share of it from campaign-sourced leads is shown beside it.",
		Numerator: "won value in the period", Denominator: "the goal for the period",
		DefaultTarget: same(1.0), Paced: true},
	{Key: MQLDelivered, Name: "MQLs delivered", Unit: Count, Owner: "marketing",
		Words:     "Marketing's side of the two-sided SLA: leads qualified as MQL in the period, against the number marketing committed to (the target in force). While the period runs it is judged on pace: against the share of the commitment due by now.",
		Numerator: "leads that became MQL in the period", Denominator: "the committed number",
		DefaultTarget: map[Kind]float64{Week: 25, Month: 100, Quarter: 300}, Paced: true},
	{Key: NoticeLeadTime, Name: "Notice lead time", Unit: Percent, Owner: "marketing",
		Words:     "Of the campaigns launching in the period, the share announced to sales and service at least notice_days before launch. A campaign that reaches its launch day without being announced counts as late; a draft whose launch day has not come yet is not counted.",
		Numerator: "campaigns announced in time", Denominator: "campaigns launching in the period",
		DefaultTarget: same(1.0)},
	{Key: Readiness, Name: "Campaign readiness", Unit: Percent, Owner: "shared",
		Words:     "For the announced campaigns launching in the period, the active sales and service people who had joined by launch and had acknowledged, before launch, the talking points in force at launch, over all such people, pooled across the campaigns. A launch still ahead counts the acknowledgements of the current talking points so far.",
		Numerator: "people ready at launch", Denominator: "sales and service people × campaigns",
		DefaultTarget: same(0.90)},
	{Key: FeedbackAck, Name: "Feedback acknowledged in time", Unit: Percent, Owner: "marketing",
		Words:     "Of the feedback logged in the period (duplicates merged away not counted) whose 2-business-day window has closed or that has been acknowledged, the share acknowledged within 2 business days.",
		Numerator: "items acknowledged within 2 business days", Denominator: "items due or acknowledged",
		DefaultTarget: same(0.90)},
	{Key: FeedbackActed, Name: "Feedback acted on", Unit: Percent, Owner: "marketing",
		Words:     "Of the feedback items decided in the period (moved to acted on or declined), the share acted on.",
		Numerator: "items acted on", Denominator: "items acted on or declined",
		DefaultTarget: same(0.50)},
	{Key: FeedbackUseful, Name: "Response usefulness", Unit: Score, Owner: "shared",
		Words:     "The mean usefulness (1–5) reporters gave marketing's responses, by the time of the rating.",
		Numerator: "sum of ratings", Denominator: "items rated in the period",
		DefaultTarget: same(4.0)},
	{Key: Alignment, Name: "Alignment index", Unit: Index, Owner: "shared",
		Words:         "0–100: each KPI's attainment of its target (value ÷ target, capped at 100 %; for MQLs and revenue in a running period, value ÷ the target due by now), averaged with the weights set by admins. KPIs without data in the period are left out of the average, and a period where only MQLs and revenue have a value has no index.",
		DefaultTarget: same(85)},
}

// Lookup returns the definition of key.
func Lookup(key Key) (Definition, bool) {
	for _, d := range Definitions {
		if d.Key == key {
			return d, true
		}
	}
	return Definition{}, false
}
