// SPDX-License-Identifier: GPL-2.0-only
/* The stateless fast path, two tc programs: IPv6 -> IPv4 (`siit_6to4`, RFC 7915 §5) and IPv4 ->
 * IPv6 (`siit_4to6`, §4). Each translates only the common case, byte for byte as
 * src/xlat/ipv6_to_ipv4.cpp and ipv4_to_ipv6.cpp do: no extension headers or options, no fragments,
 * TCP, UDP with a checksum, ICMP echo; addresses under one /96 pool6. Everything else is returned
 * unchanged with TC_ACT_OK (the daemon's slow path), its reason counted. docs/fast-path.md. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

// libbpf's helpers need the uapi types above first.
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "siit.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct siit_config);
} siit_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, SIIT_COUNTERS);
  __type(key, __u32);
  __type(value, __u64);
} siit_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SIIT_EAM_MAX);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct siit_lpm6_key);
  __type(value, struct siit_eam);
} siit_eam6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SIIT_EAM_MAX);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct siit_lpm4_key);
  __type(value, struct siit_eam);
} siit_eam4 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_LPM_TRIE);
  __uint(max_entries, SIIT_GLOBAL4_MAX);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct siit_lpm4_key);
  __type(value, __u8);
} siit_global4 SEC(".maps");

/* The Identification counter, shared by every CPU. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} siit_ident SEC(".maps");

#define XLAT_COUNTERS siit_counters
#define XLAT_UPLINKS siit_uplinks
#define XLAT_ROUTE_GEN siit_route_gen
#define XLAT_NEXTHOPS siit_nexthops
#include "xlat.h"

/* The same keyed bijection of a global counter as xlat's next_ident(): 65536 distinct consecutive
 * IDs, not predictable without the key (RFC 6864 §4.1, RFC 7739). */
static __always_inline __u16 next_ident(__u32 key) {
  __u32 zero = 0;
  __u32* c = bpf_map_lookup_elem(&siit_ident, &zero);
  return ident_bijection(c ? __sync_fetch_and_add(c, 1) : 0, key);
}

/* ---- Addresses: RFC 7757 EAM first, then RFC 6052 pool6 (as siit/mapper.cpp) ------------------- */

static __always_inline __u64 load_be64(const __u8* p) {
  __u64 v;
  __builtin_memcpy(&v, p, 8);
  return bpf_be64_to_cpu(v);
}

static __always_inline void store_be64(__u8* p, __u64 v) {
  v = bpf_cpu_to_be64(v);
  __builtin_memcpy(p, &v, 8);
}

static __always_inline __u32 low_mask(__u32 bits) { return bits >= 32 ? 0xffffffffu : (1u << bits) - 1; }

/* The EAM IPv4 address of IPv6 address `a` into `out` (1), or 0 if no entry covers it: the IPv4
 * suffix is the IPv6 suffix's first bits (addr/eam.cpp). */
static __always_inline int eam_to_v4(const __u8* a, __u8* out) {
  struct siit_lpm6_key k = {.prefixlen = 128};
  __builtin_memcpy(k.addr, a, 16);
  const struct siit_eam* e = bpf_map_lookup_elem(&siit_eam6, &k);
  if (!e) return 0;
  __u32 v4;
  __builtin_memcpy(&v4, e->v4, 4);
  __u32 s4 = 32 - e->v4_len, end = e->v6_len + s4;
  if (s4 && e->v4_len <= 32 && end <= 128) {
    __u64 hi = load_be64(a), lo = load_be64(a + 8), bits;
    if (end <= 64)
      bits = hi >> (64 - end);
    else if (e->v6_len >= 64)
      bits = lo >> (128 - end);
    else
      bits = hi << (end - 64) | lo >> (128 - end);
    v4 = bpf_htonl(bpf_ntohl(v4) | ((__u32)bits & low_mask(s4)));
  }
  __builtin_memcpy(out, &v4, 4);
  return 1;
}

/* The EAM IPv6 address of IPv4 address `a` into `out` (1), or 0: the IPv4 suffix right after the
 * IPv6 prefix, the rest of the IPv6 suffix zero. */
