package components

import "net/url"

// QueryWithout copies q without the keys drop, for links that change one
// filter or page of a list and keep the rest.
func QueryWithout(q url.Values, drop ...string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	for _, k := range drop {
		out.Del(k)
	}
	return out
}
