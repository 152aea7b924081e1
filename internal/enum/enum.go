// Package enum holds what Tandem's closed sets of string values (stages,
// teams, sentiments, severities…) share: a declared list checked by Valid,
// and display names kept as data next to the values rather than in a
// switch per type.
package enum

import "slices"

// Labels names each value of a set for people.
type Labels[T ~string] map[T]string

// Of is v's label; a value without one reads as itself, so a value stored
// by a newer version still shows.
func (l Labels[T]) Of(v T) string {
	if s, ok := l[v]; ok {
		return s
	}
	return string(v)
}

// Valid reports whether v is one of the declared values.
func Valid[T comparable](declared []T, v T) bool { return slices.Contains(declared, v) }