static __always_inline int eam_to_v6(const __u8* a, __u8* out) {
  struct siit_lpm4_key k = {.prefixlen = 32};
  __builtin_memcpy(k.addr, a, 4);
  const struct siit_eam* e = bpf_map_lookup_elem(&siit_eam4, &k);
  if (!e) return 0;
  __u64 hi = load_be64(e->v6), lo = load_be64(e->v6 + 8);
  __u32 s4 = 32 - e->v4_len, end = e->v6_len + s4, v4;
  __builtin_memcpy(&v4, a, 4);
  if (s4 && e->v4_len <= 32 && end <= 128) {
    __u64 bits = bpf_ntohl(v4) & low_mask(s4);
    if (end <= 64) {
      hi |= bits << (64 - end);
    } else if (e->v6_len >= 64) {
      lo |= bits << (128 - end);
    } else {
      hi |= bits >> (end - 64);
      lo |= bits << (128 - end);
    }
  }
  store_be64(out, hi);
  store_be64(out + 8, lo);
  return 1;
}

/* RFC 6052 §3.1 with 64:ff9b::/96: only globally reachable IPv4 addresses may be embedded. */
static __always_inline int allowed4(const __u8* a, const struct siit_config* cfg) {
  if (!cfg->strict_wkp) return 1;
  struct siit_lpm4_key k = {.prefixlen = 32};
  __builtin_memcpy(k.addr, a, 4);
  const __u8* global = bpf_map_lookup_elem(&siit_global4, &k);
  return !global || *global;
}

enum { MAP_NONE = 0, MAP_EAM, MAP_POOL6, MAP_FORBIDDEN };

/* IPv6 address `a` -> IPv4 `out`: MAP_EAM, MAP_POOL6 (/96: its last 32 bits), MAP_FORBIDDEN (under
 * pool6 but §3.1 forbids it) or MAP_NONE. */
static __always_inline int to_v4(const __u8* a, __u8* out, const struct siit_config* cfg) {
  if (eam_to_v4(a, out)) return MAP_EAM;
  if (!cfg->has_pool6) return MAP_NONE;
  int same = 1;
#pragma unroll
  for (int i = 0; i < 12; i++) same &= a[i] == cfg->pool6[i];
  if (!same) return MAP_NONE;
  __builtin_memcpy(out, a + 12, 4);
  return allowed4(out, cfg) ? MAP_POOL6 : MAP_FORBIDDEN;
}

/* IPv4 address `a` -> IPv6 `out`, the same outcomes. */
static __always_inline int to_v6(const __u8* a, __u8* out, const struct siit_config* cfg) {
  if (eam_to_v6(a, out)) return MAP_EAM;
  if (!cfg->has_pool6) return MAP_NONE;
  if (!allowed4(a, cfg)) return MAP_FORBIDDEN;
  __builtin_memcpy(out, cfg->pool6, 12);
  __builtin_memcpy(out + 12, a, 4);
  return MAP_POOL6;
}

static __always_inline __u32 map_punt(int how) {
  return how == MAP_NONE ? SIIT_PUNT_OUTSIDE_POOL6 : how == MAP_FORBIDDEN ? SIIT_PUNT_WKP : 0;
}

/* The IPv4 addresses of IPv6 header `h` into a4 (source, destination), or why not. RFC 7757 §4: a
 * destination reached through pool6 whose IPv4 address is an EAM's is hairpinned back to IPv6 by
 * the translator, which the slow path does. */
static __always_inline __u32 addresses_punt(const __u8* h, __u8* a4, const struct siit_config* cfg) {
  __u32 why = map_punt(to_v4(h + 8, a4, cfg));
  if (why) return why;
  int dst = to_v4(h + 24, a4 + 4, cfg);
  if ((why = map_punt(dst))) return why;
  __u8 back[16] XLAT_ALIGNED;
  if (dst == MAP_POOL6 && eam_to_v6(a4 + 4, back)) return SIIT_PUNT_HAIRPIN;
  return 0;
}

