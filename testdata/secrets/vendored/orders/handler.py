import json

import requests

from app.settings import DB_URL

# Planted for the test: a live Stripe key in the function's own code is reported.
STRIPE_KEY = "sk_live_Zqumpm08hsE8JNpjJOQGa2rb"


def handler(event, context):
    r = requests.post("https://api.stripe.com/v1/charges", auth=(STRIPE_KEY, ""), data=json.loads(event["body"]))
    return {"statusCode": r.status_code, "body": DB_URL}
