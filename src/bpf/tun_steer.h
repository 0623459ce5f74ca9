/* Shared by tun_steer.bpf.c (the TUN queue steering program) and its C++ loader and tests: the
 * program's configuration, written into its read-only data before it is loaded. Plain C. */
#ifndef SIXFOUR_BPF_TUN_STEER_H
#define SIXFOUR_BPF_TUN_STEER_H

#include <linux/types.h>

/* How the program finds the flow of a packet (docs/offload.md, "One flow, one worker"). */
enum tun_steer_mode {
  /* Stateless (siit): a hash of the unordered pair of ports (the ICMP echo identifier for both),
   * the same for a packet and for its translated reply whoever opened the flow. */
  TUN_STEER_PORTS = 0,
  /* Stateful (nat64, gateway): the shard of the NAT64 tables the packet's BIB entry lives in,
   * nat64::State::sharding(): from the IPv6 side a keyed hash of the source transport address, from
   * the IPv4 side Pool4::shard_of(destination transport address). A dynamic BIB entry takes a pool4
   * port of its IPv6 side's shard, so both directions of a flow give the same shard. */
  TUN_STEER_NAT64_SHARD = 1,
};

/* CPUs `cpu_queue` can name (CPU ids from 0). */
#define TUN_STEER_CPUS 1024
/* A CPU without a worker of its own in `cpu_queue`. */
#define TUN_STEER_NO_QUEUE 0xffff

struct tun_steer_config {
  __u64 seed6;   /* TUN_STEER_NAT64_SHARD: the seed of the IPv6 side's shard hash */
  __u32 shards;  /* TUN_STEER_NAT64_SHARD: the number of shards (at least 1) */
  __u32 mode;    /* enum tun_steer_mode */
  __u32 statics; /* TUN_STEER_NAT64_SHARD: entries in `steer_statics` (0: not looked up) */
  /* 1: a packet goes to the queue of the worker pinned to the CPU the kernel routes it on
   * (`cpu_queue`), whatever its flow; a CPU without one (TUN_STEER_NO_QUEUE) by `mode` as before.
   * For the NAT64 with its fast path, whose TUN carries a flow's first packets: a wake-up on the
   * same CPU, not across (docs/offload.md, "One flow, one worker"). */
  __u32 by_cpu;
  __u16 cpu_queue[TUN_STEER_CPUS]; /* by_cpu: CPU id -> queue */
};

/* TUN_STEER_NAT64_SHARD: a static BIB entry's IPv6 transport address; its value (__u32) is the
 * entry's shard, that of its IPv4 side, which the hash of the IPv6 side does not give. */
struct tun_steer_static {
  __u8 addr6[16];
  __u16 port6; /* host byte order */
  __u8 proto;  /* 6, 17 or 58 */
  __u8 pad;
};

#endif