/* Every check of the IPv6 header against the configuration (0: translatable). */
static __always_inline __u32 header_punt(const __u8* h, __u32 skb_len, __u8* a4, const struct siit_config* cfg) {
  __u32 why = ip6_header_punt(h, skb_len, hop_change(cfg->hop_change));
  return why ? why : addresses_punt(h, a4, cfg);
}

/* RFC 7915 §5.1: the IPv4 header for IPv6 header `h`, addresses `a4`. */
static __always_inline void build_ip4(__u8* o, const __u8* h, const __u8* a4, const struct siit_config* cfg) {
  fill_ip4(o, h, a4, a4 + 4, hop_change(cfg->hop_change), cfg->reset_tos ? cfg->new_tos : -1,
           next_ident(cfg->ident_key));
}

/* The checksum difference of the transport header: TCP and UDP swap the pseudo-header's addresses
 * (their ports, length and protocol number stay); ICMP loses the ICMPv6 pseudo-header and changes
 * type (RFC 7915 §5.2). */
static __always_inline __s64 l4_diff(const __u8* h, const __u8* o, const __u8* l4) {
  if (h[6] != PROTO_ICMP6) return csum_diff(h + 8, 32, o + 12, 8);
  __u32 plen = (__u32)h[4] << 8 | h[5];
  __u8 from[44] XLAT_ALIGNED = {};
  __u8 to[4] = {l4[0] == ICMP6_ECHO_REQUEST ? 8 : 0, l4[1], 0, 0};
  __builtin_memcpy(from, h + 8, 32);
  from[34] = plen >> 8;
  from[35] = plen & 0xff;
  from[39] = PROTO_ICMP6;
  from[40] = l4[0];
  from[41] = l4[1];
  return csum_diff(from, sizeof(from), to, sizeof(to));
}

/* The end of both rewrites, once the new IP header `ip` (`ip_len` bytes) is built and the transport
 * checksum difference known: the protocol changed, the headers stored at once (EtherType, IP header,
 * the transport header's first bytes `l4` with, for ICMP, the new `type`), the transport checksum at
 * `ck_off` updated. */
static __always_inline int commit(struct __sk_buff* skb, __u16 eth_proto, const __u8* ip, __u32 ip_len, int icmp,
                                  int udp, __u8 type, const __u8* l4, __u32 ck_off, __s64 diff, __u32 tcp_len,
                                  const struct siit_config* cfg) {
  if (diff < 0) return punt(SIIT_PUNT_HELPER);
  struct bpf_fib_lookup fib;
  int resolved = 0;
  /* At an uplink: only what the kernel would forward out another uplink; the rest takes the TUN. */
  /* The MTU check is the route's: of the packet, or of each segment of a GSO super-packet. */
  __u32 seg_len = skb->gso_size ? ip_len + tcp_len + skb->gso_size : 0;
  if (at_ingress && !next_hop(skb, ip, eth_proto == ETH_P_IPV6, seg_len, &siit_uplinks, &fib, &resolved))
    return TC_ACT_UNSPEC;
  if (bpf_skb_change_proto(skb, bpf_htons(eth_proto), 0) < 0) return punt(SIIT_PUNT_HELPER);
  /* From here on the packet is changed: a failing helper drops it. */
  __u64 flags = icmp ? 0 : BPF_F_PSEUDO_HDR;
  if (udp) flags |= BPF_F_MARK_MANGLED_0;
  __u8 head[8] XLAT_ALIGNED;
  __builtin_memcpy(head, l4, 8);
  if (icmp) head[0] = type;
  if (store_headers(skb, eth_proto, ip, ip_len, head, &fib, resolved) < 0 ||
      bpf_l4_csum_replace(skb, l2_len + ip_len + ck_off, 0, (__u32)diff, flags) < 0) {
    count(SIIT_DROP_HELPER);
    return TC_ACT_SHOT;
  }
  count(SIIT_HIT);
  if (at_ingress) return send_next_hop(skb, &fib, resolved);
  /* On the TUN: back into the stack as if the daemon had written it (docs/fast-path.md). */
  return cfg->redirect_ifindex ? (int)bpf_redirect(cfg->redirect_ifindex, BPF_F_INGRESS) : SIIT_VERDICT_HIT;
}

