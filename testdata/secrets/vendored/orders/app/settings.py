import os

DB_URL = os.environ["DB_URL"]
# Planted for the test: the app's own hardcoded password is reported.
admin_password = "Tq7-vLm2pZ9xK4rW"
