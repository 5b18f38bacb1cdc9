package pystr

import "math/big"

// hashModulus is CPython's _PyHASH_MODULUS, 2**61 - 1.
var hashModulus = new(big.Int).SetUint64(1<<61 - 1)

// HashInt is CPython's hash() of an int (on 64-bit builds): n modulo 2**61 - 1, with
// the sign of n, and -2 for -1 (which CPython reserves).
func HashInt(n *big.Int) int64 {
	m := new(big.Int).Abs(n)
	m.Mod(m, hashModulus)
	h := m.Int64()
	if n.Sign() < 0 {
		h = -h
	}
	if h == -1 {
		h = -2
	}
	return h
}

// SetOrder is the order in which CPython iterates set(keys) (3.10 to 3.13), for distinct
// keys with these hashes added in this order: the indexes of the keys by their slots in
// the set's hash table (8 slots, linear probing of 9 then perturbation, grown fourfold
// once three fifths are filled).
func SetOrder(hashes []int64) []int {
	const linearProbes, perturbShift = 9, 5
	type slot struct {
		used bool
		hash int64
		idx  int
	}
	insert := func(table []slot, e slot) {
		mask := uint64(len(table) - 1)
		perturb := uint64(e.hash)
		i := uint64(e.hash) & mask
		for {
			if !table[i].used {
				table[i] = e
				return
			}
			if i+linearProbes <= mask {
				for j := uint64(1); j <= linearProbes; j++ {
					if !table[i+j].used {
						table[i+j] = e
						return
					}
				}
			}
			perturb >>= perturbShift
			i = (i*5 + 1 + perturb) & mask
		}
	}
	table := make([]slot, 8)
	for n, h := range hashes {
		insert(table, slot{true, h, n})
		used := n + 1
		if used*5 >= (len(table)-1)*3 {
			minUsed := used * 4
			if used > 50000 {
				minUsed = used * 2
			}
			size := 8
			for size <= minUsed {
				size <<= 1
			}
			grown := make([]slot, size)
			for _, e := range table {
				if e.used {
					insert(grown, e)
				}
			}
			table = grown
		}
	}
	out := make([]int, 0, len(hashes))
	for _, e := range table {
		if e.used {
			out = append(out, e.idx)
		}
	}
	return out
}
