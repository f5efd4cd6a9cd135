import os

import boto3

# Lambda polls the queue itself: the code only stores what it receives.
table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    for record in event.get("Records", []):
        table.put_item(Item={"id": record["messageId"], "body": record["body"]})
