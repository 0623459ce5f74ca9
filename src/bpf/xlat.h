/* Shared by the fast-path programs (siit.bpf.c, nat64.bpf.c): RFC 7915 constants and the checks
 * every translation makes before it changes a packet. The including program defines, before
 * including it, `l2_len` (its link-layer header length) and `count(idx)` (bumps its counter idx);
 * the punt reasons are those of enum siit_counter (siit.h). Not a standalone header. */
#ifndef SIXFOUR_BPF_XLAT_H
#define SIXFOUR_BPF_XLAT_H

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

#endif
