// SPDX-License-Identifier: GPL-2.0-only
/* The stateless IPv6 -> IPv4 fast path (RFC 7915 §5), a tc program. It translates only the common
 * case, byte for byte as src/xlat/ipv6_to_ipv4.cpp does: no extension headers, TCP, UDP with a
 * checksum, ICMPv6 echo; source and destination under one /96 pool6. Everything else is returned
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

/* The Identification counter, shared by every CPU. */
struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} siit_ident SEC(".maps");

#define ETH_LEN 14
#define IP6_LEN 40
#define IP4_LEN 20
#define PROTO_ICMP4 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ICMP6 58
#define ICMP6_ECHO_REQUEST 128
#define ICMP6_ECHO_REPLY 129
#define IP4_DF 0x4000
/* RFC 7915 §5.1: a translation of at most 1260 bytes leaves with DF=0 (as the C++ translator). */
#define DF_THRESHOLD 1260

static __always_inline int count(__u32 idx) {
  __u64* v = bpf_map_lookup_elem(&siit_counters, &idx);
  if (v) *v += 1;
  return idx;
}

static __always_inline int punt(__u32 reason) {
  count(reason);
  return TC_ACT_OK;
}

/* The same keyed bijection of a global counter as xlat's next_ident(): 65536 distinct consecutive
 * IDs, not predictable without the key (RFC 6864 §4.1, RFC 7739). */
static __always_inline __u16 next_ident(__u32 key) {
  __u32 zero = 0;
  __u32* c = bpf_map_lookup_elem(&siit_ident, &zero);
  __u32 x = c ? __sync_fetch_and_add(c, 1) : 0;
  x = (x ^ key) & 0xffff;
  x = (x * 0x9e37 + (key >> 16)) & 0xffff;
  x ^= x >> 7;
  x = (x * 0x6b4d) & 0xffff;
  x ^= x >> 9;
  return (__u16)x;
}

static __always_inline int under_pool6(const __u8* a, const struct siit_config* cfg) {
  int same = 1;
#pragma unroll
  for (int i = 0; i < 12; i++) same &= a[i] == cfg->pool6[i];
  return same;
}

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

/* The checks on the transport header (0: translatable); *ck_off is its checksum's offset. */
static __always_inline __u32 transport_punt(struct __sk_buff* skb, __u8 nh, __u32 plen, __u32* ck_off, __u8 l4[8]) {
  __u32 need = nh == PROTO_TCP ? 20 : 8;
  if (plen < need || bpf_skb_load_bytes(skb, ETH_LEN + IP6_LEN, l4, 8) < 0) return SIIT_PUNT_MALFORMED;
  if (nh == PROTO_TCP) {
    *ck_off = 16;
  } else if (nh == PROTO_UDP) {
    *ck_off = 6;
    if (l4[6] == 0 && l4[7] == 0) return SIIT_PUNT_UDP_ZERO_CSUM;
  } else {
    *ck_off = 2;
    if (l4[0] < 128) return SIIT_PUNT_ICMP_ERROR;
    if (l4[0] != ICMP6_ECHO_REQUEST && l4[0] != ICMP6_ECHO_REPLY) return SIIT_PUNT_ICMP_OTHER;
  }
  return 0;
}

/* Every check of the IPv6 header against the configuration (0: translatable). */
static __always_inline __u32 header_punt(const __u8* h, __u32 skb_len, const struct siit_config* cfg) {
  __u32 plen = (__u32)h[4] << 8 | h[5];
  if ((h[0] >> 4) != 6) return SIIT_PUNT_NOT_IPV6;
  /* Payload Length 0 is a Jumbogram; link-layer padding is left to the slow path. */
  if (plen == 0 || skb_len != ETH_LEN + IP6_LEN + plen) return SIIT_PUNT_MALFORMED;
  __u32 why = next_header_punt(h[6]);
  if (why) return why;
  if (h[7] <= 1 || (int)h[7] + cfg->hop_change < 1) return SIIT_PUNT_HOP_LIMIT;
  if (h[24] == 0xff || !under_pool6(h + 8, cfg) || !under_pool6(h + 24, cfg)) return SIIT_PUNT_OUTSIDE_POOL6;
  if (cfg->strict_wkp) return SIIT_PUNT_WKP;
  if (IP4_LEN + plen > cfg->mtu4) return SIIT_PUNT_TOO_BIG;
  return 0;
}

static __always_inline __u16 ip4_checksum(const __u16* w) {
  __u32 s = 0;
#pragma unroll
  for (int i = 0; i < IP4_LEN / 2; i++) s += w[i];
  s = (s & 0xffff) + (s >> 16);
  s = (s & 0xffff) + (s >> 16);
  return (__u16)~s;
}

