// Package components holds the templ building blocks every page shares: the
// layout, navigation, flash messages, form fields and error pages.
package components

import "time"

// Page is what the layout needs to know about the request: every page's
// view model carries one.
type Page struct {
	Title string
	// Nav is the key of the active navigation entry.
	Nav  string
	User *User
	CSRF string
	// FormToken is the one-time token a create form on this page carries
	// (components.FormTokenField).
	FormToken string
	Flash     *Flash
	// Unread is the signed-in user's unread notification count.
	Unread int
	// PendingNotices is how many announced campaign notices the signed-in
	// sales or service user has yet to acknowledge; shown in a banner.
	PendingNotices int
	// PinnedAlerts are critical product alerts the signed-in user has not
	// acknowledged, pinned below the header on every page.
	PinnedAlerts []PinnedAlert
	// Currency is the ISO 4217 code of every amount on the page (the
	// admin setting); see Money.
	Currency string
}

// PinnedAlert is a critical product alert in the banner.
type PinnedAlert struct {
	ID       int64
	Headline string
	Product  string
}

// User is the signed-in person as the header shows them.
type User struct {
	Name     string
	Team     string
	Role     string
	Admin    bool
	Location *time.Location
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind    string // info, success, error
	Message string
	// Link is a one-time link shown with the message (a set-password
	// link), kept server-side until this page shows it.
	Link string
}

// NavItem is one entry of the main navigation.
type NavItem struct {
	Key   string
	Label string
	Href  string
}

// NavItems lists the areas that exist, in order. Each area adds itself here
// when it lands; there are no placeholder entries.
var NavItems = []NavItem{
	{Key: "overview", Label: "Overview", Href: "/"},
	{Key: "leads", Label: "Leads", Href: "/leads"},
	{Key: "campaigns", Label: "Campaigns", Href: "/campaigns"},
	{Key: "feedback", Label: "Feedback", Href: "/feedback"},
	{Key: "kpis", Label: "KPIs", Href: "/kpis"},
	{Key: "digests", Label: "Digest", Href: "/digests"},
}

// SubLink is one entry of an area's sub-navigation.
type SubLink struct {
	Key   string
	Label string
	Href  string
}
