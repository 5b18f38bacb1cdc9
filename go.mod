module github.com/djsession/djsession

go 1.26.0

require (
	github.com/google/go-cmp v0.7.0
	github.com/klauspost/compress v1.20.4
	golang.org/x/crypto v0.59.0
)

require golang.org/x/sys v0.50.0 // indirect
