import json
import os

import boto3

from lib.store import save_receipt, events

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
QUEUE_URL = os.environ["QUEUE_URL"]


def create(event, context):
    order = json.loads(event["body"])
    table.put_item(Item=order)
    existing = table.get_item(Key={"id": order["id"]})
    save_receipt(order["id"], json.dumps(order))
    events.send_message(QueueUrl=QUEUE_URL, MessageBody=json.dumps(order))
    return {"statusCode": 201, "body": json.dumps(existing.get("Item"))}
