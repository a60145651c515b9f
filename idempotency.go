package opencites

import "context"

// Idempotency is a creating request's Idempotency-Key, carried in its
// context from the API to the transaction that creates the record, which
// claims the key (models.ClaimIdempotency): a client that lost the answer
// and sends the same request again gets the first answer, and nothing is
// created twice.
type Idempotency struct {
	UserID      int64
	Key         string
	RequestHash string // method, path and body: the same key with another request is refused
}

type idempotencyKey struct{}

// WithIdempotency returns ctx carrying the request's key.
func WithIdempotency(ctx context.Context, i Idempotency) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, i)
}

// IdempotencyFrom returns the key ctx carries, if any.
func IdempotencyFrom(ctx context.Context) (Idempotency, bool) {
	i, ok := ctx.Value(idempotencyKey{}).(Idempotency)
	return i, ok
}
