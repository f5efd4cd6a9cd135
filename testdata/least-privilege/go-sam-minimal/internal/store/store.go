package store

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

func MarkArchived(ctx context.Context, cfg aws.Config) error {
	db := dynamodb.NewFromConfig(cfg)
	_, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(os.Getenv("TABLE"))})
	return err
}
