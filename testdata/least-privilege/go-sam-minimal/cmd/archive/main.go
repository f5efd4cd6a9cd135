package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"example.com/archive/internal/store"
)

var client *s3.Client

func handler(ctx context.Context) error {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	client = s3.NewFromConfig(cfg)
	_, err = client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(os.Getenv("ARCHIVE_BUCKET")), Key: aws.String("archive/latest.json")})
	if err != nil {
		return err
	}
	manifest := fmt.Sprintf("manifests/%s.json", os.Getenv("STAGE"))
	_, err = client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(os.Getenv("ARCHIVE_BUCKET")), Key: aws.String(manifest)})
	if err != nil {
		return err
	}
	return store.MarkArchived(ctx, cfg)
}

func main() {
	lambda.Start(handler)
}
