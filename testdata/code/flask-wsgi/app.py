import requests
import yaml
from flask import Flask, jsonify, request

from services import files

app = Flask(__name__)

WEBHOOK_SECRET = "Hq8Zr3Wv6Xm1Tp9Ks4Ln"


@app.route("/import", methods=["POST"])
def do_import():
    return jsonify(yaml.load(request.data, Loader=yaml.Loader))


@app.route("/files")
def read_file():
    return files.read(request.args.get("name"))


@app.route("/proxy")
def proxy():
    try:
        r = requests.get("https://upstream.internal.example.com/", verify=False, headers={"x-sig": WEBHOOK_SECRET})
        return r.text
    except Exception as e:
        return str(e), 500
