module gopherless.test/peers

go 1.26

require (
	github.com/aws/aws-lambda-go v1.55.1
	go.opentelemetry.io/proto/otlp v1.5.0
	google.golang.org/protobuf v1.36.1
)
