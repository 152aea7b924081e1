package feedback

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"tandem/internal/validate"
)

// FieldErrors is the shared field-to-message map of refused input.
type FieldErrors = validate.FieldErrors

// Text limits in characters, the same as the table's checks, rendered as
// maxlength. Go counts runes, the browser UTF-16 units, which differ only
// for characters such as some emoji: close enough.
const (
	MaxCustomer = 200
	MaxProduct  = 100
	MaxText     = 4000
	MaxTheme    = 80
	MaxThemeDoc = 300
	MaxRef      = 20 // an item number as typed, "#123"
)

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// Input is a new item as typed into the form: strings, so a refused form
// comes back exactly as the user left it.
type Input struct {
	Customer  string
	Lead      string // lead id, optional
	Campaign  string // campaign id, optional
	Product   string
	Theme     string // theme id
	Sentiment string
	ChainLink string
	Words     string // the customer's own words
	Note      string // the reporter's note
}

// parsed is Input after validation.
type parsed struct {
	Customer   string
	LeadID     *int64
	CampaignID *int64
	Product    string
	ThemeID    int64
	Sentiment  Sentiment
	ChainLink  ChainLink
	Words      string
	Note       string
}

// Normalize trims the input.
func (in *Input) Normalize() {
	for _, f := range []*string{&in.Customer, &in.Lead, &in.Campaign, &in.Product, &in.Theme,
		&in.Sentiment, &in.ChainLink, &in.Words, &in.Note} {
		*f = strings.TrimSpace(*f)
	}
	in.Lead = strings.TrimPrefix(in.Lead, "#")
	in.Campaign = strings.TrimPrefix(in.Campaign, "#")
}

// validate checks the input field by field; references to other rows
// (theme, lead, campaign) are checked against the database by the store.
func (in Input) validate() (parsed, FieldErrors) {
	errs := FieldErrors{}
	p := parsed{Customer: in.Customer, Product: in.Product, Sentiment: Sentiment(in.Sentiment),
		ChainLink: ChainLink(in.ChainLink), Words: in.Words, Note: in.Note}
	switch {
	case in.Customer == "":
		errs["customer"] = "Enter the customer (company) the feedback came from."
	case tooLong(in.Customer, MaxCustomer):
		errs["customer"] = fmt.Sprintf("Keep the customer name under %d characters.", MaxCustomer)
	}
	switch {
	case in.Product == "":
		errs["product"] = "Enter the product the feedback is about."
	case tooLong(in.Product, MaxProduct):
		errs["product"] = fmt.Sprintf("Keep the product name under %d characters.", MaxProduct)
	}
	if id, ok := ParseID(in.Theme); ok {
		p.ThemeID = id
	} else {
		errs["theme"] = "Choose a theme."
	}
	if !p.Sentiment.Valid() {
		errs["sentiment"] = "Choose how the customer felt: negative, neutral or positive."
	}
	if !p.ChainLink.Valid() {
		errs["chain_link"] = "Choose the link of the chain: promise, expectation or experience."
	}
	switch {
	case in.Words == "":
		errs["words"] = "Write down what the customer said, in their own words."
	case tooLong(in.Words, MaxText):
		errs["words"] = fmt.Sprintf("Keep the customer's words under %d characters.", MaxText)
	}
	if tooLong(in.Note, MaxText) {
		errs["note"] = fmt.Sprintf("Keep your note under %d characters.", MaxText)
	}
	if in.Lead != "" {
		if id, ok := ParseID(in.Lead); ok {
			p.LeadID = &id
		} else {
			errs["lead"] = "Enter the lead's number (e.g. 1042), or leave it empty."
		}
	}
	if in.Campaign != "" {
		if id, ok := ParseID(in.Campaign); ok {
			p.CampaignID = &id
		} else {
			errs["campaign"] = "Enter the campaign's number (e.g. 12), or leave it empty."
		}
	}
	if len(errs) > 0 {
		return p, errs
	}
	return p, nil
}

// ParseID reads a positive id.
func ParseID(s string) (int64, bool) {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n, err == nil && n > 0
}

// ParseRef reads an item's number as people write it, "42" or "#42"; 0
// when it is not one.
func ParseRef(s string) int64 {
	if id, ok := ParseID(strings.TrimPrefix(strings.TrimSpace(s), "#")); ok {
		return id
	}
	return 0
}

// ParseOwner reads the owner form's choice: an owner's id, or 0 for none.
func ParseOwner(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	id, ok := ParseID(s)
	if !ok {
		return 0, FieldErrors{"owner": "Choose an owner from the list."}
	}
	return id, nil
}
