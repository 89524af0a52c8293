// nodelay_preload: an LD_PRELOAD shim for benchmarks only. It sets
// TCP_NODELAY on every socket the process accepts (accept, accept4).
//
// Why: the simulator's HTTP server (cpp-httplib; Debian ships it compiled,
// with TCP_NODELAY off by default, and sim/server.cpp does not turn it on)
// leaves Nagle's algorithm on and writes a response's headers and body in
// two send() calls. On a kept-alive connection the body then waits for the
// client's delayed ACK of the headers, about 40 ms on Linux, so every API
// call but a connection's first takes >= 40 ms even at --latency-ms 0.
// engine_bench runs the synthetic cases with and without this shim to show
// that cost. Nothing of quarry itself is preloaded.
//
//   LD_PRELOAD=build-bench/bench/libnodelay_preload.so quarry sim synthetic ...

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace {

void nodelay(int fd) {
  if (fd < 0) return;
  int on = 1;
  (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // fails harmlessly on non-TCP
}

template <class Fn>
Fn next(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

} // namespace

extern "C" int accept(int fd, sockaddr* addr, socklen_t* len) {
  using fn = int (*)(int, sockaddr*, socklen_t*);
  static const fn real = next<fn>("accept");
  const int s = real(fd, addr, len);
  nodelay(s);
  return s;
}

extern "C" int accept4(int fd, sockaddr* addr, socklen_t* len, int flags) {
  using fn = int (*)(int, sockaddr*, socklen_t*, int);
  static const fn real = next<fn>("accept4");
  const int s = real(fd, addr, len, flags);
  nodelay(s);
  return s;
}
