/* Shared by the fast-path programs (siit.bpf.c, nat64.bpf.c): RFC 7915 constants, the checks every
 * translation makes before it changes a packet, and what an instance at the TUN and one at the
 * uplinks' ingress do differently. The including program defines, before including it,
 * XLAT_COUNTERS (its per-CPU counters map, declared) and XLAT_UPLINKS (the name of its map of
 * uplinks, declared here); the counter and punt indices are those of enum siit_counter (siit.h).
 * Not a standalone header. */
#ifndef SIXFOUR_BPF_XLAT_H
#define SIXFOUR_BPF_XLAT_H

/* The uplinks the uplink instance sits on (slot -> ifindex, 0 after the last): where it may send a
 * packet itself. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, SIIT_UPLINKS_MAX);
  __type(key, __u32);
  __type(value, __u32);
} XLAT_UPLINKS SEC(".maps");

/* The routing generation the daemon writes (SIIT_ROUTE_GEN_OFF: none) and the per-CPU next-hop
 * cache the uplink instance keeps under it (next_hop()). */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} XLAT_ROUTE_GEN SEC(".maps");

#define XLAT_NEXTHOP_SLOTS 256
/* bpf_fib_lookup()'s query and answer, kept for XLAT_NEXTHOP_TTL_NS at most. */
struct xlat_nexthop {
  __u32 gen; /* XLAT_ROUTE_GEN before the lookup; 0: empty */
  __u32 iif; /* the query: the device the packet came in on, ... */
  __u8 family;
  __u8 proto;
  __u8 tos;
  __u8 resolved; /* the answer: the neighbour known (dmac valid), ... */
  __u32 oif;     /* ... the device it leaves by, ... */
  __u16 ok_len;  /* ... the largest tot_len the route's MTU took, ... */
  __u8 pad[6];
  __u64 stamp; /* bpf_ktime_get_coarse_ns() at the lookup */
  __u32 src[4];
  __u32 dst[4];
  __u32 nh[4]; /* ... the next hop's address (redirect_neigh) and its Ethernet addresses */
  __u8 dmac[6];
  __u8 smac[6];
  __u8 pad2[4];
};
struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, XLAT_NEXTHOP_SLOTS);
  __type(key, __u32);
  __type(value, struct xlat_nexthop);
} XLAT_NEXTHOPS SEC(".maps");

/* The link-layer header in front of the IP header: 14 (Ethernet) where BPF_PROG_TEST_RUN runs the
 * programs and at the uplinks, 0 on the TUN (no link-layer header). Set by the loader before
 * loading (read-only data: the verifier treats it as the constant it is). */
const volatile __u32 l2_len = 14;
/* 1 in the instance attached at the uplinks' ingress (siit_uplink, nat64_uplink): no kernel
 * forwarding around the translation, so the TTL / Hop Limit goes down by one here; its punts are
 * not counted (the packet goes on, to the TUN program, which counts them, or to the host); its
 * hits count as SIIT_HIT_UPLINK. */
const volatile __u32 at_ingress = 0;

static __always_inline int count(__u32 idx) {
  if (at_ingress && idx != SIIT_HIT && idx != SIIT_DROP_HELPER && idx != SIIT_ROUTE_CACHED) return idx;
  if (at_ingress && idx == SIIT_HIT) idx = SIIT_HIT_UPLINK;
  __u64* v = bpf_map_lookup_elem(&XLAT_COUNTERS, &idx);
  if (v) *v += 1;
  return idx;
}

/* A punt: on the TUN to its queue (the daemon); at an uplink on to the next tc filter, if any. */
static __always_inline int punt(__u32 reason) {
  count(reason);
  return at_ingress ? TC_ACT_UNSPEC : TC_ACT_OK;
}

/* xlat::Config::hop_change (`configured`), or what the kernel's two decrements around the TUN
 * leave of it. */
static __always_inline int hop_change(int configured) { return configured - (at_ingress ? 2 : 0); }

/* Stack buffers copied whole: aligned, so that clang copies them by words rather than bytes. */
#define XLAT_ALIGNED __attribute__((aligned(8)))

