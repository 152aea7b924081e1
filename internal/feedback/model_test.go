package feedback

import (
	"errors"
	"slices"
	"testing"

	"tandem/internal/users"
)

var personas = []struct {
	name   string
	user   users.User
	triage bool
}{
	{"sales member", users.User{Team: users.Sales, Role: users.Member}, false},
	{"service member", users.User{Team: users.Service, Role: users.Member}, false},
	{"marketing member", users.User{Team: users.Marketing, Role: users.Member}, true},
	{"sales manager", users.User{Team: users.Sales, Role: users.Manager}, true},
	{"service manager", users.User{Team: users.Service, Role: users.Manager}, true},
	{"marketing manager", users.User{Team: users.Marketing, Role: users.Manager}, true},
	{"admin", users.User{Team: users.Sales, Role: users.Admin}, true},
}

func TestStatusMachinePerRole(t *testing.T) {
	t.Parallel()
	allowed := map[[2]Status]bool{
		{New, Acknowledged}: true, {New, Planned}: true, {New, ActedOn}: true, {New, Declined}: true,
		{Acknowledged, Planned}: true, {Acknowledged, ActedOn}: true, {Acknowledged, Declined}: true,
		{Planned, ActedOn}: true, {Planned, Declined}: true,
		{Declined, Acknowledged}: true, // reopen
	}
	for _, p := range personas {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			if CanTriage(p.user) != p.triage {
				t.Fatalf("CanTriage = %v, want %v", !p.triage, p.triage)
			}
			for _, from := range Statuses {
				for _, to := range slices.Concat(Statuses, []Status{"bogus"}) {
					err := CheckMove(p.user, from, to)
					var fe FieldErrors
					switch {
					case !p.triage:
						if !errors.Is(err, ErrNotTriager) {
							t.Errorf("%s → %s: %v, want ErrNotTriager", from, to, err)
						}
					case allowed[[2]Status{from, to}]:
						if err != nil {
							t.Errorf("%s → %s refused: %v", from, to, err)
						}
					default:
						if !errors.As(err, &fe) || fe["status"] == "" {
							t.Errorf("%s → %s: %v, want a status field error", from, to, err)
						}
					}
				}
			}
		})
	}
}

func TestIllegalMoveMessagesNameTheWayOut(t *testing.T) {
	t.Parallel()
	marketer := users.User{Team: users.Marketing, Role: users.Member}
	cases := []struct {
		from, to Status
		want     string
	}{
		{Planned, New, "An item that is planned can move to acted on, declined, not to new."},
		{ActedOn, Declined, "The item is acted on; it cannot change status any more."},
		{New, New, "An item that is new can move to acknowledged, planned, acted on, declined, not to new."},
	}
	for _, tc := range cases {
		var fe FieldErrors
		if err := CheckMove(marketer, tc.from, tc.to); !errors.As(err, &fe) || fe["status"] != tc.want {
			t.Errorf("%s → %s: %v, want %q", tc.from, tc.to, err, tc.want)
		}
	}
}

func TestInputValidation(t *testing.T) {
	t.Parallel()
	good := Input{Customer: "Acme", Product: "Fleet Portal", Theme: "3", Sentiment: "negative",
		ChainLink: "promise", Words: "You said it was free."}
	cases := []struct {
		name  string
		edit  func(*Input)
		field string
	}{
		{"valid", func(*Input) {}, ""},
		{"no customer", func(in *Input) { in.Customer = "  " }, "customer"},
		{"long customer", func(in *Input) { in.Customer = string(make([]rune, 201)) }, "customer"},
		{"no product", func(in *Input) { in.Product = "" }, "product"},
		{"no theme", func(in *Input) { in.Theme = "" }, "theme"},
		{"bad theme", func(in *Input) { in.Theme = "x" }, "theme"},
		{"bad sentiment", func(in *Input) { in.Sentiment = "angry" }, "sentiment"},
		{"bad link", func(in *Input) { in.ChainLink = "delivery" }, "chain_link"},
		{"no words", func(in *Input) { in.Words = "" }, "words"},
		{"bad lead", func(in *Input) { in.Lead = "twelve" }, "lead"},
		{"lead with hash is fine", func(in *Input) { in.Lead = "#12" }, ""},
		{"bad campaign", func(in *Input) { in.Campaign = "-4" }, "campaign"},
	}
	for _, tc := range cases {
		in := good
		tc.edit(&in)
		in.Normalize()
		_, errs := in.validate()
		switch {
		case tc.field == "" && errs != nil:
			t.Errorf("%s: unexpected errors %v", tc.name, errs)
		case tc.field != "" && errs[tc.field] == "":
			t.Errorf("%s: no error on %s (got %v)", tc.name, tc.field, errs)
		case tc.field != "" && len(errs) != 1:
			t.Errorf("%s: errors on other fields too: %v", tc.name, errs)
		}
	}
}
