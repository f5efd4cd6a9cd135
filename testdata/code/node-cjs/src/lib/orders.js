const { Pool } = require('pg');

const pool = new Pool();

async function findOrder(id) {
  const sql = "SELECT * FROM orders WHERE id = '" + id + "'";
  return pool.query(sql);
}

module.exports = { findOrder };
