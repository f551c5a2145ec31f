#pragma once
// A WebSocket client that writes exactly the bytes a test gives it and parses what the server
// sends, frame by frame: for tests of the framing itself, and for tests that must put many
// frames into one write (which the server then reads in one go).

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "harness.hpp"

namespace parley::test {

inline constexpr unsigned char text_op = 0x1, continuation_op = 0x0, close_op = 0x8, ping_op = 0x9,
                               pong_op = 0xa;

// A client frame: masked unless told otherwise, with a fixed mask (its value does not matter).
std::string client_frame(unsigned char opcode, const std::string& payload, bool fin = true,
                         bool masked = true);
std::string close_payload(std::uint16_t code, const std::string& reason = "");
// A valid upgrade request for /ws with the RFC's example key.
std::string upgrade_request(std::uint16_t port);

struct ServerFrame {
    unsigned char opcode;
    std::string payload;
    std::uint16_t close_code() const;  // 1005 when the close frame carries none
};

class RawClient {
  public:
    // Upgrades, with `after_request` sent in the same write as the request. Connects from the
    // thread's FromAddress, if any. `receive_buffer`, when not 0, is the socket's SO_RCVBUF, set
    // before connecting so that the window the server sees is small too.
    explicit RawClient(std::uint16_t port, const std::string& after_request = "",
                       int receive_buffer = 0);

    const std::string& response() const { return response_; }
    bool ended() const { return eof_; }
    void set_no_delay();
    void send(const std::string& bytes);
    int native_handle() { return socket_.native_handle(); }

    // The next frame from the server; nothing when the connection ends or the time is up.
    std::optional<ServerFrame> next(std::chrono::milliseconds timeout = default_timeout);
    // The next frame that is not a ping (pings are answered, as a browser would).
    std::optional<ServerFrame> next_answering_pings();
    // Whether the server closes the TCP connection within `timeout` (after any frames).
    bool ends_within(std::chrono::milliseconds timeout);

  private:
    std::optional<ServerFrame> parse();
    // Reads more into buffer_; false on end of stream or timeout.
    bool fill(std::chrono::milliseconds timeout);

    boost::asio::io_context io_;
    boost::asio::ip::tcp::socket socket_;
    std::string buffer_;
    std::string response_;
    bool eof_ = false;
};

}  // namespace parley::test
