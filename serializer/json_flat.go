package serializer

// Flat object entries.
//
// Most objects in a session hold only entries that need none of parse's general
// machinery: a key of plain bytes (no escape, nothing outside ASCII) right before its
// ':', and right after that a plain string, an int or float of parse's fast path (digits,
// '.', digits; no sign, no exponent), true, false or null. parse, a large state machine
// that keeps few of its values in registers, pays about 110 instructions for each key and
// each value; where useFlat is set, it hands such runs of entries to flatAsm, a loop with
// every value in a register, which pays about 130 for the pair.
//
// flatAsm(s, i, out, keys) reads, from s[i], entries of that form. For each, it writes
// the key's raw and the value's raw to out (from out's start, while out has room for both)
// and adds the key's bit (keyBit) to keys. It stops
//   - at the first entry it cannot read whole, or whose key's bit is already in keys (a
//     possible repeat), with next at its start: flatStopped;
//   - after a value that no ',' and '"' follow, with next there: flatDelim;
//   - before an entry out has no room for, with next at its start: flatFull.
// It returns next, the number of raws written, the keys' bit set and the reason. It
// never fails: whatever it stops at, parse reads again, and reports if it must. It needs
// 16 bytes after the start of each string it reads, so it leaves the last entries of the
// text to parse.

// Why flatAsm stopped.
const (
	flatStopped = iota // at an entry it does not read
	flatDelim          // after a value that no ',' and '"' follow
	flatFull           // at an entry out has no room for
)

// useFlat tells parse to use flatAsm: where haveFlat, unless a test turns it off to
// compare.
var useFlat = haveFlat
