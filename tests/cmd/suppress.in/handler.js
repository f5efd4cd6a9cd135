// Fixture tokens for the replay tests; both were revoked.
const replayToken = "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"; // slsguard:ignore secret-github-personal-access-token revoked, replay fixture
/* slsguard:ignore secret-stripe-secret-key revoked test key, see SEC-40 */
const stripeKey = "sk_live_F4vUCsMehGAkWvj7FAc9QeWJ";
module.exports = { replayToken, stripeKey };
