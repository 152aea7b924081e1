package feedback

import (
	"testing"
	"time"

	"tandem/internal/feedback"
	"tandem/web/components"
)

func TestOwnerEventsReadAsSentences(t *testing.T) {
	p := components.Page{User: &components.User{Name: "Mia Novak", Location: time.UTC}}
	for _, tc := range []struct {
		name, actor, owner, want string
	}{
		{"assigned to someone else", "Mia Novak", "Jonas Weber", "Mia Novak made Jonas Weber the owner."},
		{"took it themselves", "Mia Novak", "Mia Novak", "Mia Novak took ownership."},
		{"removed", "Mia Novak", "", "Mia Novak removed the owner."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := EventOf(p, feedback.Event{Kind: feedback.EventOwner, ActorName: tc.actor, OwnerName: tc.owner, At: time.Now()})
			if got.Text != tc.want {
				t.Errorf("text %q, want %q", got.Text, tc.want)
			}
		})
	}
}
