import sqlite3


def find(order_id):
    conn = sqlite3.connect("/tmp/orders.db")
    return conn.execute("SELECT * FROM orders WHERE id = '%s'" % order_id).fetchall()


def check_token(token):
    return {"principalId": "user", "token": token}


def cleanup():
    return None


def record(key):
    return key
