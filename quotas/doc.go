// Package quotas keeps annual export quotas (Res. Conf. 14.7) and their
// use: a permit's lines are counted against them in the issuing
// transaction (Take), and moved again when an endorsement records what was
// really shipped or a permit is revoked before shipping (Adjust).
package quotas
