import logging
import os
import subprocess
import urllib.request

from orders import repo_safe

API_TOKEN = os.environ["API_TOKEN"]


def lambda_handler(event, context):
    host = event["queryStringParameters"]["host"]
    try:
        out = subprocess.run(["ping", "-c", "1", host], capture_output=True)
        order = repo_safe.find(event["pathParameters"]["id"])
        urllib.request.urlopen("https://audit.internal.example.com/")
        return {"statusCode": 200, "body": out.stdout.decode() + str(order)}
    except Exception:
        logging.exception("ping failed")
        return {"statusCode": 500, "body": "internal error"}
