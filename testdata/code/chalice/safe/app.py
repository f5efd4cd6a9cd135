import logging
import os
import shlex
import subprocess

import requests
from chalice import Chalice, IAMAuthorizer, Response

from chalicelib import db

app = Chalice(app_name="orders-chalice-safe")
iam = IAMAuthorizer()

PARTNER_API_KEY = os.environ.get("PARTNER_API_KEY", "")


@app.route("/orders/{order_id}", methods=["GET"], authorizer=iam)
def get_order(order_id):
    return db.find(order_id)


@app.route("/orders", methods=["POST"], authorizer=iam)
def create_order():
    body = app.current_request.json_body
    subprocess.run(f"notify-partner {shlex.quote(body['email'])}", shell=True)
    return {"ok": True}


@app.route("/partner", methods=["GET"], authorizer=iam)
def partner():
    try:
        r = requests.get("https://partner.example.com/api", headers={"x-api-key": PARTNER_API_KEY})
        return r.json()
    except Exception:
        logging.exception("partner call failed")
        return Response(body="partner unavailable", status_code=502)
