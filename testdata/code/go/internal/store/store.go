package store

import (
	"database/sql"
	"fmt"
)

var db *sql.DB

// Find reads one order.
func Find(id string) (string, error) {
	var name string
	err := db.QueryRow(fmt.Sprintf("SELECT name FROM orders WHERE id = '%s'", id)).Scan(&name)
	return name, err
}

// FindSafe reads one order with a parameterized query.
func FindSafe(id string) (string, error) {
	var name string
	err := db.QueryRow("SELECT name FROM orders WHERE id = ?", id).Scan(&name)
	return name, err
}
