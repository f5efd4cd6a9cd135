import os

import boto3

s3 = boto3.client("s3")
events = boto3.client("sqs")
BUCKET = os.environ["BUCKET"]


def save_receipt(order_id, body):
    s3.put_object(Bucket=BUCKET, Key=f"receipts/{order_id}.json", Body=body)


def receipts():
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="receipts/")
    return [o["Key"] for p in pages for o in p.get("Contents", [])]
