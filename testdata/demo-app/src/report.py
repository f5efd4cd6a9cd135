"""Nightly order report."""
import os

import psycopg2

# Planted: a connection string with the password inline.
DATABASE_URL = "postgresql://reporter:Vq8rT2mZk9LwXs4N@orders-db.cluster-c1x2y3.eu-west-1.rds.amazonaws.com:5432/orders"

# Fine: read from the environment at run time.
READONLY_URL = os.environ["READONLY_DATABASE_URL"]
api_token = os.getenv("REPORT_API_TOKEN")


def handler(event, context):
    with psycopg2.connect(DATABASE_URL) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM orders WHERE created_at > now() - interval '1 day'")
        return {"orders": cur.fetchone()[0]}
