// SPDX-License-Identifier: GPL-2.0-only
/* The stateful fast path (RFC 6146 with RFC 7915 headers), one tc program `nat64_tun` at the egress
 * of the daemon's TUN: a packet of a session the daemon published (exact 5-tuple, either direction)
 * is translated in place, byte for byte as src/nat64/translator.cpp does, and redirected into the
 * TUN's ingress (a TCP segment with SYN, FIN or RST reported to the daemon through `nat64_reports`,
 * if it asked for them); everything else (new flows, fragments, options, extension headers,
 * ICMP errors, hairpinning, ...) goes on unchanged to the TUN queue and the daemon, its reason
 * counted. A second instance, `nat64_uplink`, does the same at the uplinks' ingress and sends its
 * translations out the uplink the route names (one hop). The daemon is the only writer of the
 * session maps. docs/fast-path.md. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>

// libbpf's helpers need the uapi types above first.
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "nat64.h"

char LICENSE[] SEC("license") = "GPL";

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct nat64_config);
} nat64_config SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
  __uint(max_entries, NAT64_COUNTERS);
  __type(key, __u32);
  __type(value, __u64);
} nat64_counters SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, __u32);
} nat64_ident SEC(".maps");

/* The published sessions (the loader sizes them before loading; entries allocated on update). */
struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct nat64_key6);
  __type(value, struct nat64_val6);
} nat64_sessions6 SEC(".maps");

struct {
  __uint(type, BPF_MAP_TYPE_HASH);
  __uint(max_entries, 65536);
  __uint(map_flags, BPF_F_NO_PREALLOC);
  __type(key, struct nat64_key4);
  __type(value, struct nat64_val4);
} nat64_sessions4 SEC(".maps");

/* The TCP segments with SYN, FIN or RST translated here, for the daemon's state machine. Read
 * without wake-ups: the daemon drains it every few tens of milliseconds. */
struct {
  __uint(type, BPF_MAP_TYPE_RINGBUF);
  __uint(max_entries, 1 << 22);
} nat64_reports SEC(".maps");

#define XLAT_COUNTERS nat64_counters
#define XLAT_UPLINKS nat64_uplinks
#define XLAT_ROUTE_GEN nat64_route_gen
#define XLAT_NEXTHOPS nat64_nexthops
#include "xlat.h"

static __always_inline __u16 next_ident(__u32 key) {
  __u32 zero = 0;
  __u32* c = bpf_map_lookup_elem(&nat64_ident, &zero);
  return ident_bijection(c ? __sync_fetch_and_add(c, 1) : 0, key);
}

static __always_inline void touch(__u64* last_seen) {
  __u64 now = bpf_ktime_get_coarse_ns();
  if (now - *last_seen > NAT64_LAST_SEEN_GRAIN_NS) *last_seen = now;
}

/* A TCP segment with SYN, FIN or RST (`flags`) of a published session, about to be translated:
 * reported (1), or the ring buffer is full (0: the daemon must see it). */
static __always_inline int report(const __u8* addr6, const __u8* remote4, const void* port6, const void* rport,
                                  __u8 flags, __u8 from_v6) {
  struct nat64_report* r = bpf_ringbuf_reserve(&nat64_reports, sizeof(*r), 0);
  if (!r) return 0;
  __builtin_memcpy(r->addr6, addr6, 16);
  __builtin_memcpy(r->remote4, remote4, 4);
  __builtin_memcpy(&r->port6, port6, 2);
  __builtin_memcpy(&r->rport, rport, 2);
  r->flags = flags;
  r->from_v6 = from_v6;
  r->pad[0] = r->pad[1] = 0;
  bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
  count(NAT64_TCP_REPORTED);
  return 1;
}

/* The flags of a TCP segment that the state machine follows (FIN, SYN, RST; 0: none or not TCP). */
static __always_inline __u8 state_flags(__u8 proto, const __u8* l4) { return proto == PROTO_TCP ? l4[13] & 0x07 : 0; }

/* A translated packet's transport rewrite: where the checksum is, the checksum differences of the
 * pseudo-header (addresses, BPF_F_PSEUDO_HDR) and of the rest (ports or ICMP type and identifier),
 * and the transport header's new first 8 bytes: the ports at 0, or the ICMP type at 0 and the
 * identifier at 4, around the unchanged bytes. */
