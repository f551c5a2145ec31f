#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ws_url.hpp"

namespace bench {

// One blocking WebSocket client connection, for scenarios that drive a handful of connections
// from a thread each (history) rather than thousands from an epoll loop. Blocking writes are safe
// here: the server reads every connection independently of what it writes to it.
class WsConnection {
  public:
    // Connects and upgrades within `timeout_ms`; throws std::runtime_error saying why not.
    WsConnection(const WsTarget& target, int timeout_ms);
    WsConnection(const WsConnection&) = delete;
    WsConnection& operator=(const WsConnection&) = delete;
    ~WsConnection();

    void send_text(std::string_view payload);

    // Waits up to `timeout_ms` for bytes, then hands every complete text message received to
    // `on_text` (pings are answered here). False when nothing arrived in time. Throws when the
    // connection closed or broke.
    bool receive(int timeout_ms, const std::function<void(std::string_view)>& on_text);

    // Sends `json` and waits for the reply whose "type" is `reply_type` (or an "error"), dropping
    // other frames on the way; returns it. Throws on timeout, on an error reply, on a close.
    std::string request(std::string_view json, std::string_view reply_type, int timeout_ms);

    // Closes with 1000 and does not wait for the server's answer.
    void close();

  private:
    void write_all(std::string_view bytes);
    std::uint32_t next_mask();

    int fd_ = -1;
    std::string inbox_;      // bytes received and not yet parsed
    std::string fragments_;  // a text message arriving in continuation frames
    std::string frame_;      // reused to build outgoing frames
    std::uint64_t random_state_;
};

}  // namespace bench
