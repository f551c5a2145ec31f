#include "webhook_receiver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/beast/http.hpp>
#include <cstring>
#include <optional>
#include <stdexcept>

namespace parley::test {

namespace http = boost::beast::http;

WebhookReceiver::WebhookReceiver(std::uint16_t port, bool listen) : port_(port) {
    if (port_ == 0) {
        // Find a free port, then let it go until start().
        int probe = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(probe, reinterpret_cast<sockaddr*>(&address), sizeof address);
        socklen_t length = sizeof address;
        ::getsockname(probe, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
        ::close(probe);
    }
    if (listen) start();
}

WebhookReceiver::~WebhookReceiver() {
    stop();
}

void WebhookReceiver::start() {
    stopping_ = false;
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener_, 64) != 0)
        throw std::runtime_error("receiver cannot listen: " + std::string(std::strerror(errno)));
    acceptor_ = std::thread([this] {
        while (!stopping_) {
            pollfd ready{listener_, POLLIN, 0};
            if (::poll(&ready, 1, 50) <= 0) continue;
            int fd = ::accept(listener_, nullptr, nullptr);
            if (fd < 0) continue;
            std::lock_guard lock(mutex_);
            connections_.emplace_back([this, fd] { serve(fd); });
        }
    });
}

void WebhookReceiver::stop() {
    stopping_ = true;
    if (acceptor_.joinable()) acceptor_.join();
    std::vector<std::thread> connections;
    {
        std::lock_guard lock(mutex_);
        connections.swap(connections_);
    }
    for (auto& connection : connections) connection.join();
    if (listener_ >= 0) ::close(listener_);
    listener_ = -1;
    changed_.notify_all();
}

void WebhookReceiver::answer_with(std::function<int(const WebhookRequest&)> policy) {
    std::lock_guard lock(mutex_);
    policy_ = std::move(policy);
}

void WebhookReceiver::serve(int fd) {
    std::string data;
    char chunk[16384];
    std::optional<http::request_parser<http::string_body>> parser;
    parser.emplace();
    boost::beast::error_code ec;
    while (!stopping_ && !parser->is_done()) {
        pollfd ready{fd, POLLIN, 0};
        if (::poll(&ready, 1, 50) <= 0) continue;
        auto n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        data.append(chunk, static_cast<std::size_t>(n));
        parser.emplace();  // the whole request so far, parsed afresh: simple, and small
        parser->eager(true);
        parser->put(boost::asio::buffer(data), ec);
        if (ec && ec != http::error::need_more) break;
    }
    if (!parser->is_done()) {
        ::close(fd);
        return;
    }
    const auto& request = parser->get();
    WebhookRequest got{std::string(request.target()),
                       request.body(),
                       std::string(request[http::field::content_type]),
                       std::string(request["X-Parley-Event"]),
                       std::string(request["X-Parley-Delivery"]),
                       std::string(request["X-Parley-Signature"]),
                       json::parse(request.body(), nullptr, false)};
    int status = 200;
    {
        std::lock_guard lock(mutex_);
        if (policy_) status = policy_(got);
        received_.push_back(got);
    }
    if (status == 0) {  // never answer: hold the connection until stopped
        while (!stopping_) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        ::close(fd);
        return;
    }
    std::string answer = "HTTP/1.1 " + std::to_string(status) +
                         " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(fd);
    {
        std::lock_guard lock(mutex_);
        if (status >= 200 && status < 300) ++accepted_;
    }
    changed_.notify_all();
}

std::vector<WebhookRequest> WebhookReceiver::received() const {
    std::lock_guard lock(mutex_);
    return received_;
}

std::size_t WebhookReceiver::accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
}

bool WebhookReceiver::wait_for_accepted(std::size_t count, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return accepted_ >= count; });
}

std::string hmac_sha256_header(const std::string& secret, const std::string& body) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
    std::string out = "sha256=";
    char hex[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(hex, sizeof hex, "%02x", digest[i]);
        out += hex;
    }
    return out;
}

}  // namespace parley::test
