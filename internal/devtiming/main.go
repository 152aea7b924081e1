package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"tandem/internal/db"
	"tandem/internal/kpi"
)

func main() {
	ctx := context.Background()
	pool, _ := db.Open(ctx, os.Args[1], 4)
	e := kpi.NewEngine(pool, time.UTC)
	for _, kind := range []kpi.Kind{kpi.Month} {
		for _, d := range kpi.Definitions {
			if d.Key == kpi.Alignment {
				continue
			}
			t := time.Now()
			_, err := e.Series(ctx, d.Key, kind, time.Now(), 12)
			fmt.Printf("%-16s %-8s %8.1f ms %v\n", d.Key, kind, float64(time.Since(t).Microseconds())/1000, err)
		}
	}
	t := time.Now()
	_, err := e.Trouble(ctx)
	fmt.Printf("trouble %8.1f ms %v\n", float64(time.Since(t).Microseconds())/1000, err)
	t = time.Now()
	_, err = e.Todos(ctx, "sales", 1, "sales", true)
	fmt.Printf("todos %8.1f ms %v\n", float64(time.Since(t).Microseconds())/1000, err)
	t = time.Now()
	_, err = e.Launches(ctx, 14)
	fmt.Printf("launches %8.1f ms %v\n", float64(time.Since(t).Microseconds())/1000, err)
}
