/* Shared by siit.bpf.c (the eBPF program) and its C++ loader/tests: the layout of the program's
 * configuration map and the indices of its counter map. Plain C, fixed-width fields only. */
#ifndef SIXFOUR_BPF_SIIT_H
#define SIXFOUR_BPF_SIIT_H

#include <linux/types.h>

/* Element 0 of the `siit_config` array map. `enabled` 0 (the zeroed map after loading) punts
 * everything: the loader writes the configuration before any packet may be translated. */
struct siit_config {
  __u8 pool6[12];  /* the /96 pool6 prefix (RFC 6052): the IPv4 address is the last 32 bits */
  __u8 enabled;    /* 0: punt everything (PUNT_NO_CONFIG) */
  __s8 hop_change; /* xlat::Config::hop_change: -1 router, 0 CLAT, +1 TUN daemons (TTL = hop + 1) */
  __u8 reset_tos;  /* xlat::Config::reset_tos: TOS = new_tos instead of the Traffic Class */
  __u8 new_tos;
  __u8 strict_wkp;        /* pool6 is 64:ff9b::/96 with the RFC 6052 §3.1 check on: punt (slices 1-2) */
  __u8 reset_tc;          /* xlat::Config::reset_traffic_class: 4 -> 6 Traffic Class 0 instead of the TOS */
  __u16 mtu4;             /* xlat::Config::mtu4: a 6 -> 4 translation larger than this is punted */
  __u32 ident_key;        /* key of the Identification generator (random, set by the loader) */
  __u16 mtu6;             /* xlat::Config::mtu6: a 4 -> 6 translation larger than this is punted */
  __u16 lowest_mtu6;      /* xlat::Config::lowest_ipv6_mtu: the limit of a DF=0 4 -> 6 translation */
  __u32 redirect_ifindex; /* a hit: bpf_redirect(this, BPF_F_INGRESS) (the TUN); 0: SIIT_VERDICT_HIT */
  __u8 has_pool6;         /* 0: no pool6, the EAM table alone maps addresses */
  __u8 pad_[3];
};

/* RFC 7757 EAM entries: LPM-trie maps `siit_eam6` (keyed by the IPv6 prefix) and `siit_eam4` (by the
 * IPv4 prefix), the same value in both; the longest match wins in each direction (addr/eam.hpp). */
struct siit_lpm6_key {
  __u32 prefixlen;
  __u8 addr[16];
};
struct siit_lpm4_key {
  __u32 prefixlen;
  __u8 addr[4];
};
struct siit_eam {
  __u8 v6[16]; /* the IPv6 prefix, host bits zero */
  __u8 v4[4];  /* the IPv4 prefix, host bits zero */
  __u8 v6_len;
  __u8 v4_len;
  __u8 pad_[2];
};
#define SIIT_EAM_MAX 16384 /* entries per trie */

/* `siit_global4` (LPM trie, value __u8 1 = globally reachable, 0 = not): RFC 6052 §3.1's check of
 * 64:ff9b::/96, filled from addr/ip.hpp's global_rules4(); no match = global. */
#define SIIT_GLOBAL4_MAX 64

/* `siit_uplinks` / `nat64_uplinks` (array, slot -> ifindex, the used slots first, 0 after them): the
 * devices the uplink program is attached to, scanned per packet it sends (a few compares, cheaper
 * than a hash lookup). */
#define SIIT_UPLINKS_MAX 64

/* `siit_route_gen` / `nat64_route_gen` (array, one __u32): the daemon's count of the network
 * namespace's routing changes (links, addresses, routes, rules, next hops, neighbours, forwarding
 * sysctls: io/fastpath/route_watch), bumped at each. 0, as loaded, turns the uplink instance's
 * next-hop cache off. */
#define SIIT_ROUTE_GEN_OFF 0u

/* Indices of the per-CPU `siit_counters` array map: one hit counter, one per punt reason. */
enum siit_counter {
  SIIT_HIT = 0,            /* translated */
  SIIT_PUNT_NO_CONFIG,     /* the configuration was not written */
  SIIT_PUNT_NOT_IPV6,      /* not an IPv6 packet (or not version 6) */
  SIIT_PUNT_MALFORMED,     /* truncated, padded, Payload Length 0, short transport header */
  SIIT_PUNT_EXT_HEADER,    /* an IPv6 extension header other than Fragment */
  SIIT_PUNT_FRAGMENT,      /* an IPv6 Fragment header */
  SIIT_PUNT_HOP_LIMIT,     /* Hop Limit <= 1, or it would expire in the translator */
  SIIT_PUNT_PROTOCOL,      /* neither TCP, UDP nor ICMPv6 */
  SIIT_PUNT_ICMP_ERROR,    /* an ICMPv6 error (its quoted packet is translated too) */
  SIIT_PUNT_ICMP_OTHER,    /* an ICMPv6 informational message other than echo */
  SIIT_PUNT_UDP_ZERO_CSUM, /* UDP with a zero checksum (RFC 8200 §8.1) */
  SIIT_PUNT_OUTSIDE_POOL6, /* a source or destination not under pool6 (or multicast) */
  SIIT_PUNT_WKP,           /* pool6 is the well-known prefix with the §3.1 check on */
  SIIT_PUNT_TOO_BIG,       /* the translation exceeds mtu4 (Packet Too Big or fragmenting) */
  SIIT_PUNT_HELPER,        /* a helper refused before the packet was changed */
  SIIT_DROP_HELPER,        /* a helper failed after the packet was changed: dropped */
  /* Added by slice 2, the IPv4 -> IPv6 program (the reasons above serve it too where they fit). */
  SIIT_PUNT_NOT_IPV4,    /* not an IPv4 packet (or not version 4) */
  SIIT_PUNT_IP4_OPTIONS, /* IPv4 options (IHL > 5) */
  SIIT_PUNT_MULTICAST,   /* an IPv4 multicast or limited broadcast destination */
  /* Added by slice 3 (on the TUN). */
  SIIT_PUNT_GSO,     /* a GSO super-packet the translator sends otherwise (UDP, segments too small or big) */
  SIIT_PUNT_HAIRPIN, /* RFC 7757 §4: the IPv4 destination is an EAM's, translated back to IPv6 */
  SIIT_HIT_UPLINK,   /* translated at an uplink's ingress and sent out another (siit_uplink) */
  SIIT_ROUTE_CACHED, /* of those, sent to a next hop from the cache, not a FIB lookup (xlat.h) */
  SIIT_COUNTERS      /* the number of counters */
};

/* What the programs return for a translated packet when no redirect_ifindex is configured (tests:
 * TC_ACT_PIPE), distinct from the punt verdict TC_ACT_OK. */
#define SIIT_VERDICT_HIT 3

#endif
