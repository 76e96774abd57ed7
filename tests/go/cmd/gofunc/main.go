// Command gofunc is a Lambda function built with aws-lambda-go's lambda.Start, the reference the
// TypeScript runtime is compared with. Its behaviour is chosen by the event's "op" field, like
// the TypeScript fixture tests/runtime/fixtures/ops.ts.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

// MyErr is a custom error type; aws-lambda-go reports its type name.
type MyErr struct{ msg string }

func (e *MyErr) Error() string { return e.msg }

type event struct {
	Op      string          `json:"op"`
	Message string          `json:"message"`
	Value   json.RawMessage `json:"value"`
}

func handle(ctx context.Context, ev event) (any, error) {
	switch ev.Op {
	case "echo":
		return ev.Value, nil
	case "throwNoStack":
		return nil, &MyErr{ev.Message}
	case "html":
		return map[string]string{"html": "<a href=\"x\">&</a>"}, nil
	case "nil":
		return nil, nil
	case "context":
		lc, _ := lambdacontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		return map[string]any{
			"awsRequestId":       lc.AwsRequestID,
			"invokedFunctionArn": lc.InvokedFunctionArn,
			"tenantId":           lc.TenantID,
			"identity":           lc.Identity,
			"clientContext":      lc.ClientContext,
			"deadlineMs":         deadline.UnixMilli(),
			"traceEnv":           os.Getenv("_X_AMZN_TRACE_ID"),
			"functionName":       lambdacontext.FunctionName,
			"memoryLimitInMB":    lambdacontext.MemoryLimitInMB,
		}, nil
	}
	return ev.Value, nil
}

func main() { lambda.Start(handle) }
