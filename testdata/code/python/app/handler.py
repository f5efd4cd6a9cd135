import ssl
import subprocess
import traceback
import urllib.request

from orders import repo

API_TOKEN = "Rk4vX8pQ2mZ7tW9sLb3N"


def lambda_handler(event, context):
    host = event["queryStringParameters"]["host"]
    try:
        out = subprocess.run(f"ping -c 1 {host}", shell=True, capture_output=True)
        order = repo.find(event["pathParameters"]["id"])
        ctx = ssl._create_unverified_context()
        urllib.request.urlopen("https://audit.internal.example.com/", context=ctx)
        return {"statusCode": 200, "body": out.stdout.decode() + str(order)}
    except Exception:
        return {"statusCode": 500, "body": traceback.format_exc()}
