// Command goconcurrent is the aws-lambda-go twin of benchmarks/functions/managed_instances.ts,
// for benchmarks of concurrent environments: with AWS_LAMBDA_MAX_CONCURRENCY > 1 aws-lambda-go
// (v1.55, Go >= 1.22) runs one Runtime API loop per unit of concurrency, as goroutines over all
// cores. Event {"op":"cpu","items":[...]}: walk the items, transform each, return the result
// (serialized by aws-lambda-go); {"op":"io"}: wait 20 ms.
package main

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"gopherless.test/peers/internal/cpuevent"
)

type event struct {
	Op    string          `json:"op"`
	Items []cpuevent.Item `json:"items"`
}

type out struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Total float64  `json:"total"`
	Tags  []string `json:"tags"`
	Owner string   `json:"owner"`
	Score int      `json:"score"`
}

type result struct {
	Count    int   `json:"count"`
	Checksum int   `json:"checksum"`
	Items    []out `json:"items"`
}

func handle(ctx context.Context, e event) (any, error) {
	if e.Op == "io" {
		time.Sleep(20 * time.Millisecond)
		return map[string]bool{"ok": true}, nil
	}
	r := result{Items: make([]out, 0, len(e.Items))}
	for _, it := range e.Items {
		total := 0.0
		for _, v := range it.Values {
			total += v
		}
		tags := []string{}
		for _, t := range it.Tags {
			if len(t) > 3 {
				tags = append(tags, strings.ToUpper(t)+"!")
			}
		}
		score := (int(total)*31 + it.ID) % 1000
		r.Checksum = (r.Checksum + score) % 1000003
		r.Items = append(r.Items, out{
			ID: it.ID, Name: strings.ToUpper(it.Name), Total: total, Tags: tags,
			Owner: it.Meta["owner"], Score: score,
		})
	}
	r.Count = len(r.Items)
	return r, nil
}

func main() { lambda.Start(handle) }