struct l4_rewrite {
  __u32 ck_off;
  __u32 tcp_len; /* the TCP header's length (0: not TCP) */
  int icmp;
  int udp;
  __s64 pseudo_diff;
  __s64 data_diff;
  __u8 head[8];
};

/* head[from..to) = l4[from..to): the transport bytes a rewrite leaves as they are (byte by byte: a
 * block copy into a partly written buffer lets clang address the stack with a bitwise OR, which the
 * verifier refuses). */
static __always_inline void keep_bytes(__u8* head, const __u8* l4, int from, int to) {
#pragma unroll
  for (int i = from; i < to; i++) head[i] = l4[i];
}

/* The new first 8 bytes of a TCP/UDP header `l4`: the ports `sport` and `dport`, the rest kept. */
static __always_inline void new_ports(struct l4_rewrite* r, const __u8* l4, const __be16* sport, const __be16* dport) {
  __builtin_memcpy(r->head, sport, 2);
  __builtin_memcpy(r->head + 2, dport, 2);
  keep_bytes(r->head, l4, 4, 8);
}

/* The same for an ICMP echo: the new `type` and identifier `ident`, code, checksum and sequence
 * number kept. */
static __always_inline void new_echo(struct l4_rewrite* r, const __u8* l4, __u8 type, const __be16* ident) {
  r->head[0] = type;
  keep_bytes(r->head, l4, 1, 4);
  __builtin_memcpy(r->head + 4, ident, 2);
  keep_bytes(r->head, l4, 6, 8);
}

/* The end of both rewrites, once the new IP header `ip` (`ip_len` bytes) is built: the protocol
 * changed, header, EtherType and transport bytes stored, the checksum updated, redirected (at an
 * uplink: sent to the next hop the route names, if an uplink; else on, unchanged, to the TUN). */
static __always_inline int commit(struct __sk_buff* skb, __u16 eth_proto, const __u8* ip, __u32 ip_len,
                                  const struct l4_rewrite* r, const struct nat64_config* cfg) {
  if (r->pseudo_diff < 0 || r->data_diff < 0) return punt(SIIT_PUNT_HELPER);
  struct bpf_fib_lookup fib;
  int resolved = 0;
  /* The MTU check is the route's: of the packet, or of each segment of a GSO super-packet. */
  __u32 seg_len = skb->gso_size ? ip_len + r->tcp_len + skb->gso_size : 0;
  if (at_ingress && !next_hop(skb, ip, eth_proto == ETH_P_IPV6, seg_len, &nat64_uplinks, &fib, &resolved))
    return TC_ACT_UNSPEC;
  if (bpf_skb_change_proto(skb, bpf_htons(eth_proto), 0) < 0) return punt(SIIT_PUNT_HELPER);
  /* From here on the packet is changed: a failing helper drops it. */
  __u64 mangled = r->udp ? BPF_F_MARK_MANGLED_0 : 0;
  __u32 l4 = l2_len + ip_len;
  long err = store_headers(skb, eth_proto, ip, ip_len, r->head, &fib, resolved);
  /* The pseudo-header's part goes into a CHECKSUM_PARTIAL seed too, the ports' part does not (the
   * device or the stack sums the segment later), see inet_proto_csum_replace_by_diff(). */
  if (!err && r->pseudo_diff)
    err = bpf_l4_csum_replace(skb, l4 + r->ck_off, 0, (__u32)r->pseudo_diff, BPF_F_PSEUDO_HDR | mangled);
  if (!err) err = bpf_l4_csum_replace(skb, l4 + r->ck_off, 0, (__u32)r->data_diff, mangled);
  if (err) {
    count(SIIT_DROP_HELPER);
    return TC_ACT_SHOT;
  }
  count(SIIT_HIT);
  if (at_ingress) return send_next_hop(skb, &fib, resolved);
  return cfg->redirect_ifindex ? (int)bpf_redirect(cfg->redirect_ifindex, BPF_F_INGRESS) : SIIT_VERDICT_HIT;
}

