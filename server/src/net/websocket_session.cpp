#include "net/websocket_session_reads.hpp"

#include <atomic>
#include <cstdio>

namespace parley::net {

std::string make_session_id() {
    // A random per-process prefix keeps ids from two runs or two nodes apart.
    static const std::uint32_t prefix = std::random_device{}();
    static std::atomic<std::uint64_t> counter{0};
    char id[32];
    std::snprintf(id, sizeof id, "%08x-%llx", prefix, static_cast<unsigned long long>(++counter));
    return id;
}

std::int64_t steady_millis() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

template class WebSocketSession<boost::asio::ip::tcp::socket>;  // TLS: websocket_session_tls.cpp

}  // namespace parley::net
