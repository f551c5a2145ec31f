#pragma once
// A real redis-server for cluster tests: its own port and folder, stopped and started at will.

#include <sys/types.h>

#include <csignal>
#include <cstdint>
#include <string>
#include <vector>

#include "harness.hpp"

namespace parley::test {

// A loopback port nothing listens on now.
std::uint16_t free_loopback_port();

// Sends one inline command to the redis-server on loopback `port` and returns the first line of
// the answer, or a bulk string's value ("" when unreachable).
std::string redis_command(std::uint16_t port, const std::string& line);

class RedisProcess {
  public:
    // Starts redis-server (from PATH) on a free loopback port. `persistent`: AOF on as the
    // README advises, so a restart keeps what was acknowledged; otherwise a restart loses all.
    // `extra`: more redis-server arguments (e.g. cluster mode's).
    explicit RedisProcess(bool persistent = true, std::vector<std::string> extra = {});
    ~RedisProcess();

    std::uint16_t port() const { return port_; }
    std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }
    void stop(int signal = SIGTERM);  // and wait for it to exit
    void start();                     // again, on the same port and data
    // Sends one inline command and returns the first line of the answer, or a bulk string's
    // value ("" when unreachable).
    std::string command(const std::string& line) const { return redis_command(port_, line); }

  private:
    TempDir dir_;
    std::uint16_t port_ = 0;
    pid_t pid_ = -1;
    bool persistent_;
    std::vector<std::string> extra_;
};

}  // namespace parley::test
