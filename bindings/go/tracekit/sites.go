package tracekit

/*
#include <tracekit.h>
*/
import "C"

import (
	"sync"
	"sync/atomic"
	"unsafe"
)

// maxCachedSites bounds the site cache, like the library's own limit of
// 100,000 distinct sites: checkpoints beyond it still work, through the
// slow path on every call.
const maxCachedSites = 100_000

// site is one checkpoint call site: a program counter and label, the
// library's interned tk_site, and that site's active flag.
type site struct {
	pc     uintptr
	label  string
	handle *C.tk_site
	// The library's active flag: tracekit.h makes a tk_site * point at a
	// 32-bit int, read with an atomic load and never written here. C
	// memory, valid until tk_client_free (see client.free).
	active *int32
}

func newSite(pc uintptr, label string, handle *C.tk_site) *site {
	return &site{pc: pc, label: label, handle: handle, active: (*int32)(unsafe.Pointer(handle))}
}

func (s *site) isActive() bool { return atomic.LoadInt32(s.active) != 0 }

// siteTable maps (pc, label) to sites. Lookups take no lock: an open
// addressing table of atomic pointers to immutable sites, replaced whole
// when it grows. Inserts are serialised by mu. (unsafe.Pointer with
// atomic.LoadPointer rather than atomic.Pointer[T]: Go 1.19 does not
// inline the generic one, and this is the hot path.)
type siteTable struct {
	slots unsafe.Pointer // *[]unsafe.Pointer, each nil or a *site
	mu    sync.Mutex
	count int
}

func slotOf(pc uintptr, mask int) int {
	// Fibonacci hashing: call sites' PCs differ in their low bits.
	return int((uint64(pc)*0x9E3779B97F4A7C15)>>32) & mask
}

func (t *siteTable) table() []unsafe.Pointer {
	if slots := (*[]unsafe.Pointer)(atomic.LoadPointer(&t.slots)); slots != nil {
		return *slots
	}
	return nil
}

// lookup is the hot path of an inactive checkpoint: the first probe is
// small enough to be inlined into the checkpoint; collisions take the loop.
func (t *siteTable) lookup(pc uintptr, label string) *site {
	table := t.table()
	if len(table) == 0 {
		return nil
	}
	i := slotOf(pc, len(table)-1)
	if entry := (*site)(atomic.LoadPointer(&table[i])); entry == nil || entry.pc == pc && entry.label == label {
		return entry
	}
	return probe(table, i, pc, label)
}

func probe(table []unsafe.Pointer, i int, pc uintptr, label string) *site {
	mask := len(table) - 1
	for {
		i = (i + 1) & mask
		entry := (*site)(atomic.LoadPointer(&table[i]))
		if entry == nil || entry.pc == pc && entry.label == label {
			return entry
		}
	}
}

// insert adds s unless an equal site is there already (another goroutine
// won the race), and returns the one in the table. Beyond maxCachedSites it
// caches nothing and returns s.
func (t *siteTable) insert(s *site) *site {
	t.mu.Lock()
	defer t.mu.Unlock()
	if existing := t.lookup(s.pc, s.label); existing != nil {
		return existing
	}
	if t.count >= maxCachedSites {
		return s
	}
	table := t.table()
	if 2*(t.count+1) > len(table) { // keep the load factor ≤ 1/2: probes stay short
		table = grown(table)
		atomic.StorePointer(&t.slots, unsafe.Pointer(&table))
	}
	place(table, s)
	t.count++
	return s
}

// sites lists the cached sites (for tests).
func (t *siteTable) sites() []*site {
	var all []*site
	table := t.table()
	for i := range table {
		if entry := (*site)(atomic.LoadPointer(&table[i])); entry != nil {
			all = append(all, entry)
		}
	}
	return all
}

// grown returns a table twice the size (at least 64) with the same sites.
func grown(old []unsafe.Pointer) []unsafe.Pointer {
	table := make([]unsafe.Pointer, 64)
	if len(old) > 0 {
		table = make([]unsafe.Pointer, 2*len(old))
	}
	for i := range old {
		if entry := atomic.LoadPointer(&old[i]); entry != nil {
			place(table, (*site)(entry))
		}
	}
	return table
}

func place(table []unsafe.Pointer, s *site) {
	mask := len(table) - 1
	i := slotOf(s.pc, mask)
	for atomic.LoadPointer(&table[i]) != nil {
		i = (i + 1) & mask
	}
	atomic.StorePointer(&table[i], unsafe.Pointer(s))
}
