// Keyed hashing and a small intrusive chained hash table for the NAT64 tables. Keyed with a secret
// chosen at start so that remote hosts cannot aim packets at one hash chain (RFC 6056 §3.3.3 uses the
// same idea for port selection). Internal to nat64/.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace sixfour::nat64 {

// splitmix64 finalizer: every input bit affects every output bit.
inline uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Hashes `n` bytes with `seed`, 8 bytes at a time (a keyed mix, not a cryptographic MAC; the seed
// is secret and random, which is what RFC 6056 algorithm 3 and hash-flooding resistance need).
inline uint64_t hash_bytes(uint64_t seed, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  uint64_t h = mix64(seed ^ (n * 0x9e3779b97f4a7c15ULL));
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = mix64(h ^ w) + 0x9e3779b97f4a7c15ULL;
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  std::memcpy(&w, p, n);
  return mix64(h ^ w ^ (uint64_t{n} << 56));
}

// Chained hash table over nodes that carry their own `next` pointer (no per-entry allocation of its
// own: one pointer per node plus one per bucket). Not thread-safe: the owner's shard lock guards it.
// Hash(node) must return the same value the caller passes to find() for that node's key.
template <class T, T* T::*Next, class Hash>
class IntrusiveHash {
 public:
  explicit IntrusiveHash(Hash h = Hash{}) : hash_(h), buckets_(16, nullptr) {}

  template <class Eq>
  T* find(uint64_t h, Eq&& eq) const {
    for (T* n = buckets_[h & (buckets_.size() - 1)]; n; n = n->*Next)
      if (eq(*n)) return n;
    return nullptr;
  }
  void insert(T* node) {
    // Load factor at most 1: doubling keeps insertion amortized O(1).
    if (size_ >= buckets_.size()) grow();
    T*& head = buckets_[hash_(*node) & (buckets_.size() - 1)];
    node->*Next = head;
    head = node;
    ++size_;
  }
  void erase(T* node) {
    T** pp = &buckets_[hash_(*node) & (buckets_.size() - 1)];
    while (*pp && *pp != node) pp = &((*pp)->*Next);
    if (*pp) {
      *pp = node->*Next;
      --size_;
    }
  }
  size_t size() const { return size_; }
  size_t bucket_bytes() const { return buckets_.capacity() * sizeof(T*); }
  template <class F>
  void for_each(F&& f) const {
    for (T* head : buckets_)
      for (T* n = head; n; n = n->*Next) f(*n);
  }

 private:
  void grow() {
    std::vector<T*> nb(buckets_.size() * 2, nullptr);
    for (T* head : buckets_) {
      while (head) {
        T* next = head->*Next;
        T*& b = nb[hash_(*head) & (nb.size() - 1)];
        head->*Next = b;
        b = head;
        head = next;
      }
    }
    buckets_.swap(nb);
  }

  Hash hash_;
  std::vector<T*> buckets_;
  size_t size_ = 0;
};

}  // namespace sixfour::nat64
