package kpis

import (
	"github.com/a-h/templ"

	"tandem/internal/kpi"
	"tandem/web/components"
)

// tileGrids keeps the KPI tiles of the snapshots in use as HTML: every
// viewer of a period sees the same tiles until the next refresh.
var tileGrids = components.NewFragments[tileGridKey](64)

// tileGridKey names a snapshot by its KPIs: the snapshot cache hands out
// the same slice until a refresh replaces it, and a snapshot read afresh
// is a new slice, so a key never outlives the numbers it was rendered from.
type tileGridKey struct {
	first           *kpi.Series
	n               int
	query, currency string
}

// TilesOf is the tiles of d's KPIs, linked to the period of query pq, with
// money in currency.
func TilesOf(d kpi.Snapshot, pq, currency string) templ.Component {
	build := func() templ.Component {
		tiles := make([]Tile, 0, len(d.KPIs))
		for _, s := range d.KPIs {
			tiles = append(tiles, TileOf(s, pq, d.Signs, currency))
		}
		return tileGrid(tiles)
	}
	if len(d.KPIs) == 0 {
		return build()
	}
	return tileGrids.Of(tileGridKey{&d.KPIs[0], len(d.KPIs), pq, currency}, "", build)
}