/* RFC 7915 §5.1: the IPv4 header for IPv6 header `h`. */
static __always_inline void build_ip4(__u8* o, const __u8* h, const struct siit_config* cfg) {
  __u32 plen = (__u32)h[4] << 8 | h[5];
  __u16 total = (__u16)(IP4_LEN + plen);
  __u16 id = next_ident(cfg->ident_key);
  __u16 flags = total > DF_THRESHOLD ? IP4_DF : 0;
  int ttl = (int)h[7] + cfg->hop_change;
  o[0] = 0x45;
  o[1] = cfg->reset_tos ? cfg->new_tos : (__u8)((h[0] & 0x0f) << 4 | h[1] >> 4);
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
  __builtin_memcpy(o + 12, h + 20, 4); /* the IPv4 addresses: the last 32 bits (RFC 6052 /96) */
  __builtin_memcpy(o + 16, h + 36, 4);
  __u16 ck = ip4_checksum((const __u16*)o);
  __builtin_memcpy(o + 10, &ck, 2);
}

/* The checksum difference of the transport header: TCP and UDP swap the pseudo-header's addresses
 * (their ports, length and protocol number stay); ICMP loses the ICMPv6 pseudo-header and changes
 * type (RFC 7915 §5.2). */
static __always_inline __s64 l4_diff(const __u8* h, const __u8* o, const __u8* l4) {
  if (h[6] != PROTO_ICMP6) return bpf_csum_diff((__be32*)(h + 8), 32, (__be32*)(o + 12), 8, 0);
  __u32 plen = (__u32)h[4] << 8 | h[5];
  __u8 from[44] = {};
  __u8 to[4] = {l4[0] == ICMP6_ECHO_REQUEST ? 8 : 0, l4[1], 0, 0};
  __builtin_memcpy(from, h + 8, 32);
  from[34] = plen >> 8;
  from[35] = plen & 0xff;
  from[39] = PROTO_ICMP6;
  from[40] = l4[0];
  from[41] = l4[1];
  return bpf_csum_diff((__be32*)from, sizeof(from), (__be32*)to, sizeof(to), 0);
}

/* Rewrites the packet in place: IPv6 -> IPv4 header, transport checksum, ICMP type, EtherType. */
static __always_inline int rewrite(struct __sk_buff* skb, const __u8* h, const __u8* l4, __u32 ck_off,
                                   const struct siit_config* cfg) {
  __u8 o[IP4_LEN];
  build_ip4(o, h, cfg);
  __s64 diff = l4_diff(h, o, l4);
  if (diff < 0) return punt(SIIT_PUNT_HELPER);
  if (bpf_skb_change_proto(skb, bpf_htons(ETH_P_IP), 0) < 0) return punt(SIIT_PUNT_HELPER);
  /* From here on the packet is changed: a failing helper drops it. */
  __u64 flags = h[6] == PROTO_ICMP6 ? 0 : BPF_F_PSEUDO_HDR;
  if (h[6] == PROTO_UDP) flags |= BPF_F_MARK_MANGLED_0;
  __u16 eth_type = bpf_htons(ETH_P_IP);
  __u8 type = l4[0] == ICMP6_ECHO_REQUEST ? 8 : 0;
  if (bpf_skb_store_bytes(skb, ETH_LEN, o, IP4_LEN, 0) < 0 || bpf_skb_store_bytes(skb, 12, &eth_type, 2, 0) < 0 ||
      (h[6] == PROTO_ICMP6 && bpf_skb_store_bytes(skb, ETH_LEN + IP4_LEN, &type, 1, 0) < 0) ||
      bpf_l4_csum_replace(skb, ETH_LEN + IP4_LEN + ck_off, 0, (__u32)diff, flags) < 0) {
    count(SIIT_DROP_HELPER);
    return TC_ACT_SHOT;
  }
  count(SIIT_HIT);
  return SIIT_VERDICT_HIT;
}

SEC("tc")
int siit_6to4(struct __sk_buff* skb) {
  __u32 zero = 0;
  const struct siit_config* cfg = bpf_map_lookup_elem(&siit_config, &zero);
  if (!cfg || !cfg->enabled) return punt(SIIT_PUNT_NO_CONFIG);
  if (skb->protocol != bpf_htons(ETH_P_IPV6)) return punt(SIIT_PUNT_NOT_IPV6);
  __u8 h[IP6_LEN];
  if (bpf_skb_load_bytes(skb, ETH_LEN, h, IP6_LEN) < 0) return punt(SIIT_PUNT_MALFORMED);
  __u32 why = header_punt(h, skb->len, cfg);
  if (why) return punt(why);
  __u8 l4[8];
  __u32 ck_off = 0;
  why = transport_punt(skb, h[6], (__u32)h[4] << 8 | h[5], &ck_off, l4);
  if (why) return punt(why);
  return rewrite(skb, h, l4, ck_off, cfg);
}
