'use strict';

const Stripe = require('stripe');

// Planted: a live secret key written into the code.
const stripe = Stripe('sk_live_51Hs9QpLkT2vNc8XwYb4ZmRd0uFjA7eKqG3hPiO5tUyWnV1sCx6lBzE9rDgMfJoH2aQ');

module.exports.charge = async (event) => {
  const { amount, source } = JSON.parse(event.body);
  const charge = await stripe.charges.create({ amount, currency: 'eur', source });
  return { statusCode: 200, body: JSON.stringify({ id: charge.id }) };
};
