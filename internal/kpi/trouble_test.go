package kpi

import (
	"context"
	"strings"
	"testing"
	"time"
)

func signsByKey(t *testing.T, f fx) map[string]Sign {
	t.Helper()
	signs, err := f.e.Trouble(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Sign{}
	for _, s := range signs {
		m[s.Key+":"+s.Title] = s
		m[s.Key] = s
	}
	return m
}

func TestTroubleSignsOnTheHandBuiltWeek(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	signs := signsByKey(t, f)

	// L7 was handed off Monday 09:00 and never touched: past 24 h. L6
	// (Wednesday 10:00) is still inside its SLA.
	if s := signs["sla"]; s.Count != 1 || s.Link != "/leads?sla=breached" {
		t.Errorf("SLA sign: %+v", s)
	}
	// Launching 18–25 Nov: C2 (2 of the 3 active sales/service people have
	// acknowledged: 67 % < 90 %), C3 and C4 (drafts: 0 %). C1 launched
	// already.
	n := 0
	for k, s := range signs {
		if strings.HasPrefix(k, "readiness:") {
			n++
			if strings.HasPrefix(s.Title, "C1 ") {
				t.Errorf("C1 launched already: %+v", s)
			}
		}
	}
	if n != 3 {
		t.Errorf("%d readiness signs, want 3", n)
	}
	if s := signs["readiness:C2 launches Fri 20 Nov 2026 with 67 % ready"]; s.Count != 1 {
		t.Errorf("C2 sign missing or wrong: %v", signs)
	}
	// F3 is past its due time; F4 is not due; F5 was merged away.
	if s := signs["feedback"]; s.Count != 1 {
		t.Errorf("feedback sign: %+v", s)
	}
	// No verdicts in the 8 weeks before: no rejection-rate baseline.
	if _, ok := signs["rejections"]; ok {
		t.Error("rejection sign without a baseline")
	}
	// 14 leads were created in W44 → 1.75 a week over the trailing 8 weeks.
	// By Wednesday noon (2.5 of 7 days) 0.625 are expected; 0 came, which is
	// under 0.7 × 0.625.
	if s := signs["volume"]; s.Count != 0 {
		t.Errorf("volume sign: %+v (%v)", s, signs)
	}
	if _, ok := signs["one-sided"]; ok {
		t.Error("one-sided sign without any talk")
	}
}

func TestRejectionRateSign(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		rejectedNow int
		wantSign    bool
	}{
		// Trailing mean 25 %; 3 of 4 this week = 75 % > 37.5 %.
		{"spike", 3, true},
		// 1 of 4 = 25 %: not over 1.5 × 25 %.
		{"steady", 1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.exec(`DELETE FROM leads`)
			// Each of the 8 weeks before W47: 3 accepted, 1 rejected.
			for w := 1; w <= 8; w++ {
				day := at(17, 10, 0).AddDate(0, 0, -7*w)
				for i := 0; i < 4; i++ {
					l := leadRow{stage: "accepted", accepted: &day}
					if i == 0 {
						l = leadRow{stage: "rejected", rejected: &day}
					}
					f.lead("W"+day.Format("0102")+string(rune('a'+i)), l)
				}
			}
			now := at(17, 10, 0)
			for i := 0; i < 4; i++ {
				l := leadRow{stage: "accepted", accepted: &now}
				if i < tc.rejectedNow {
					l = leadRow{stage: "rejected", rejected: &now}
				}
				f.lead("N"+string(rune('a'+i)), l)
			}
			s, ok := signsByKey(t, f)["rejections"]
			if ok != tc.wantSign {
				t.Fatalf("sign shown = %v, want %v (%+v)", ok, tc.wantSign, s)
			}
			if ok && s.Count != tc.rejectedNow {
				t.Errorf("count %d", s.Count)
			}
		})
	}
}

func TestOneSidedTalkSign(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.id(`SELECT id FROM campaigns WHERE name = 'C1'`)
	m := f.id(`SELECT id FROM users WHERE team = 'marketing'`)
	for i := 0; i < 3; i++ {
		f.exec(`INSERT INTO campaign_comments (campaign_id, author_id, author_team, body, created_at) VALUES ($1, $2, 'marketing', 'Any questions?', $3)`,
			c, m, at(17, 9+i, 0))
	}
	// Older than 30 days: does not count.
	r := f.id(`SELECT id FROM users WHERE email = 'rep@x.example'`)
	f.exec(`INSERT INTO campaign_comments (campaign_id, author_id, author_team, body, created_at) VALUES ($1, $2, 'sales', 'Old', $3)`,
		c, r, at(17, 9, 0).Add(-31*24*time.Hour))
	s, ok := signsByKey(t, f)["one-sided"]
	if !ok || s.Count != 3 || !strings.Contains(s.Title, "Only marketing") {
		t.Fatalf("one-sided sign: %+v", s)
	}
	f.exec(`INSERT INTO campaign_comments (campaign_id, author_id, author_team, body, created_at) VALUES ($1, $2, 'sales', 'Yes: pricing?', $3)`,
		c, r, at(18, 9, 0))
	if _, ok := signsByKey(t, f)["one-sided"]; ok {
		t.Error("sign still shown after sales joined in")
	}
}