#define IP6_MIN_MTU 1280
#define IP6_LEN 40
#define IP4_LEN 20
#define PROTO_ICMP4 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP6 58
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define IP4_DF 0x4000
#define ICMP4_ECHO_REPLY 0
#define ICMP4_ECHO_REQUEST 8
/* RFC 7915 §5.1: a translation of at most 1260 bytes leaves with DF=0 (as the C++ translator). */
#define DF_THRESHOLD 1260

/* Why the packet cannot take the fast path by its next header (0: it can). */
static __always_inline __u32 next_header_punt(__u8 nh) {
  switch (nh) {
    case PROTO_TCP:
    case PROTO_UDP:
    case PROTO_ICMP6:
      return 0;
    case 44: /* Fragment */
      return SIIT_PUNT_FRAGMENT;
    case 0:   /* Hop-by-Hop Options */
    case 43:  /* Routing */
    case 50:  /* ESP */
    case 51:  /* AH */
    case 60:  /* Destination Options */
    case 135: /* Mobility */
    case 139: /* HIP */
    case 140: /* Shim6 */
    case 253:
    case 254: /* experimental */
      return SIIT_PUNT_EXT_HEADER;
    default:
      return SIIT_PUNT_PROTOCOL;
  }
}

/* Why an ICMPv6 message cannot take the fast path (0: an echo, it can). */
static __always_inline __u32 icmp6_punt(__u8 type) {
  if (type < 128) return SIIT_PUNT_ICMP_ERROR;
  return type == ICMP6_ECHO_REQUEST || type == ICMP6_ECHO_REPLY ? 0 : SIIT_PUNT_ICMP_OTHER;
}

/* Why an ICMPv4 message cannot take the fast path (0: an echo, it can). */
static __always_inline __u32 icmp4_punt(__u8 type) {
  if (type == 3 || type == 4 || type == 5 || type == 11 || type == 12) return SIIT_PUNT_ICMP_ERROR;
  return type == ICMP4_ECHO_REQUEST || type == ICMP4_ECHO_REPLY ? 0 : SIIT_PUNT_ICMP_OTHER;
}

/* The checks on the transport header of `len` bytes after an IP header of `ip_len` (0: translatable);
 * *ck_off is its checksum's offset, *hdr_len the TCP header's length (0 for the others), `l4` its
 * first 8 bytes (16 for TCP). */
static __always_inline __u32 transport_punt(struct __sk_buff* skb, __u8 proto, __u32 ip_len, __u32 len, __u32* ck_off,
                                            __u32* hdr_len, __u8 l4[16]) {
  __u32 need = proto == PROTO_TCP ? 20 : 8;
  if (len < need || bpf_skb_load_bytes(skb, l2_len + ip_len, l4, 8) < 0) return SIIT_PUNT_MALFORMED;
  if (proto == PROTO_TCP) {
    if (bpf_skb_load_bytes(skb, l2_len + ip_len + 8, l4 + 8, 8) < 0) return SIIT_PUNT_MALFORMED;
    *hdr_len = (__u32)(l4[12] >> 4) * 4;
    if (*hdr_len < 20 || *hdr_len > len) return SIIT_PUNT_MALFORMED;
    *ck_off = 16;
  } else if (proto == PROTO_UDP) {
    *ck_off = 6;
    /* IPv6 forbids it (RFC 8200 §8.1); the translator computes one over the whole IPv4 datagram. */
    if (l4[6] == 0 && l4[7] == 0) return SIIT_PUNT_UDP_ZERO_CSUM;
  } else {
    *ck_off = 2;
    return ip_len == IP6_LEN ? icmp6_punt(l4[0]) : icmp4_punt(l4[0]);
  }
  return 0;
}

/* What bpf_csum_diff(from, from_size, to, to_size, 0) returns, without the helper call and its copy
 * into a scratch buffer (about an eighth of the program's time per packet): the 32-bit ones'
 * complement sum of the words of `to` and of the complements of those of `from` (sizes multiples of
 * 4, constants), for bpf_l4_csum_replace() with `from` 0 (which folds it, so any value congruent
 * modulo 0xffff is the same). */
static __always_inline __s64 csum_diff(const __u8* from, __u32 from_size, const __u8* to, __u32 to_size) {
  __u64 s = 0;
#pragma unroll
  for (__u32 i = 0; i < from_size; i += 4) {
    __u32 w;
    __builtin_memcpy(&w, from + i, 4);
    s += (__u32)~w;
  }
#pragma unroll
  for (__u32 i = 0; i < to_size; i += 4) {
    __u32 w;
    __builtin_memcpy(&w, to + i, 4);
    s += w;
  }
  s = (s & 0xffffffff) + (s >> 32);
  s = (s & 0xffffffff) + (s >> 32);
  return (__s64)s;
}

