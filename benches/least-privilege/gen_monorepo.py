#!/usr/bin/env python3
"""Generates a deterministic monorepo of N Lambda functions for the least-privilege benchmark.

Each service directory holds a serverless.yml (or, one in three, a SAM template) with a few
functions, each with its own handler file that imports a shared helper module of the service;
handlers make AWS SDK calls (boto3 and JS SDK v3) on tables, buckets and queues named through
environment variables the manifest sets, and roles range from over-broad (`dynamodb:*` on `*`,
AWS managed full-access policies) to minimal. Same N and seed, same bytes.

usage: benches/least-privilege/gen_monorepo.py OUT [--functions 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

PER_SERVICE = 5

PY_CALLS = [
    "table.put_item(Item=item)",
    "table.get_item(Key={'id': item['id']})",
    "table.query(KeyConditionExpression='id = :id')",
    "s3.put_object(Bucket=BUCKET, Key='in/' + item['id'], Body=b'')",
    "s3.get_object(Bucket=BUCKET, Key='config.json')",
    "sqs.send_message(QueueUrl=QUEUE_URL, MessageBody='x')",
]
JS_CALLS = [
    "await doc.send(new PutCommand({ TableName: process.env.TABLE, Item: event }))",
    "await doc.send(new GetCommand({ TableName: process.env.TABLE, Key: { id: event.id } }))",
    "await s3.send(new PutObjectCommand({ Bucket: process.env.BUCKET, Key: `in/${event.id}`, Body: '' }))",
    "await s3.send(new GetObjectCommand({ Bucket: process.env.BUCKET, Key: 'config.json' }))",
    "await sqs.send(new SendMessageCommand({ QueueUrl: process.env.QUEUE_URL, MessageBody: 'x' }))",
]
BROAD = """      statements:
        - Effect: Allow
          Action: [dynamodb:*, s3:*, sqs:*]
          Resource: "*"
"""
MINIMAL = """      statements:
        - Effect: Allow
          Action: [dynamodb:PutItem, dynamodb:GetItem, dynamodb:Query]
          Resource: arn:aws:dynamodb:${aws:region}:${aws:accountId}:table/t-%(i)d
        - Effect: Allow
          Action: [s3:PutObject, s3:GetObject]
          Resource: arn:aws:s3:::b-%(i)d/*
"""


def python_service(d: Path, i: int, rng: random.Random) -> None:
    (d / "lib").mkdir(parents=True)
    (d / "lib" / "__init__.py").write_text("")
    (d / "lib" / "aws.py").write_text(
        "import os\n\nimport boto3\n\n"
        "table = boto3.resource('dynamodb').Table(os.environ['TABLE'])\n"
        "s3 = boto3.client('s3')\nsqs = boto3.client('sqs')\n"
        "BUCKET = os.environ['BUCKET']\nQUEUE_URL = os.environ['QUEUE_URL']\n"
    )
    fns = []
    for f in range(PER_SERVICE):
        calls = rng.sample(PY_CALLS, 3)
        body = "\n".join(f"    {c}" for c in calls)
        (d / f"fn{f}.py").write_text(
            "from lib.aws import table, s3, sqs, BUCKET, QUEUE_URL\n\n\n"
            f"def handler(event, context):\n    item = event\n{body}\n    return {{'ok': True}}\n"
        )
        fns.append(f"  fn{f}:\n    handler: fn{f}.handler\n")
    role = BROAD if i % 2 == 0 else MINIMAL % {"i": i}
    (d / "serverless.yml").write_text(
        f"service: svc{i}\nprovider:\n  name: aws\n  runtime: python3.12\n"
        f"  environment:\n    TABLE: t-{i}\n    BUCKET: b-{i}\n"
        f"    QUEUE_URL: https://sqs.eu-west-1.amazonaws.com/123456789012/q-{i}\n"
        f"  iam:\n    role:\n{role}functions:\n" + "".join(fns)
    )


def node_service(d: Path, i: int, rng: random.Random) -> None:
    (d / "src").mkdir(parents=True)
    (d / "src" / "aws.mjs").write_text(
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';\n"
        "import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';\n"
        "import { S3Client } from '@aws-sdk/client-s3';\nimport { SQSClient } from '@aws-sdk/client-sqs';\n"
        "export const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));\n"
        "export const s3 = new S3Client({});\nexport const sqs = new SQSClient({});\n"
    )
    resources = []
    for f in range(PER_SERVICE):
        calls = rng.sample(JS_CALLS, 3)
        body = "\n".join(f"  {c};" for c in calls)
        (d / "src" / f"fn{f}.mjs").write_text(
            "import { PutCommand, GetCommand } from '@aws-sdk/lib-dynamodb';\n"
            "import { PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';\n"
            "import { SendMessageCommand } from '@aws-sdk/client-sqs';\n"
            "import { doc, s3, sqs } from './aws.mjs';\n\n"
            f"export const handler = async (event) => {{\n{body}\n  return {{ ok: true }};\n}};\n"
        )
        policies = "        - AmazonDynamoDBFullAccess\n        - AmazonS3FullAccess\n" if f % 2 == 0 else (
            "        - DynamoDBCrudPolicy:\n            TableName: !Ref Table\n"
        )
        resources.append(
            f"  Fn{f}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: nodejs20.x\n"
            f"      CodeUri: src/\n      Handler: fn{f}.handler\n      Environment:\n        Variables:\n"
            f"          TABLE: !Ref Table\n          BUCKET: !Ref Bucket\n          QUEUE_URL: !Ref Queue\n"
            f"      Policies:\n{policies}"
        )
    (d / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Table:\n    Type: AWS::DynamoDB::Table\n  Bucket:\n    Type: AWS::S3::Bucket\n"
        "  Queue:\n    Type: AWS::SQS::Queue\n" + "".join(resources)
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--functions", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    rng = random.Random(args.seed)
    for i in range((args.functions + PER_SERVICE - 1) // PER_SERVICE):
        d = out / f"services/svc{i:04d}"
        (python_service if i % 3 else node_service)(d, i, rng)
    print(f"{out}: {args.functions} functions")


if __name__ == "__main__":
    main()
