package intake

import (
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	src := Source{Secret: "whsec_0123456789abcdef0123456789abcdef"}
	body := []byte(`{"email":"a@b.example"}`)
	now := time.Unix(1_800_000_000, 0)
	ts := "1800000000"
	for _, tc := range []struct {
		name, sig, ts, want string
	}{
		{"body only", Sign(src.Secret, "", body), "", ""},
		{"with timestamp", Sign(src.Secret, ts, body), ts, ""},
		{"missing", "", "", "missing"},
		{"wrong secret", Sign("whsec_other", "", body), "", "bad signature"},
		{"timestamp not signed", Sign(src.Secret, "", body), ts, "bad signature"},
		{"stale", Sign(src.Secret, "1799999000", body), "1799999000", "minutes off"},
		{"future", Sign(src.Secret, "1800000400", body), "1800000400", "minutes off"},
		{"malformed timestamp", Sign(src.Secret, "soon", body), "soon", "malformed"},
		{"uppercase hex", strings.ToUpper(Sign(src.Secret, "", body)), "", "bad signature"},
	} {
		if got := src.Verify(tc.sig, tc.ts, body, now); tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestFormParse(t *testing.T) {
	t.Parallel()
	ok := DefaultForm()
	ok.Name, ok.Slug = "Site", "Site-Form"
	s, errs := ok.parse()
	if errs != nil || s.Slug != "site-form" || s.MapContactName != "name, contact_name" || s.RatePerMinute != DefaultRate {
		t.Fatalf("default form: %+v %v", s, errs)
	}
	for field, edit := range map[string]func(*Form){
		"name":             func(f *Form) { f.Name = " " },
		"slug":             func(f *Form) { f.Slug = "no spaces" },
		"landing_stage":    func(f *Form) { f.LandingStage = "won" },
		"map_email":        func(f *Form) { f.MapEmail = "" },
		"map_note":         func(f *Form) { f.MapNote = "a b" },
		"thank_you_url":    func(f *Form) { f.ThankYouURL = "javascript:alert(1)" },
		"rate_per_minute":  func(f *Form) { f.RatePerMinute = "0" },
		"default_campaign": func(f *Form) { f.DefaultCampaignID = "x" },
	} {
		f := ok
		edit(&f)
		if _, errs := f.parse(); errs[field] == "" {
			t.Errorf("%s: no refusal (%v)", field, errs)
		}
	}
}

func TestMapping(t *testing.T) {
	t.Parallel()
	src := Source{MapCompany: "company, org", MapContactName: "name, contact_name", MapEmail: "email",
		MapNote: "message", Name: "Site"}
	in := src.lead(Fields{"org": " Org Co ", "contact_name": "Cy", "email": " CY@Org.Example "})
	if in.Company != "Org Co" || in.ContactName != "Cy" || in.Email != "cy@org.example" {
		t.Errorf("mapped %+v", in)
	}
	if p := src.problems(src.lead(Fields{"name": "N", "email": "nope"})); p["company"] == "" || p["email"] == "" {
		t.Errorf("problems by posted name: %v", p)
	}
	if n := src.note(Fields{"message": strings.Repeat("é", 5000)}, false); len([]rune(n)) != 4000 {
		t.Errorf("note of %d characters", len([]rune(n)))
	}
}
