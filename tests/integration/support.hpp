#pragma once
// What the hardening, security and cluster tests share: time since a start, /metrics samples,
// chat frames, connections identified in the write that upgrades them, a reader that drains many
// raw connections at once, and the check that a dm reaches exactly one user's devices.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "raw_client.hpp"
#include "redis_backend.hpp"
#include "redis_process.hpp"

namespace parley::test {

std::chrono::milliseconds since(std::chrono::steady_clock::time_point start);

// A `say` of `text` to `channel` with the given id.
json say_frame(const std::string& channel, const std::string& text, int id);

// ---- /metrics ------------------------------------------------------------------------------

// One sample of /metrics (e.g. `parley_closes_total{code="1008"}`), or -1 when it is absent or
// the endpoint does not answer, as at the open-files limit: for polling until it shows.
double metric(std::uint16_t port, const std::string& sample);

// Every sample of a Prometheus text exposition, by `name{labels}`. Fails the test on any line
// that is not valid text format or whose metric lacks # HELP and # TYPE.
std::map<std::string, double> parse_prometheus(const std::string& text);
// /metrics, which must answer 200 with valid Prometheus text, parsed.
std::map<std::string, double> scrape(std::uint16_t port);
// Counters that follow an event the client has already seen the end of may be bumped a moment
// later (a close is counted when the server's side of it finishes): polls until `sample` is
// `expected` or the default timeout passes, and returns its last value.
double wait_for_metric(std::uint16_t port, const std::string& sample, double expected);

// ---- raw connections -----------------------------------------------------------------------

// A TCP connection to the server from `source` that never sends a byte; -1 if it could not be
// made.
int open_idle(std::uint16_t port, const std::string& source);

// A connection that has said hello as `nick`, for tests that write many frames at once.
std::unique_ptr<RawClient> identified(std::uint16_t port, const std::string& nick);

using RawClients = std::vector<std::unique_ptr<RawClient>>;

// Reads everything the server sends to `clients` as fast as it can, on a thread of its own, so
// that no queue fills for want of a reader, and counts the occurrences of `marker` (a reply's
// header is in one piece often enough to count roughly). The clients must outlive it.
class ReplyCounter {
  public:
    ReplyCounter(std::string marker,
                 std::initializer_list<std::reference_wrapper<const RawClients>> clients);
    ~ReplyCounter() { stop(); }
    ReplyCounter(const ReplyCounter&) = delete;
    ReplyCounter& operator=(const ReplyCounter&) = delete;

    long count() const { return count_; }
    // Ends the reading thread; the count stays as it was.
    void stop();

  private:
    std::atomic<bool> stop_{false};
    std::atomic<long> count_{0};
    std::thread reader_;
};

// ---- direct messages in token mode -----------------------------------------------------------

// In token mode with `secret`: `phone` holds the nick ann, and `other` asked for it as ANN with a
// token for ANN and was answered `refused`. Checks that this is nick_taken (another user whose
// nick collides), that a second token for ann on `laptop` shares the nick, and that a dm from
// `bob` reaches both of ann's devices and nothing of it reaches `other`.
void expect_dm_reaches_only_the_same_subject(const std::string& secret, const json& refused,
                                             Client& phone, Client& laptop, Client& bob,
                                             Client& other);

// A cluster node on `redis`, named `name`, with limits out of the tests' way, started once it
// has subscribed.
std::unique_ptr<ServerProcess> start_node(const std::string& redis_url, const std::string& name,
                                          std::vector<std::string> more = {});
inline std::unique_ptr<ServerProcess> start_node(const RedisProcess& redis, const std::string& name,
                                                 std::vector<std::string> more = {}) {
    return start_node(redis.url(), name, std::move(more));
}
inline std::unique_ptr<ServerProcess> start_node(const RedisBackend& redis, const std::string& name,
                                                 std::vector<std::string> more = {}) {
    return start_node(redis.url(), name, std::move(more));
}

}  // namespace parley::test
