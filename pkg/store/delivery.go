package store

import (
	"context"
	"database/sql"
	"time"
)

// recordDelivery notes key as delivered in tx; done is true when it was
// already (the batch is stored: store nothing again).
func recordDelivery(ctx context.Context, tx *sql.Tx, key string) (done bool, err error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO deliveries (key, delivered_at) VALUES (?, ?) ON CONFLICT DO NOTHING`,
		key, ms(time.Now()))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 0, err
}