/* A session key's sport and dport (adjacent: one word in memory order) from the transport header's
 * first 8 bytes `l4`: its ports, or for an ICMP echo (`icmp`) its identifier in sport (`shift` 0) or
 * dport (16), the other 0. Shifted out of a word rather than copied from an offset, for the reason
 * keep_bytes() gives. Little-endian. */
static __always_inline __u32 key_ports(const __u8* l4, int icmp, __u32 shift) {
  __u64 w;
  __builtin_memcpy(&w, l4, 8);
  return icmp ? (__u32)(__u16)(w >> 32) << shift : (__u32)w;
}

/* ---- IPv6 -> IPv4 ------------------------------------------------------------------------------ */

/* The session of IPv6 packet `h` with transport header `l4`, or NULL. */
static __always_inline struct nat64_val6* session6(const __u8* h, const __u8* l4) {
  struct nat64_key6 k = {};
  __builtin_memcpy(k.src, h + 8, 16);
  __builtin_memcpy(k.dst, h + 24, 16);
  __u32 ports = key_ports(l4, h[6] == PROTO_ICMP6, 0); /* ICMP: the identifier as sport */
  __builtin_memcpy(&k.sport, &ports, 4);
  k.proto = h[6];
  return bpf_map_lookup_elem(&nat64_sessions6, &k);
}

/* The transport rewrite 6 -> 4 (RFC 7915 §5.2 and the session's ports or identifier). */
static __always_inline void l4_6to4(struct l4_rewrite* r, const __u8* h, const __u8* o, const __u8* l4,
                                    const struct nat64_val6* v) {
  r->icmp = h[6] == PROTO_ICMP6;
  r->udp = h[6] == PROTO_UDP;
  if (!r->icmp) {
    new_ports(r, l4, &v->sport, &v->dport);
    r->pseudo_diff = csum_diff(h + 8, 32, o + 12, 8);
    r->data_diff = csum_diff(l4, 4, r->head, 4);
    return;
  }
  __u32 plen = (__u32)h[4] << 8 | h[5];
  __u8 from[48] XLAT_ALIGNED = {};
  __u8 to[8] XLAT_ALIGNED = {};
  new_echo(r, l4, l4[0] == ICMP6_ECHO_REQUEST ? ICMP4_ECHO_REQUEST : ICMP4_ECHO_REPLY, &v->sport);
  __builtin_memcpy(from, h + 8, 32);
  from[34] = plen >> 8;
  from[35] = plen & 0xff;
  from[39] = PROTO_ICMP6;
  from[40] = l4[0];
  from[41] = l4[1];
  from[44] = l4[4];
  from[45] = l4[5];
  to[0] = r->head[0];
  to[1] = l4[1];
  to[4] = r->head[4];
  to[5] = r->head[5];
  r->pseudo_diff = 0;
  r->data_diff = csum_diff(from, sizeof(from), to, sizeof(to));
}

/* Whether the IPv6 destination at `dst` (word-aligned) lies in the NAT64 prefix. No session leads
 * anywhere else, so the host's other IPv6 traffic through an uplink is passed on before its
 * transport header is read and the session map looked at. */
static __always_inline int to_prefix6(const __u8* dst, const struct nat64_config* cfg) {
  __u32 w[3];
  __builtin_memcpy(w, dst, sizeof(w));
  return (((w[0] & cfg->prefix6_mask[0]) ^ cfg->prefix6[0]) | ((w[1] & cfg->prefix6_mask[1]) ^ cfg->prefix6[1]) |
          ((w[2] & cfg->prefix6_mask[2]) ^ cfg->prefix6[2])) == 0;
}

