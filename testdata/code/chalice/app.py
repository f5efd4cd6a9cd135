import subprocess
import traceback

import requests
from chalice import Chalice, IAMAuthorizer, Response

from chalicelib import db

app = Chalice(app_name="orders-chalice")
iam = IAMAuthorizer()

PARTNER_API_KEY = "Pz5Lq8Wx2Tv7Rm4Kn9Yb"


@app.authorizer()
def token_auth(auth_request):
    return db.check_token(auth_request.token)


@app.route("/orders/{order_id}", methods=["GET"])
def get_order(order_id):
    return db.find(order_id)


@app.route("/orders", methods=["POST"], authorizer=iam)
def create_order():
    body = app.current_request.json_body
    subprocess.run(f"notify-partner {body['email']}", shell=True)
    return {"ok": True}


@app.route("/partner", methods=["GET"], authorizer=token_auth)
def partner():
    try:
        r = requests.get("https://partner.example.com/api", verify=False, headers={"x-api-key": PARTNER_API_KEY})
        return r.json()
    except Exception:
        return Response(body=traceback.format_exc(), status_code=500)


@app.lambda_function(name="nightly")
def nightly(event, context):
    return db.cleanup()


@app.on_s3_event(bucket="orders-uploads")
def on_upload(event):
    return db.record(event.key)
