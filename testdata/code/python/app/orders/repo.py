import sqlite3


def find(order_id):
    conn = sqlite3.connect("/tmp/orders.db")
    return conn.execute(f"SELECT * FROM orders WHERE id = '{order_id}'").fetchall()
