// conn_storm serve ADDR PORT: accepts TCP connections on ADDR#PORT and closes each at once.
// conn_storm client ADDR PORT SECONDS: for SECONDS, connects to ADDR#PORT, waits for the server's
// FIN, closes, and again; prints how many connections completed (a connect or a wait that fails or
// takes over 2 s is not counted).
// The benchmarks' connection generator (translator_lib.sh): the exchange their Python client and
// server made, at a fraction of the cost per connection (the Python pair spent about 60% of the
// lab's two CPUs, so the generator, not the path, set most of the figure).
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct target {
  struct sockaddr_storage addr;
  socklen_t len;
  int family;
};

static int parse_target(const char* addr, const char* port, struct target* t) {
  memset(t, 0, sizeof *t);
  struct sockaddr_in6* a6 = (struct sockaddr_in6*)&t->addr;
  struct sockaddr_in* a4 = (struct sockaddr_in*)&t->addr;
  if (strchr(addr, ':')) {
    a6->sin6_family = t->family = AF_INET6;
    a6->sin6_port = htons((unsigned short)atoi(port));
    t->len = sizeof *a6;
    return inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1 ? 0 : -1;
  }
  a4->sin_family = t->family = AF_INET;
  a4->sin_port = htons((unsigned short)atoi(port));
  t->len = sizeof *a4;
  return inet_pton(AF_INET, addr, &a4->sin_addr) == 1 ? 0 : -1;
}

static int serve(const struct target* t) {
  int s = socket(t->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
      bind(s, (const struct sockaddr*)&t->addr, t->len) < 0 || listen(s, 4096) < 0) {
    perror("conn_storm serve");
    return 1;
  }
  for (;;) {
    int c = accept4(s, NULL, NULL, SOCK_CLOEXEC);
    if (c >= 0) close(c);
  }
}

static double since(const struct timespec* t0) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static int client(const struct target* t, double seconds) {
  const struct timeval limit = {.tv_sec = 2};  // connect() waits up to SO_SNDTIMEO
  unsigned long done = 0;
  struct timespec t0;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  while (since(&t0) < seconds) {
    int c = socket(t->family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c < 0) {
      perror("conn_storm client");
      return 1;
    }
    setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    char b;
    if (connect(c, (const struct sockaddr*)&t->addr, t->len) == 0 && recv(c, &b, 1, 0) == 0) ++done;
    close(c);
  }
  printf("%lu\n", done);
  return 0;
}

int main(int argc, char** argv) {
  struct target t;
  if (argc >= 4 && strcmp(argv[1], "serve") == 0 && parse_target(argv[2], argv[3], &t) == 0) return serve(&t);
  if (argc == 5 && strcmp(argv[1], "client") == 0 && parse_target(argv[2], argv[3], &t) == 0)
    return client(&t, atof(argv[4]));
  fprintf(stderr, "usage: conn_storm serve ADDR PORT | conn_storm client ADDR PORT SECONDS\n");
  return 2;
}
