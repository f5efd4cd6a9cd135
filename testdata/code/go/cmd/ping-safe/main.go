package main

import (
	"log"
	"net/http"
	"os"
	"os/exec"

	"example.com/orders/internal/store"
	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

var apiToken = os.Getenv("API_TOKEN")

var client = &http.Client{}

func handler(req events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	host := req.QueryStringParameters["host"]
	out, err := exec.Command("ping", "-c", "1", host).Output()
	if err != nil {
		log.Printf("ping: %v", err)
		return events.APIGatewayProxyResponse{StatusCode: 500, Body: "internal error"}, nil
	}
	order, _ := store.FindSafe(req.PathParameters["id"])
	return events.APIGatewayProxyResponse{StatusCode: 200, Body: string(out) + order + apiToken}, nil
}

func main() {
	_ = client
	lambda.Start(handler)
}
