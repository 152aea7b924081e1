package server

import (
	"time"

	"tandem/internal/digest"
)

// The weekly digest as JSON: the digest's own numbers, with amounts as
// money (a decimal string and the digest's currency).

type apiDigest struct {
	Week             string           `json:"week"`
	Title            string           `json:"title"`
	From             time.Time        `json:"from"`
	To               time.Time        `json:"to"`
	AsOf             time.Time        `json:"as_of"`
	Timezone         string           `json:"timezone"`
	Currency         string           `json:"currency"`
	Archived         bool             `json:"archived"`
	ComposedAt       *time.Time       `json:"composed_at"`
	Note             string           `json:"note"`
	NoteBy           string           `json:"note_by"`
	Wins             []apiDigestWin   `json:"wins"`
	WinCount         int              `json:"win_count"`
	WonValue         apiMoney         `json:"won_value"`
	CampaignValue    apiMoney         `json:"campaign_value"`
	CampaignShare    *float64         `json:"campaign_share"`
	Revenue          apiDigestRevenue `json:"revenue"`
	KPIs             []apiDigestKPI   `json:"kpis"`
	PreviousArchived bool             `json:"previous_archived"`
	Launches         []digest.Launch  `json:"launches"`
	LaunchFrom       time.Time        `json:"launch_from"`
	LaunchTo         time.Time        `json:"launch_to"`
	ReadinessTarget  *float64         `json:"readiness_target"`
	Feedback         []digest.Acted   `json:"feedback"`
	Trouble          []digest.Sign    `json:"trouble"`
}

type apiDigestWin struct {
	LeadID   int64     `json:"lead_id"`
	Company  string    `json:"company"`
	Value    apiMoney  `json:"value"`
	WonAt    time.Time `json:"won_at"`
	Rep      string    `json:"rep"`
	Campaign *apiRef   `json:"campaign"`
}

type apiDigestRevenue struct {
	Quarter       string    `json:"quarter"`
	Through       time.Time `json:"through"`
	Won           apiMoney  `json:"won"`
	FromCampaigns apiMoney  `json:"from_campaigns"`
	Goal          *apiMoney `json:"goal"`
	Attainment    *float64  `json:"attainment"`
	Remaining     apiMoney  `json:"remaining"`
	WeeksLeft     int       `json:"weeks_left"`
	PaceNeeded    *apiMoney `json:"pace_needed"`
}

type apiDigestKPI struct {
	Key        string   `json:"key"`
	Name       string   `json:"name"`
	Unit       string   `json:"unit"`
	Value      *float64 `json:"value"`
	Previous   *float64 `json:"previous"`
	Target     *float64 `json:"target"`
	Pace       *float64 `json:"pace"`
	Attainment *float64 `json:"attainment"`
}

func apiDigestOf(d digest.Digest, e digest.Entry) apiDigest {
	cur := d.Currency
	v := apiDigest{Week: d.Week, Title: d.Title, From: d.From, To: d.To, AsOf: d.AsOf, Timezone: d.Timezone, Currency: cur,
		Archived: e.Archived != nil, Note: d.Note, NoteBy: d.NoteBy, Wins: []apiDigestWin{}, WinCount: d.WinCount,
		WonValue: floatMoney(d.WonValue, cur), CampaignValue: floatMoney(d.CampaignValue, cur), CampaignShare: d.CampaignShare,
		KPIs: []apiDigestKPI{}, PreviousArchived: d.PreviousArchived, Launches: d.Launches, LaunchFrom: d.LaunchFrom,
		LaunchTo: d.LaunchTo, ReadinessTarget: d.ReadinessTarget, Feedback: d.Feedback, Trouble: d.Trouble}
	if e.Archived != nil {
		at := e.Archived.ComposedAt
		v.ComposedAt = &at
	}
	for _, w := range d.Wins {
		win := apiDigestWin{LeadID: w.LeadID, Company: w.Company, Value: floatMoney(w.Value, cur), WonAt: w.WonAt, Rep: w.Rep}
		if w.CampaignID != 0 {
			win.Campaign = &apiRef{w.CampaignID, w.Campaign}
		}
		v.Wins = append(v.Wins, win)
	}
	rv := d.Revenue
	v.Revenue = apiDigestRevenue{Quarter: rv.Quarter, Through: rv.Through, Won: floatMoney(rv.Won, cur),
		FromCampaigns: floatMoney(rv.FromCampaigns, cur), Goal: floatMoneyPtr(rv.Goal, cur), Attainment: rv.Attainment,
		Remaining: floatMoney(rv.Remaining, cur), WeeksLeft: rv.WeeksLeft, PaceNeeded: floatMoneyPtr(rv.PaceNeeded, cur)}
	for _, k := range d.KPIs {
		v.KPIs = append(v.KPIs, apiDigestKPI{Key: k.Key, Name: k.Name, Unit: string(k.Unit), Value: k.Value,
			Previous: k.Previous, Target: k.Target, Pace: k.Pace, Attainment: k.Attainment})
	}
	if v.Launches == nil {
		v.Launches = []digest.Launch{}
	}
	if v.Feedback == nil {
		v.Feedback = []digest.Acted{}
	}
	if v.Trouble == nil {
		v.Trouble = []digest.Sign{}
	}
	return v
}
