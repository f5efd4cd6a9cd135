"""
Requests HTTP library (a stand-in for the real package, written for slsguard's tests).

Usage::

   >>> import requests
   >>> s = requests.Session()
   >>> s.auth = ("user", "pass")
   >>> headers = {"Authorization": "token ghp_19FlY0mG1ylvuhfJXqIEnomef2mSJ5411bGA"}
   >>> proxies = {"https": "http://proxyuser:proxy-pass-9x@10.10.1.10:3128"}
"""

api_key = "k7Qz-93mXv-Lp2w-8RtN"
_test_password = "hunter2-prod-9x"

__version__ = "2.31.0"
