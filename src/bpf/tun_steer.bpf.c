// SPDX-License-Identifier: GPL-2.0-only
/* TUN queue steering (TUNSETSTEERINGEBPF, a socket filter program): the kernel runs it on each
 * packet it is about to hand to the sixfour TUN and queues the packet on queue (return value modulo
 * the number of queues), so one worker thread reads it. The value is chosen so that both directions
 * of a flow (a packet and the translated replies to its translation) land on the same queue: a ping
 * or a TCP handshake then wakes one worker, not two alternately (docs/offload.md). Packets without a
 * flow key (fragments, extension headers, other protocols, ICMP errors) go by a hash of their
 * addresses. With `by_cpu` (the NAT64 with its fast path) a packet goes instead to the worker pinned
 * to the CPU it is routed on. The return value is what the kernel reads: at most 16 bits. */
#include <linux/bpf.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

// libbpf's helpers need the uapi types above first.
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "tun_steer.h"

char LICENSE[] SEC("license") = "GPL";

/* Written by the loader between open and load (read-only to the program). */
const volatile struct tun_steer_config steer_config = {.shards = 1};

/* Static BIB entries (its size set by the loader before load, filled after). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 1);
  __type(key, struct tun_steer_static);
  __type(value, __u32);
} steer_statics SEC(".maps");

#define IP4_FRAGMENT 0x3fff /* MF or a fragment offset */
#define NEXTHDR_FRAGMENT 44
#define ICMP4_ECHO_REPLY 0
#define ICMP4_ECHO_REQUEST 8
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define GOLDEN 0x9e3779b97f4a7c15ULL

/* nat64/hash.hpp's mix64 (the splitmix64 finalizer). */
static __always_inline __u64 mix64(__u64 x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

static __always_inline int fold16(__u64 h) { return (int)(mix64(h) >> 48); }

/* The transport "ports" of a packet whose header starts at `off`: TCP and UDP ports, or the ICMP
 * echo identifier as both. 0 = found; -1 = no flow key. */
static __always_inline int ports_at(struct __sk_buff* skb, __u32 off, __u8 proto, __u16* sport, __u16* dport) {
  __u16 w[3];
  if (proto == IPPROTO_TCP || proto == IPPROTO_UDP) {
    if (bpf_skb_load_bytes(skb, off, w, 4)) return -1;
    *sport = bpf_ntohs(w[0]);
    *dport = bpf_ntohs(w[1]);
    return 0;
  }
  if (proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6) return -1;
  if (bpf_skb_load_bytes(skb, off, w, 6)) return -1;
  const __u8 type = (__u8)(bpf_ntohs(w[0]) >> 8);
  const int echo = proto == IPPROTO_ICMP ? type == ICMP4_ECHO_REQUEST || type == ICMP4_ECHO_REPLY
                                         : type == ICMP6_ECHO_REQUEST || type == ICMP6_ECHO_REPLY;
  if (!echo) return -1;
  *sport = *dport = bpf_ntohs(w[2]);
  return 0;
}

/* TUN_STEER_PORTS: symmetric in the two ports, so a packet and its reply agree. */
static __always_inline int port_pair(__u16 a, __u16 b) {
  const __u64 lo = a < b ? a : b, hi = a < b ? b : a;
  return fold16(lo << 16 | hi);
}

/* nat64::StateImpl::shard6: a static BIB entry's shard, else StateImpl::key6 (hash_bytes over
 * address, port big-endian, proto, one zero byte) modulo the shards. */
static __always_inline int shard6(const struct ipv6hdr* ip6, __u16 port, __u8 proto) {
  const __u32 n = steer_config.shards ? steer_config.shards : 1;
  if (steer_config.statics) {
    struct tun_steer_static key = {.port6 = port, .proto = proto};
    __builtin_memcpy(key.addr6, &ip6->saddr, 16);
    const __u32* shard = bpf_map_lookup_elem(&steer_statics, &key);
    if (shard) return (int)(*shard % n);
  }
  const __u64 p = proto == IPPROTO_TCP ? 0 : proto == IPPROTO_UDP ? 1 : 2; /* nat64::Proto */
  __u64 w[2];
  __builtin_memcpy(w, &ip6->saddr, 16);
  __u64 h = mix64(steer_config.seed6 ^ (20 * GOLDEN));
  h = mix64(h ^ w[0]) + GOLDEN;
  h = mix64(h ^ w[1]) + GOLDEN;
  /* The last 4 bytes (port high, port low, proto, 0) as a little-endian word, as memcpy reads them. */
  const __u64 tail = (__u64)(port >> 8) | (__u64)(port & 0xff) << 8 | p << 16;
  return (int)(mix64(h ^ tail ^ (4ULL << 56)) % n);
}

static __always_inline int steer6(struct __sk_buff* skb) {
  struct ipv6hdr ip6;
  if (bpf_skb_load_bytes(skb, 0, &ip6, sizeof ip6)) return 0;
  __u16 sport = 0, dport = 0;
  if (ip6.nexthdr == NEXTHDR_FRAGMENT || ports_at(skb, sizeof ip6, ip6.nexthdr, &sport, &dport)) {
    const __u32* s = ip6.saddr.in6_u.u6_addr32;
    const __u32* d = ip6.daddr.in6_u.u6_addr32;
    return fold16((__u64)(s[0] ^ s[1] ^ s[2] ^ s[3]) << 32 | (d[0] ^ d[1] ^ d[2] ^ d[3]));
  }
  if (steer_config.mode == TUN_STEER_NAT64_SHARD) return shard6(&ip6, sport, ip6.nexthdr);
  return port_pair(sport, dport);
}

static __always_inline int steer4(struct __sk_buff* skb) {
  struct iphdr ip;
  if (bpf_skb_load_bytes(skb, 0, &ip, sizeof ip)) return 0;
  __u16 sport = 0, dport = 0;
  if ((bpf_ntohs(ip.frag_off) & IP4_FRAGMENT) || ports_at(skb, ip.ihl * 4u, ip.protocol, &sport, &dport))
    return fold16((__u64)ip.saddr << 32 | ip.daddr);
  if (steer_config.mode == TUN_STEER_NAT64_SHARD) {
    /* Pool4::shard_of(destination address, destination port). */
    const __u32 n = steer_config.shards ? steer_config.shards : 1;
    return (int)(((__u64)bpf_ntohl(ip.daddr) + (dport >> 1)) % n);
  }
  return port_pair(sport, dport);
}

SEC("socket")
int tun_steer(struct __sk_buff* skb) {
  if (steer_config.by_cpu) {
    const __u32 cpu = bpf_get_smp_processor_id();
    if (cpu < TUN_STEER_CPUS && steer_config.cpu_queue[cpu] != TUN_STEER_NO_QUEUE) return steer_config.cpu_queue[cpu];
  }
  __u8 first;
  if (bpf_skb_load_bytes(skb, 0, &first, 1)) return 0;
  if (first >> 4 == 6) return steer6(skb);
  if (first >> 4 == 4) return steer4(skb);
  return 0;
}
