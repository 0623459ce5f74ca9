/* Shared by nat64.bpf.c (the stateful fast path) and its C++ loader, publisher and tests: the layout
 * of the configuration and session maps, and the counter indices. Plain C, fixed-width fields only.
 * The daemon is the only writer of the session maps (docs/fast-path.md, "Stateful"). */
#ifndef SIXFOUR_BPF_NAT64_H
#define SIXFOUR_BPF_NAT64_H

#include <linux/types.h>

#include "siit.h" /* the counters shared with the stateless program (enum siit_counter) */

/* Element 0 of the `nat64_config` array map; `enabled` 0 (the zeroed map) punts everything. */
struct nat64_config {
  __u8 enabled;
  __s8 hop_change; /* xlat::Config::hop_change (+1 for the TUN daemons) */
  __u8 reset_tos;  /* 6 -> 4: TOS = new_tos instead of the Traffic Class */
  __u8 new_tos;
  __u8 reset_tc;          /* 4 -> 6: Traffic Class 0 instead of the TOS */
  __u8 report_tcp;        /* 1: translate SYN, FIN and RST of a published session and report them */
  __u16 mtu4;             /* a 6 -> 4 translation larger than this is punted */
  __u32 ident_key;        /* key of the Identification generator */
  __u16 mtu6;             /* a 4 -> 6 translation with DF=1 larger than this is punted */
  __u16 lowest_mtu6;      /* ... with DF=0 larger than this */
  __u32 redirect_ifindex; /* a hit: bpf_redirect(this, BPF_F_INGRESS) (the TUN); 0: SIIT_VERDICT_HIT */
  /* The NAT64 prefix (RFC 6052: 32 to 96 bits, all within the first 12 bytes) as three words in
   * network order, and its length as a mask over the same words: every session's IPv6 peer lies in
   * it. A zero mask takes every destination. */
  __u32 prefix6[3];
  __u32 prefix6_mask[3];
  /* The smallest range of IPv4 addresses (host order) holding every pool4 address: every session's
   * and static BIB entry's outside address lies in it. pool4_last 0 takes every destination. */
  __u32 pool4_first;
  __u32 pool4_last;
};

/* A packet from the IPv6 side, exactly as it comes (`nat64_sessions6`): the inside host's address
 * and port, the peer's IPv6 address (prefix + IPv4) and port. ICMP echo: sport = the identifier,
 * dport 0. Ports in network byte order; proto the IPv6 one (6, 17, 58). */
struct nat64_key6 {
  __u8 src[16];
  __u8 dst[16];
  __be16 sport;
  __be16 dport;
  __u8 proto;
  __u8 pad[3];
};

/* What that packet leaves with: the pool4 address and port, the peer's address and port (ICMP:
 * sport = the identifier, dport 0), and when the fast path last translated one of the session's
 * packets (either direction, bpf_ktime_get_coarse_ns; 0: never). */
struct nat64_val6 {
  __u8 src[4];
  __u8 dst[4];
  __be16 sport;
  __be16 dport;
  __u32 pad;
  __u64 last_seen_ns;
};

/* A packet from the IPv4 side (`nat64_sessions4`): the peer's address and port, the pool4 address
 * and port. ICMP echo: sport 0, dport = the identifier. proto the IPv4 one (6, 17, 1). */
struct nat64_key4 {
  __u8 src[4];
  __u8 dst[4];
  __be16 sport;
  __be16 dport;
  __u8 proto;
  __u8 pad[3];
};

/* What it leaves with: the peer's IPv6 address (prefix + IPv4) and port, the inside host's address
 * and port (ICMP: sport 0, dport = the identifier); last_seen_ns as above. */
struct nat64_val4 {
  __u8 src[16];
  __u8 dst[16];
  __be16 sport;
  __be16 dport;
  __u32 pad;
  __u64 last_seen_ns;
};

/* The argument of `nat64_publish`, the program the daemon runs (BPF_PROG_RUN) to write a session's
 * two entries in one system call instead of two map updates; it returns 0 when both went in, else
 * 1 with neither in. */
struct nat64_publish {
  struct nat64_key6 key6;
  struct nat64_val6 val6;
  struct nat64_key4 key4;
  struct nat64_val4 val4;
};

/* A record of the `nat64_reports` ring buffer (report_tcp): a segment with SYN, FIN or RST the
 * program translated, of the session of the inside host's addr6#port6 with the peer
 * remote4#rport, for the daemon's RFC 6146 state machine. Ports in network byte order. */
struct nat64_report {
  __u8 addr6[16];
  __u8 remote4[4];
  __be16 port6;
  __be16 rport;
  __u8 flags;   /* the TCP header's flags byte */
  __u8 from_v6; /* 1: the segment came from the IPv6 side */
  __u8 pad[2];
};

/* Counter indices of `nat64_counters`: those of enum siit_counter, then these. */
enum nat64_counter {
  NAT64_PUNT_NO_SESSION = SIIT_COUNTERS, /* no published session (new, not established, hairpinned) */
  NAT64_PUNT_TCP_FLAGS,                  /* SYN, FIN or RST without report_tcp: the daemon's state machine */
  NAT64_TCP_REPORTED,                    /* SYN, FIN or RST translated and reported (also hits) */
  NAT64_PUNT_REPORTS_FULL,               /* SYN, FIN or RST, the ring buffer full: to the daemon */
  NAT64_COUNTERS
};

/* last_seen_ns is rewritten only when older than this (fewer writes to a shared cache line). */
#define NAT64_LAST_SEEN_GRAIN_NS 250000000ULL

#endif