/* Rewrites the packet in place: IPv6 -> IPv4 header, transport checksum, ICMP type, EtherType. */
static __always_inline int rewrite(struct __sk_buff* skb, const __u8* h, const __u8* a4, const __u8* l4, __u32 ck_off,
                                   __u32 tcp_len, const struct siit_config* cfg) {
  __u8 o[IP4_LEN] XLAT_ALIGNED;
  build_ip4(o, h, a4, cfg);
  __u8 type = l4[0] == ICMP6_ECHO_REQUEST ? 8 : 0;
  return commit(skb, ETH_P_IP, o, IP4_LEN, h[6] == PROTO_ICMP6, h[6] == PROTO_UDP, type, l4, ck_off, l4_diff(h, o, l4),
                tcp_len, cfg);
}

/* The configuration if a packet of EtherType `proto` may be translated; else NULL, its punt counted
 * (`other`: the reason for another protocol). */
static __always_inline const struct siit_config* config_for(struct __sk_buff* skb, __u16 proto, __u32 other) {
  __u32 zero = 0;
  const struct siit_config* cfg = bpf_map_lookup_elem(&siit_config, &zero);
  if (!cfg || !cfg->enabled) {
    count(SIIT_PUNT_NO_CONFIG);
    return 0;
  }
  if (skb->protocol != bpf_htons(proto)) {
    count(other);
    return 0;
  }
  return cfg;
}

/* IPv6 -> IPv4, or TC_ACT_OK with the reason counted. */
static __always_inline int xlat_6to4(struct __sk_buff* skb, const struct siit_config* cfg) {
  __u8 h[IP6_LEN] XLAT_ALIGNED;
  if (bpf_skb_load_bytes(skb, l2_len, h, IP6_LEN) < 0) return punt(SIIT_PUNT_MALFORMED);
  __u8 a4[8] XLAT_ALIGNED;
  __u32 why = header_punt(h, skb->len, a4, cfg);
  if (why) return punt(why);
  __u8 l4[16] XLAT_ALIGNED;
  __u32 ck_off = 0, tcp_len = 0, plen = (__u32)h[4] << 8 | h[5];
  why = transport_punt(skb, h[6], IP6_LEN, plen, &ck_off, &tcp_len, l4);
  if (!why) why = size_punt_6to4(skb, plen, tcp_len, cfg->mtu4);
  if (why) return punt(why);
  return rewrite(skb, h, a4, l4, ck_off, tcp_len, cfg);
}

SEC("tc")
int siit_6to4(struct __sk_buff* skb) {
  const struct siit_config* cfg = config_for(skb, ETH_P_IPV6, SIIT_PUNT_NOT_IPV6);
  return cfg ? xlat_6to4(skb, cfg) : TC_ACT_OK;
}

/* ---- IPv4 -> IPv6 (RFC 7915 §4) ---------------------------------------------------------------- */

/* Every check of the IPv4 header against the configuration (0: translatable). */
static __always_inline __u32 header4_punt(const __u8* h, __u32 skb_len, __u8* a6, const struct siit_config* cfg) {
  __u32 why = ip4_header_punt(h, skb_len, hop_change(cfg->hop_change));
  if (!why) why = map_punt(to_v6(h + 12, a6, cfg));
  return why ? why : map_punt(to_v6(h + 16, a6 + 16, cfg));
}

/* The checksum difference of the transport header: TCP and UDP swap the pseudo-header's addresses;
 * ICMP gains the ICMPv6 pseudo-header and changes type (RFC 7915 §4.2). */
static __always_inline __s64 l4_diff46(const __u8* h, const __u8* o, const __u8* l4) {
  if (h[9] != PROTO_ICMP4) return csum_diff(h + 12, 8, o + 8, 32);
  __u8 from[4] = {l4[0], l4[1], 0, 0};
  __u8 to[44] XLAT_ALIGNED = {};
  __builtin_memcpy(to, o + 8, 32);
  to[34] = o[4]; /* the upper-layer length: the Payload Length */
  to[35] = o[5];
  to[39] = PROTO_ICMP6;
  to[40] = l4[0] == ICMP4_ECHO_REQUEST ? ICMP6_ECHO_REQUEST : ICMP6_ECHO_REPLY;
  to[41] = l4[1];
  return csum_diff(from, sizeof(from), to, sizeof(to));
}

