// udp_flood ADDR PORT SECONDS: 64-byte UDP datagrams to ADDR#PORT as fast as sendmmsg() sends
// them, 64 per call; prints how many it sent. The benchmarks' second UDP sender (translator_lib.sh):
// iperf3 pays a system call and its own bookkeeping per datagram, so on a small machine the sender,
// not the path, sets the rate; this one costs a fraction of that.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
int main(int argc, char** argv) {
  if (argc != 4) return 2;
  struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_port = htons(atoi(argv[2]))};
  struct sockaddr_in a4 = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[2]))};
  int v6 = strchr(argv[1], ':') != NULL;
  if (v6 ? inet_pton(AF_INET6, argv[1], &a6.sin6_addr) != 1 : inet_pton(AF_INET, argv[1], &a4.sin_addr) != 1) return 2;
  int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  if (fd < 0 || connect(fd, v6 ? (struct sockaddr*)&a6 : (struct sockaddr*)&a4, v6 ? sizeof a6 : sizeof a4) < 0) {
    perror("udp_flood");
    return 1;
  }
  enum { kBatch = 64 };
  static char payload[64];
  struct iovec iov = {payload, sizeof payload};
  struct mmsghdr m[kBatch];
  memset(m, 0, sizeof m);
  for (int i = 0; i < kBatch; ++i) m[i].msg_hdr.msg_iov = &iov, m[i].msg_hdr.msg_iovlen = 1;
  struct timespec t0, t;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  const double secs = atof(argv[3]);
  unsigned long long sent = 0;
  for (;;) {
    int n = sendmmsg(fd, m, kBatch, 0);
    if (n > 0) sent += (unsigned)n;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if ((t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 >= secs) break;
  }
  printf("%llu\n", sent);
  return 0;
}