static __always_inline __u16 ip4_checksum(const __u16* w) {
  __u32 s = 0;
#pragma unroll
  for (int i = 0; i < IP4_LEN / 2; i++) s += w[i];
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (__u16)~s;
}

static __always_inline int multicast_or_broadcast(const __u8* a) {
  return (a[0] & 0xf0) == 0xe0 || (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
}

/* ---- Header checks, size checks and header builders of both programs ---------------------------- */

/* xlat's keyed_bijection16(): counter value `x` -> an Identification, 65536 distinct consecutive
 * values, not predictable without `key` (RFC 6864 §4.1, RFC 7739). */
static __always_inline __u16 ident_bijection(__u32 x, __u32 key) {
  x = (x ^ key) & 0xffff;
  x = (x * 0x9e37 + (key >> 16)) & 0xffff;
  x ^= x >> 7;
  x = (x * 0x6b4d) & 0xffff;
  x ^= x >> 9;
  return (__u16)x;
}

/* The checks of an IPv6 header `h` that need no configuration but `hop_change` (0: translatable):
 * version, Payload Length against the frame, next header, Hop Limit, a multicast destination. */
static __always_inline __u32 ip6_header_punt(const __u8* h, __u32 skb_len, int hop_change) {
  __u32 plen = (__u32)h[4] << 8 | h[5];
  if ((h[0] >> 4) != 6) return SIIT_PUNT_NOT_IPV6;
  /* Payload Length 0 is a Jumbogram; link-layer padding is left to the slow path. */
  if (plen == 0 || skb_len != l2_len + IP6_LEN + plen) return SIIT_PUNT_MALFORMED;
  __u32 why = next_header_punt(h[6]);
  if (why) return why;
  if (h[7] <= 1 || (int)h[7] + hop_change < 1) return SIIT_PUNT_HOP_LIMIT;
  if (h[24] == 0xff) return SIIT_PUNT_OUTSIDE_POOL6;
  return 0;
}

/* The same for an IPv4 header `h`: version, options, Total Length against the frame, the header
 * checksum, fragments, a multicast or broadcast destination, TTL, the protocol. */
static __always_inline __u32 ip4_header_punt(const __u8* h, __u32 skb_len, int hop_change) {
  __u32 total = (__u32)h[2] << 8 | h[3];
  __u32 frag = (__u32)h[6] << 8 | h[7];
  if ((h[0] >> 4) != 4) return SIIT_PUNT_NOT_IPV4;
  if ((h[0] & 0x0f) != 5) return (h[0] & 0x0f) < 5 ? SIIT_PUNT_MALFORMED : SIIT_PUNT_IP4_OPTIONS;
  if (total < IP4_LEN || skb_len != l2_len + total || ip4_checksum((const __u16*)h) != 0) return SIIT_PUNT_MALFORMED;
  if (frag & 0x3fff) return SIIT_PUNT_FRAGMENT; /* MF or a fragment offset */
  if (multicast_or_broadcast(h + 16)) return SIIT_PUNT_MULTICAST;
  if (h[8] <= 1 || (int)h[8] + hop_change < 1) return SIIT_PUNT_HOP_LIMIT;
  if (h[9] != PROTO_TCP && h[9] != PROTO_UDP && h[9] != PROTO_ICMP4) return SIIT_PUNT_PROTOCOL;
  return 0;
}

/* The size checks of a 6 -> 4 translation with `plen` bytes of payload, `tcp_len` of them the TCP
 * header (0: not TCP), as the translator's offload classify() decides them (0: translatable): an
 * ordinary packet must fit mtu4; a GSO super-packet (TCP only) keeps its segment size, each
 * translated segment must be over 1260 bytes (DF=1) and fit mtu4, the whole one an IPv4 Total Length. */
static __always_inline __u32 size_punt_6to4(struct __sk_buff* skb, __u32 plen, __u32 tcp_len, __u32 mtu4) {
  __u32 gso = skb->gso_size;
  if (!gso || plen <= tcp_len + gso) return IP4_LEN + plen > mtu4 ? SIIT_PUNT_TOO_BIG : 0;
  __u32 seg = IP4_LEN + tcp_len + gso;
  if (!tcp_len || seg <= DF_THRESHOLD || seg > mtu4 || IP4_LEN + plen > 0xffff) return SIIT_PUNT_GSO;
  return 0;
}

/* The size checks of a 4 -> 6 translation of IPv4 header `h` (0: translatable): the translation, or
 * each translated segment of a GSO super-packet (TCP only), must fit what xlat's plan_fragments()
 * sends whole: DF=1 up to mtu6, DF=0 up to lowest_mtu6 (both at least 1280). */
static __always_inline __u32 size_punt_4to6(struct __sk_buff* skb, const __u8* h, __u32 tcp_len, __u32 mtu6,
                                            __u32 lowest_mtu6) {
  __u32 payload = ((__u32)h[2] << 8 | h[3]) - IP4_LEN;
  __u32 limit = mtu6 < IP6_MIN_MTU ? IP6_MIN_MTU : mtu6;
  if (!(h[6] & (IP4_DF >> 8))) {
    limit = lowest_mtu6 < limit ? lowest_mtu6 : limit;
    limit = limit < IP6_MIN_MTU ? IP6_MIN_MTU : limit;
  }
  __u32 gso = skb->gso_size;
  if (!gso || payload <= tcp_len + gso) return IP6_LEN + payload > limit ? SIIT_PUNT_TOO_BIG : 0;
  return !tcp_len || IP6_LEN + tcp_len + gso > limit ? SIIT_PUNT_GSO : 0;
}

/* RFC 7915 §5.1: the IPv4 header `o` for IPv6 header `h` with addresses `src4`, `dst4` (4 bytes each,
 * network order) and Identification `id`; the TOS is `tos` (< 0: the Traffic Class). */
static __always_inline void fill_ip4(__u8* o, const __u8* h, const __u8* src4, const __u8* dst4, int hop_change,
                                     int tos, __u16 id) {
  __u32 plen = (__u32)h[4] << 8 | h[5];
  __u16 total = (__u16)(IP4_LEN + plen);
  __u16 flags = total > DF_THRESHOLD ? IP4_DF : 0;
  int ttl = (int)h[7] + hop_change;
  o[0] = 0x45;
  o[1] = tos >= 0 ? (__u8)tos : (__u8)((h[0] & 0x0f) << 4 | h[1] >> 4);
  o[2] = total >> 8;
  o[3] = total & 0xff;
  o[4] = id >> 8;
  o[5] = id & 0xff;
  o[6] = flags >> 8;
  o[7] = 0;
  o[8] = (__u8)(ttl > 255 ? 255 : ttl);
  o[9] = h[6] == PROTO_ICMP6 ? PROTO_ICMP4 : h[6];
  o[10] = 0;
  o[11] = 0;
  __builtin_memcpy(o + 12, src4, 4);
  __builtin_memcpy(o + 16, dst4, 4);
  __u16 ck = ip4_checksum((const __u16*)o);
  __builtin_memcpy(o + 10, &ck, 2);
}

/* RFC 7915 §4.1: the IPv6 header `o` for IPv4 header `h` with addresses `src6`, `dst6` (16 bytes
 * each); Traffic Class the TOS (0 with `reset_tc`), Flow Label 0. */
static __always_inline void fill_ip6(__u8* o, const __u8* h, const __u8* src6, const __u8* dst6, int hop_change,
                                     int reset_tc) {
  __u32 plen = ((__u32)h[2] << 8 | h[3]) - IP4_LEN;
  __u8 tc = reset_tc ? 0 : h[1];
  int hop = (int)h[8] + hop_change;
  o[0] = 0x60 | tc >> 4;
  o[1] = (__u8)(tc << 4);
  o[2] = 0;
  o[3] = 0;
  o[4] = plen >> 8;
  o[5] = plen & 0xff;
  o[6] = h[9] == PROTO_ICMP4 ? PROTO_ICMP6 : h[9];
  o[7] = (__u8)(hop > 255 ? 255 : hop);
  __builtin_memcpy(o + 8, src6, 16);
  __builtin_memcpy(o + 24, dst6, 16);
}

/* ---- At an uplink's ingress: the program routes the translated packet itself ------------------- */

#define SIXFOUR_AF_INET 2
#define SIXFOUR_AF_INET6 10
#define PACKET_HOST_TYPE 0 /* skb->pkt_type of a frame addressed to this host */

/* 1 if device `ifindex` is one of `uplinks` (an array map of ifindexes, 0 after the last). */
static __always_inline int is_uplink(void* uplinks, __u32 ifindex) {
  for (__u32 i = 0; i < SIIT_UPLINKS_MAX; i++) {
    const __u32* v = bpf_map_lookup_elem(uplinks, &i);
    if (!v || !*v) return 0;
    if (*v == ifindex) return 1;
  }
  return 0;
}

/* A cached answer stays valid while the routing generation is the one it was looked up under and
 * for this long at most: the backstop for what changes without a netlink notification (a path MTU
 * learnt). */
#define XLAT_NEXTHOP_TTL_NS 250000000ULL

/* The cache slot of query `p`. */
static __always_inline __u32 nexthop_slot(const struct bpf_fib_lookup* p) {
  __u32 x = p->ipv6_dst[0] ^ p->ipv6_dst[3] ^ p->ipv6_src[0] ^ p->ipv6_src[3] ^ p->ifindex;
  return (x * 2654435761u) >> 24; /* XLAT_NEXTHOP_SLOTS = 256 */
}

static __always_inline int same_query(const struct xlat_nexthop* c, const struct bpf_fib_lookup* p) {
  __u32 diff = (c->iif ^ p->ifindex) | (__u32)(c->family ^ p->family) | (__u32)(c->proto ^ p->l4_protocol) |
               (__u32)(c->tos ^ p->tos);
#pragma unroll
  for (int i = 0; i < 4; i++) diff |= (c->src[i] ^ p->ipv6_src[i]) | (c->dst[i] ^ p->ipv6_dst[i]);
  return diff == 0;
}

/* The kernel's forwarding decision for the translated packet whose IP header is `o` (IPv6 if `v6`),
 * looked up from the device it came in on (`p` filled): 1 if it would leave through a device in
 * `uplinks` (is_uplink()) with forwarding enabled and the packet (`seg_len` > 0: each
 * segment of that length) within the route's MTU, the neighbour known (`*resolved` 1) or not yet
 * (0); else 0 (the TUN path takes it). The same query answered under the current routing
 * generation, no longer ago than XLAT_NEXTHOP_TTL_NS, for a packet at least as long, is answered
 * from this CPU's cache without bpf_fib_lookup() (the costliest step of a packet that comes alone:
 * 3-5 us of a cold cache's 8-10). */
static __always_inline int next_hop(struct __sk_buff* skb, const __u8* o, int v6, __u32 seg_len, void* uplinks,
                                    struct bpf_fib_lookup* p, int* resolved) {
  __builtin_memset(p, 0, sizeof(*p));
  p->ifindex = skb->ingress_ifindex;
  if (v6) {
    p->family = SIXFOUR_AF_INET6;
    p->l4_protocol = o[6];
    p->tot_len = (__u16)(IP6_LEN + ((__u32)o[4] << 8 | o[5]));
    __builtin_memcpy(p->ipv6_src, o + 8, 16);
    __builtin_memcpy(p->ipv6_dst, o + 24, 16);
  } else {
    p->family = SIXFOUR_AF_INET;
    p->tos = o[1];
    p->l4_protocol = o[9];
    p->tot_len = (__u16)((__u32)o[2] << 8 | o[3]);
    __builtin_memcpy(&p->ipv4_src, o + 12, 4);
    __builtin_memcpy(&p->ipv4_dst, o + 16, 4);
  }
  if (seg_len) p->tot_len = (__u16)seg_len;
  __u32 zero = 0, slot = nexthop_slot(p);
  const __u32* genp = bpf_map_lookup_elem(&XLAT_ROUTE_GEN, &zero);
  const __u32 gen = genp ? *genp : SIIT_ROUTE_GEN_OFF;
  struct xlat_nexthop* c = gen != SIIT_ROUTE_GEN_OFF ? bpf_map_lookup_elem(&XLAT_NEXTHOPS, &slot) : 0;
  const __u64 now = c ? bpf_ktime_get_coarse_ns() : 0;
  if (c && c->gen == gen && now - c->stamp < XLAT_NEXTHOP_TTL_NS && p->tot_len <= c->ok_len && same_query(c, p)) {
    p->ifindex = c->oif;
    __builtin_memcpy(p->ipv6_dst, c->nh, 16);
    __builtin_memcpy(p->dmac, c->dmac, 6);
    __builtin_memcpy(p->smac, c->smac, 6);
    *resolved = c->resolved;
    count(SIIT_ROUTE_CACHED);
    return 1;
  }
  if (c) { /* the query, before bpf_fib_lookup() writes its answer over it */
    c->gen = SIIT_ROUTE_GEN_OFF;
    c->iif = p->ifindex;
    c->family = p->family;
    c->proto = p->l4_protocol;
    c->tos = p->tos;
    c->ok_len = p->tot_len;
    __builtin_memcpy(c->src, p->ipv6_src, 16);
    __builtin_memcpy(c->dst, p->ipv6_dst, 16);
  }
  long r = bpf_fib_lookup(skb, p, sizeof(*p), 0);
  if (r != BPF_FIB_LKUP_RET_SUCCESS && r != BPF_FIB_LKUP_RET_NO_NEIGH) return 0;
  if (!is_uplink(uplinks, p->ifindex)) return 0;
  *resolved = r == BPF_FIB_LKUP_RET_SUCCESS;
  if (c) {
    c->oif = p->ifindex;
    c->resolved = (__u8)*resolved;
    __builtin_memcpy(c->nh, p->ipv6_dst, 16);
    __builtin_memcpy(c->dmac, p->dmac, 6);
    __builtin_memcpy(c->smac, p->smac, 6);
    c->stamp = now;
    c->gen = gen;
  }
  return 1;
}

/* The translated packet's headers in one store, after bpf_skb_change_proto(): the Ethernet
 * addresses of the next hop `p` (at an uplink, `resolved`), the EtherType (`eth_proto`, where there
 * is an Ethernet header), the IP header `ip` (`ip_len` bytes: 20 or 40) and the transport header's
 * first 8 bytes `l4` (the new ports, or ICMP type and identifier, around the unchanged bytes). */
static __always_inline long store_headers(struct __sk_buff* skb, __u16 eth_proto, const __u8* ip, __u32 ip_len,
                                          const __u8* l4, const struct bpf_fib_lookup* p, int resolved) {
  /* Two bytes in front, so that the IP header starts 8-byte aligned (whole-word copies). */
  __u8 buf[2 + ETH_HLEN + IP6_LEN + 8] XLAT_ALIGNED;
  __u8* b = buf + 2;
  __u16 type = bpf_htons(eth_proto);
  __builtin_memcpy(b + 12, &type, 2);
  if (ip_len == IP6_LEN) {
    __builtin_memcpy(b + ETH_HLEN, ip, IP6_LEN);
    __builtin_memcpy(b + ETH_HLEN + IP6_LEN, l4, 8);
  } else {
    __builtin_memcpy(b + ETH_HLEN, ip, IP4_LEN);
    __builtin_memcpy(b + ETH_HLEN + IP4_LEN, l4, 8);
  }
  if (l2_len != ETH_HLEN) return bpf_skb_store_bytes(skb, 0, b + ETH_HLEN, ip_len + 8, 0);
  if (!(at_ingress && resolved)) return bpf_skb_store_bytes(skb, 12, b + 12, 2 + ip_len + 8, 0);
  __builtin_memcpy(b, p->dmac, 6);
  __builtin_memcpy(b + 6, p->smac, 6);
  return bpf_skb_store_bytes(skb, 0, b, ETH_HLEN + ip_len + 8, 0);
}

/* Sends the translated packet to the next hop next_hop() found: redirected to the device's egress
 * (store_headers() wrote the Ethernet addresses), or handed to the kernel's neighbour resolution. */
static __always_inline int send_next_hop(struct __sk_buff* skb, const struct bpf_fib_lookup* p, int resolved) {
  if (resolved) return (int)bpf_redirect(p->ifindex, 0);
  struct bpf_redir_neigh nh = {.nh_family = p->family};
  if (p->family == SIXFOUR_AF_INET6)
    __builtin_memcpy(nh.ipv6_nh, p->ipv6_dst, 16);
  else
    nh.ipv4_nh = p->ipv4_dst;
  return (int)bpf_redirect_neigh(p->ifindex, &nh, sizeof(nh), 0);
}

#endif