static __always_inline int xlat_6to4(struct __sk_buff* skb, const struct nat64_config* cfg) {
  __u8 h[IP6_LEN] XLAT_ALIGNED;
  if (bpf_skb_load_bytes(skb, l2_len, h, IP6_LEN) < 0) return punt(SIIT_PUNT_MALFORMED);
  if (!to_prefix6(h + 24, cfg)) return punt(NAT64_PUNT_NO_SESSION);
  __u32 why = ip6_header_punt(h, skb->len, hop_change(cfg->hop_change));
  if (why) return punt(why);
  __u8 l4[16] XLAT_ALIGNED;
  __u32 ck_off = 0, tcp_len = 0, plen = (__u32)h[4] << 8 | h[5];
  why = transport_punt(skb, h[6], IP6_LEN, plen, &ck_off, &tcp_len, l4);
  if (why) return punt(why);
  const __u8 flags = state_flags(h[6], l4);
  if (flags && !cfg->report_tcp) return punt(NAT64_PUNT_TCP_FLAGS);
  struct nat64_val6* v = session6(h, l4);
  if (!v) return punt(NAT64_PUNT_NO_SESSION);
  why = size_punt_6to4(skb, plen, tcp_len, cfg->mtu4);
  if (why) return punt(why);
  if (flags && !report(h + 8, v->dst, l4, &v->dport, flags, 1)) return punt(NAT64_PUNT_REPORTS_FULL);
  __u8 o[IP4_LEN] XLAT_ALIGNED;
  fill_ip4(o, h, v->src, v->dst, hop_change(cfg->hop_change), cfg->reset_tos ? cfg->new_tos : -1,
           next_ident(cfg->ident_key));
  struct l4_rewrite r = {.ck_off = ck_off, .tcp_len = tcp_len};
  l4_6to4(&r, h, o, l4, v);
  touch(&v->last_seen_ns);
  return commit(skb, ETH_P_IP, o, IP4_LEN, &r, cfg);
}

/* ---- IPv4 -> IPv6 ------------------------------------------------------------------------------ */

static __always_inline struct nat64_val4* session4(const __u8* h, const __u8* l4) {
  struct nat64_key4 k = {};
  __builtin_memcpy(k.src, h + 12, 4);
  __builtin_memcpy(k.dst, h + 16, 4);
  __u32 ports = key_ports(l4, h[9] == PROTO_ICMP4, 16); /* ICMP: the identifier as dport */
  __builtin_memcpy(&k.sport, &ports, 4);
  k.proto = h[9];
  return bpf_map_lookup_elem(&nat64_sessions4, &k);
}

/* The transport rewrite 4 -> 6 (RFC 7915 §4.2 and the session's ports or identifier). */
static __always_inline void l4_4to6(struct l4_rewrite* r, const __u8* h, const __u8* o, const __u8* l4,
                                    const struct nat64_val4* v) {
  r->icmp = h[9] == PROTO_ICMP4;
  r->udp = h[9] == PROTO_UDP;
  if (!r->icmp) {
    new_ports(r, l4, &v->sport, &v->dport);
    r->pseudo_diff = csum_diff(h + 12, 8, o + 8, 32);
    r->data_diff = csum_diff(l4, 4, r->head, 4);
    return;
  }
  __u8 from[8] XLAT_ALIGNED = {};
  __u8 to[48] XLAT_ALIGNED = {};
  new_echo(r, l4, l4[0] == ICMP4_ECHO_REQUEST ? ICMP6_ECHO_REQUEST : ICMP6_ECHO_REPLY, &v->dport);
  from[0] = l4[0];
  from[1] = l4[1];
  from[4] = l4[4];
  from[5] = l4[5];
  __builtin_memcpy(to, o + 8, 32);
  to[34] = o[4]; /* the upper-layer length: the Payload Length */
  to[35] = o[5];
  to[39] = PROTO_ICMP6;
  to[40] = r->head[0];
  to[41] = l4[1];
  to[44] = r->head[4];
  to[45] = r->head[5];
  r->pseudo_diff = 0;
  r->data_diff = csum_diff(from, sizeof(from), to, sizeof(to));
}

/* Whether the IPv4 destination at `dst` (word-aligned) lies in pool4's range: the host's other IPv4
 * traffic through an uplink is passed on as early as the IPv6 outside the prefix. */
static __always_inline int to_pool4(const __u8* dst, const struct nat64_config* cfg) {
  __u32 w;
  __builtin_memcpy(&w, dst, sizeof(w));
  const __u32 a = bpf_ntohl(w);
  return !cfg->pool4_last || (a >= cfg->pool4_first && a <= cfg->pool4_last);
}