/* Rewrites the packet: IPv4 -> IPv6 header (20 bytes more), transport checksum, ICMP type, EtherType. */
static __always_inline int rewrite46(struct __sk_buff* skb, const __u8* h, const __u8* a6, const __u8* l4, __u32 ck_off,
                                     __u32 tcp_len, const struct siit_config* cfg) {
  __u8 o[IP6_LEN] XLAT_ALIGNED;
  fill_ip6(o, h, a6, a6 + 16, hop_change(cfg->hop_change), cfg->reset_tc);
  __u8 type = l4[0] == ICMP4_ECHO_REQUEST ? ICMP6_ECHO_REQUEST : ICMP6_ECHO_REPLY;
  return commit(skb, ETH_P_IPV6, o, IP6_LEN, h[9] == PROTO_ICMP4, h[9] == PROTO_UDP, type, l4, ck_off,
                l4_diff46(h, o, l4), tcp_len, cfg);
}

/* IPv4 -> IPv6, or TC_ACT_OK with the reason counted. */
static __always_inline int xlat_4to6(struct __sk_buff* skb, const struct siit_config* cfg) {
  __u8 h[IP4_LEN] XLAT_ALIGNED;
  if (bpf_skb_load_bytes(skb, l2_len, h, IP4_LEN) < 0) return punt(SIIT_PUNT_MALFORMED);
  __u8 a6[32] XLAT_ALIGNED;
  __u32 why = header4_punt(h, skb->len, a6, cfg);
  if (why) return punt(why);
  __u8 l4[16] XLAT_ALIGNED;
  __u32 ck_off = 0, tcp_len = 0;
  why = transport_punt(skb, h[9], IP4_LEN, ((__u32)h[2] << 8 | h[3]) - IP4_LEN, &ck_off, &tcp_len, l4);
  if (!why) why = size_punt_4to6(skb, h, tcp_len, cfg->mtu6, cfg->lowest_mtu6);
  if (why) return punt(why);
  return rewrite46(skb, h, a6, l4, ck_off, tcp_len, cfg);
}

SEC("tc")
int siit_4to6(struct __sk_buff* skb) {
  const struct siit_config* cfg = config_for(skb, ETH_P_IP, SIIT_PUNT_NOT_IPV4);
  return cfg ? xlat_4to6(skb, cfg) : TC_ACT_OK;
}

/* ---- On the TUN and at the uplinks ------------------------------------------------------------- */

/* Either family, as the configuration allows (punts: on the TUN counted, at an uplink passed on). */
static __always_inline int translate(struct __sk_buff* skb) {
  __u32 zero = 0;
  const struct siit_config* cfg = bpf_map_lookup_elem(&siit_config, &zero);
  if (!cfg || !cfg->enabled) return punt(SIIT_PUNT_NO_CONFIG);
  if (skb->protocol == bpf_htons(ETH_P_IPV6)) return xlat_6to4(skb, cfg);
  if (skb->protocol == bpf_htons(ETH_P_IP)) return xlat_4to6(skb, cfg);
  return punt(SIIT_PUNT_NOT_IPV6);
}

/* Attached at the egress of the daemon's TUN, where the kernel routes both families: a translation
 * is redirected into the TUN's ingress (the stack routes it as if the daemon had written it), a
 * punt goes on to the TUN queue and the daemon. */
SEC("tc")
int siit_tun(struct __sk_buff* skb) { return translate(skb); }

/* Attached (with l2_len 14 and at_ingress 1, the maps shared) at the ingress of the uplinks: a
 * packet the kernel would route into the TUN is translated here and sent straight out the uplink
 * the translated packet's route names, skipping both passes through the stack; anything else goes
 * on unchanged, uncounted (to the TUN program, or to the host). */
SEC("tc")
int siit_uplink(struct __sk_buff* skb) { return skb->pkt_type == PACKET_HOST_TYPE ? translate(skb) : TC_ACT_UNSPEC; }
