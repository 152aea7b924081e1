package leads

import (
	"cmp"
	"net/url"
	"strconv"
	"strings"
	"time"

	"tandem/internal/validate"
)

// filterKeys are the list's query-string filters.
var filterKeys = []string{"q", "stage", "owner", "sla", "campaign", "created_from", "created_to", "handed_from", "handed_to", "sort", "reason"}

// ParseFilter reads the list filters from a query string for user meID.
// Dates are calendar days in loc; "to" days are inclusive. It returns the
// filter, the values as typed (to show the form again) and why any of
// them was refused, keyed by field; a refused filter is left out.
func ParseFilter(q url.Values, meID int64, loc *time.Location) (Filter, map[string]string, FieldErrors) {
	form := map[string]string{}
	for _, k := range filterKeys {
		form[k] = strings.TrimSpace(q.Get(k))
	}
	errs := FieldErrors{}
	f := Filter{Query: form["q"], Sort: form["sort"], After: q.Get("after")}
	if msg := CheckQuery(f.Query); msg != "" {
		errs["q"] = msg
		f.Query = ""
	}
	if st := Stage(form["stage"]); st.Valid() {
		f.Stage = st
	} else if form["stage"] != "" {
		errs["stage"] = "Unknown stage."
	}
	parseOwner(&f, form["owner"], meID, errs)
	switch form["sla"] {
	case "", SLABreached, SLAOpen, SLAMet, SLAMissed:
		f.SLA = form["sla"]
	default:
		errs["sla"] = "Unknown SLA state."
	}
	if form["campaign"] != "" {
		if id, ok := positiveID(form["campaign"]); ok {
			f.CampaignID = id
		} else {
			errs["campaign"] = "A campaign id is a positive whole number."
		}
	}
	if r := Reason(form["reason"]); r.Valid() {
		f.Reason = r
	} else if form["reason"] != "" {
		errs["reason"] = "Unknown rejection reason."
	}
	switch f.Sort {
	case "", SortCreated, SortCompany, SortHandedOff, SortRejected:
	default:
		errs["sort"] = "Unknown sort order."
		f.Sort = ""
	}
	f.CreatedFrom = parseDay(form, "created_from", loc, false, errs)
	f.CreatedTo = parseDay(form, "created_to", loc, true, errs)
	f.HandedFrom = parseDay(form, "handed_from", loc, false, errs)
	f.HandedTo = parseDay(form, "handed_to", loc, true, errs)
	return f, form, errs
}

// parseOwner reads the owner filter: "me", "none" (unassigned) or a user id.
func parseOwner(f *Filter, raw string, meID int64, errs FieldErrors) {
	switch raw {
	case "":
	case "me":
		f.OwnerID = meID
	case "none":
		f.Unassigned = true
	default:
		if id, ok := positiveID(raw); ok {
			f.OwnerID = id
		} else {
			errs["owner"] = "Unknown owner."
		}
	}
}

// parseDay reads form[key] as a calendar day in loc; an inclusive end day
// (endOfDay) becomes the start of the next one. Blank is the zero time.
func parseDay(form map[string]string, key string, loc *time.Location, endOfDay bool, errs FieldErrors) time.Time {
	if form[key] == "" {
		return time.Time{}
	}
	d, msg, ok := validate.Day(form[key], loc)
	if !ok {
		errs[key] = cmp.Or(msg, "Enter a date as YYYY-MM-DD.")
		return time.Time{}
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return d
}

// positiveID reads a positive whole number, as ids are.
func positiveID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}
