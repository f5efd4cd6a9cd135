const { Pool } = require('pg');

const pool = new Pool();

async function findOrderSafe(id) {
  return pool.query('SELECT * FROM orders WHERE id = $1', [id]);
}

module.exports = { findOrderSafe };