static __always_inline int xlat_4to6(struct __sk_buff* skb, const struct nat64_config* cfg) {
  __u8 h[IP4_LEN] XLAT_ALIGNED;
  if (bpf_skb_load_bytes(skb, l2_len, h, IP4_LEN) < 0) return punt(SIIT_PUNT_MALFORMED);
  if (!to_pool4(h + 16, cfg)) return punt(NAT64_PUNT_NO_SESSION);
  __u32 why = ip4_header_punt(h, skb->len, hop_change(cfg->hop_change));
  if (why) return punt(why);
  __u8 l4[16] XLAT_ALIGNED;
  __u32 ck_off = 0, tcp_len = 0;
  why = transport_punt(skb, h[9], IP4_LEN, ((__u32)h[2] << 8 | h[3]) - IP4_LEN, &ck_off, &tcp_len, l4);
  if (why) return punt(why);
  const __u8 flags = state_flags(h[9], l4);
  if (flags && !cfg->report_tcp) return punt(NAT64_PUNT_TCP_FLAGS);
  struct nat64_val4* v = session4(h, l4);
  if (!v) return punt(NAT64_PUNT_NO_SESSION);
  why = size_punt_4to6(skb, h, tcp_len, cfg->mtu6, cfg->lowest_mtu6);
  if (why) return punt(why);
  if (flags && !report(v->dst, h + 12, &v->dport, l4, flags, 0)) return punt(NAT64_PUNT_REPORTS_FULL);
  __u8 o[IP6_LEN] XLAT_ALIGNED;
  fill_ip6(o, h, v->src, v->dst, hop_change(cfg->hop_change), cfg->reset_tc);
  struct l4_rewrite r = {.ck_off = ck_off, .tcp_len = tcp_len};
  l4_4to6(&r, h, o, l4, v);
  touch(&v->last_seen_ns);
  return commit(skb, ETH_P_IPV6, o, IP6_LEN, &r, cfg);
}

/* Either family (punts: on the TUN counted, at an uplink passed on). */
static __always_inline int translate(struct __sk_buff* skb) {
  __u32 zero = 0;
  const struct nat64_config* cfg = bpf_map_lookup_elem(&nat64_config, &zero);
  if (!cfg || !cfg->enabled) return punt(SIIT_PUNT_NO_CONFIG);
  if (skb->protocol == bpf_htons(ETH_P_IPV6)) return xlat_6to4(skb, cfg);
  if (skb->protocol == bpf_htons(ETH_P_IP)) return xlat_4to6(skb, cfg);
  return punt(SIIT_PUNT_NOT_IPV6);
}

/* Attached at the egress of the daemon's TUN, where the kernel routes both families. */
SEC("tc")
int nat64_tun(struct __sk_buff* skb) { return translate(skb); }

/* Attached (with l2_len 14 and at_ingress 1, every map shared) at the ingress of the uplinks: a
 * packet of a published session the kernel would route into the TUN is translated here and sent
 * straight out the uplink the translated packet's route names, skipping both passes through the
 * stack; anything else goes on unchanged, uncounted (to the TUN program, or to the host). */
SEC("tc")
int nat64_uplink(struct __sk_buff* skb) { return skb->pkt_type == PACKET_HOST_TYPE ? translate(skb) : TC_ACT_UNSPEC; }

/* Run by the daemon, never attached (BPF_PROG_TYPE_SYSCALL, BPF_PROG_RUN with a struct
 * nat64_publish as its context): the session's two entries in one system call, both or neither.
 * The daemon stays the only writer; this is its hand in the kernel. */
SEC("syscall")
int nat64_publish(struct nat64_publish* ctx) {
  struct nat64_publish e; /* helpers take keys and values from the stack, not from the context */
  __builtin_memcpy(&e, ctx, sizeof e);
  if (bpf_map_update_elem(&nat64_sessions6, &e.key6, &e.val6, BPF_ANY) != 0) return 1;
  if (bpf_map_update_elem(&nat64_sessions4, &e.key4, &e.val4, BPF_ANY) != 0) {
    bpf_map_delete_elem(&nat64_sessions6, &e.key6);
    return 1;
  }
  return 0;
}
