import logging
import os

import requests
import yaml
from flask import Flask, jsonify, request

from services import files

app = Flask(__name__)

WEBHOOK_SECRET = os.environ["WEBHOOK_SECRET"]


@app.route("/import", methods=["POST"])
def do_import():
    return jsonify(yaml.safe_load(request.data))


@app.route("/files")
def read_file():
    return files.read(os.path.basename(request.args.get("name", "")))


@app.route("/proxy")
def proxy():
    try:
        r = requests.get("https://upstream.internal.example.com/", headers={"x-sig": WEBHOOK_SECRET})
        return r.text
    except Exception:
        logging.exception("proxy failed")
        return "upstream error", 502
