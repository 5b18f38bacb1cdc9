// Package redisconn holds what Django's RedisCache and django-redis share about their
// servers: the clients in LOCATION order, writes to the first, reads from a random one of
// the others (the replicas) when there are several, and who closes them.
package redisconn

import (
	"errors"
	"fmt"
	"math/rand/v2"

	goredis "github.com/redis/go-redis/v9"
)

// Servers is the server set of one cache. The zero value has no servers; use New or Dial.
type Servers struct {
	clients   []goredis.UniversalClient
	readIndex func(n int) int
	owned     bool
}

// New returns the servers of clients, in LOCATION order; the caller keeps ownership of
// them. readIndex picks the read server among the n others (nil: math/rand/v2, as the
// Python libraries' random.randint). name prefixes errors.
func New(name string, clients []goredis.UniversalClient, readIndex func(n int) int) (Servers, error) {
	if len(clients) == 0 {
		return Servers{}, errors.New(name + ": New needs at least one client")
	}
	for i, c := range clients {
		if c == nil {
			return Servers{}, fmt.Errorf("%s: client %d is nil", name, i)
		}
	}
	if readIndex == nil {
		readIndex = rand.IntN
	}
	return Servers{clients: append([]goredis.UniversalClient(nil), clients...), readIndex: readIndex}, nil
}

// Dial connects one go-redis client per LOCATION URL (redis://, rediss://, unix://).
// On error it closes what it opened.
func Dial(name string, locations []string) ([]goredis.UniversalClient, error) {
	var clients []goredis.UniversalClient
	for _, loc := range locations {
		o, err := goredis.ParseURL(loc)
		if err != nil {
			CloseAll(clients)
			return nil, fmt.Errorf("%s: LOCATION %q: %w", name, loc, err)
		}
		clients = append(clients, goredis.NewClient(o))
	}
	return clients, nil
}

// CloseAll closes clients, joining the errors.
func CloseAll(clients []goredis.UniversalClient) error {
	var errs []error
	for _, c := range clients {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// Own makes Close close the clients (for clients the cache opened itself).
func (s *Servers) Own() { s.owned = true }

// Close closes the clients if they are owned, and does nothing otherwise.
func (s *Servers) Close() error {
	if !s.owned {
		return nil
	}
	return CloseAll(s.clients)
}

// Clients returns the clients in LOCATION order.
func (s *Servers) Clients() []goredis.UniversalClient { return s.clients }

// Writer is the first server.
func (s *Servers) Writer() goredis.UniversalClient { return s.clients[0] }

// Reader is the server a read goes to: the only one, or a random one of the others.
func (s *Servers) Reader() goredis.UniversalClient {
	n := len(s.clients)
	if n == 1 {
		return s.clients[0]
	}
	return s.clients[1+s.readIndex(n-1)]
}
